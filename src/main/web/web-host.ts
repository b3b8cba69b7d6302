// The web host: serves the built renderer and the typed API over a WebSocket on loopback, so
// the real UI runs in a browser where Electron cannot start (and in the e2e tests).
// Every request must carry the per-launch token (URL once, then a cookie).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { createDispatcher } from '../../shared/api/dispatch';
import {
  WS_API_PATH,
  WS_MAX_PAYLOAD_BYTES,
  WsClientMessageSchema,
  type WsServerMessage,
} from '../../shared/api/ws-protocol';
import type { AppServices } from '../services/app-services';
import { newLaunchToken, tokenCookie, tokenCookieName, tokenFromCookie, tokensEqual } from './auth';
import { hostAllowed, originAllowed, parseTarget } from './request-guard';
import { serveStatic } from './static-files';

/** Node's default is 16 KiB; the UI sends a few hundred bytes. */
const MAX_HEADER_BYTES = 8 * 1024;
import { unavailableReply } from '../services/vault/media-builder';
import { openMediaNoFollow, parseMediaPath } from '../services/vault/media-store';

/** Vault previews and thumbnails: GET /media/<preview|thumb>/<sha256>.webp (same token cookie as everything else). */
const MEDIA_PREFIX = '/media/';

export async function serveMedia(services: AppServices, tail: string, res: ServerResponse): Promise<void> {
  const m = parseMediaPath(tail);
  if (!m) return void textReply(res, 404, 'not found');
  // A preview still waiting in the background backlog is built now: the UI asked for it.
  const { file, status } = await services.node.vault.mediaFile(m.kind, m.hash);
  if (!file) {
    const reply = unavailableReply(m.kind, status);
    return void textReply(res, reply.httpStatus, reply.text);
  }
  const handle = await openMediaNoFollow(file).catch(() => null);
  if (!handle) return void textReply(res, 404, 'not found');
  const stream = handle.createReadStream();
  // Content addressed: a hash's bytes never change, so the browser may keep them.
  res.writeHead(200, { 'Content-Type': 'image/webp', 'Cache-Control': 'private, max-age=31536000, immutable', 'X-Content-Type-Options': 'nosniff' });
  stream.once('error', () => res.destroy());
  stream.pipe(res);
}

export function textReply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

export interface WebHostOptions {
  services: AppServices;
  rendererDir: string;
  port?: number;
  /** Loopback only; anything else is refused (the API has no other protection than the token). */
  host?: '127.0.0.1' | '::1' | 'localhost';
  token?: string;
  log?: (line: string) => void;
}

export interface WebHost {
  url: string;
  /** The URL to open: carries the token once. */
  openUrl: string;
  port: number;
  token: string;
  stop(): Promise<void>;
}

export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? newLaunchToken();
  const log = opts.log ?? (() => {});
  // Named by port once listening; requests only arrive after that.
  let cookieName = '';
  let boundPort = -1;

  // Node's own parser answers malformed request lines and oversized headers here; the
  // default handler would only drop the socket without a word.
  const server: Server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    try {
      handleRequest(req, res);
    } catch (err) {
      // Last resort: a bug in a handler costs one request, never the host.
      log(`request failed: ${String(err)}`);
      if (!res.headersSent) textReply(res, 500, 'internal error');
      else res.destroy();
    }
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return void socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });

  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    if (!hostAllowed(req.headers.host, boundPort)) return textReply(res, 421, 'This host name is not served here (use 127.0.0.1 or localhost).');
    const url = parseTarget(req.url);
    if (!url) return textReply(res, 400, 'bad request target');
    const queryToken = url.searchParams.get('token');
    if (queryToken !== null) {
      if (!tokensEqual(token, queryToken)) return refuse(res);
      // Trade the URL token for a cookie and drop it from the address bar.
      url.searchParams.delete('token');
      res.writeHead(303, { Location: url.pathname + url.search, 'Set-Cookie': tokenCookie(token, cookieName) });
      res.end();
      return;
    }
    if (!tokensEqual(token, tokenFromCookie(req, cookieName))) return refuse(res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET' });
      res.end();
      return;
    }
    if (url.pathname.startsWith(MEDIA_PREFIX)) {
      serveMedia(opts.services, url.pathname.slice(MEDIA_PREFIX.length - 1), res).catch((err: unknown) => {
        log(`media request failed: ${String(err)}`);
        if (!res.headersSent) textReply(res, 500, 'internal error');
      });
      return;
    }
    serveStatic(opts.rendererDir, url.pathname, res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD_BYTES });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    if (!upgradeAllowed(req, token, cookieName, boundPort)) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const unlisten = serveApi(wss, opts.services, log);

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => resolve());
    });
  } catch (err) {
    // e.g. EADDRINUSE: leave nothing subscribed so the caller can retry on another port.
    unlisten();
    wss.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  boundPort = port;
  cookieName = tokenCookieName(port);
  const base = `http://${host === '::1' ? '[::1]' : host}:${port}`;
  // No URL here: the only address to open is the one with the token, printed by the caller.
  log(`web host listening on ${host} port ${port}`);
  return {
    url: base + '/',
    openUrl: `${base}/?token=${token}`,
    port,
    token,
    stop: async () => {
      unlisten();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      // close() waits for every connection to end; a browser's keep-alive ones never would.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

export function upgradeAllowed(req: IncomingMessage, token: string, cookieName: string, port: number): boolean {
  if (!hostAllowed(req.headers.host, port)) return false;
  const url = parseTarget(req.url);
  if (!url || url.pathname !== WS_API_PATH) return false;
  // Browsers send Origin on WebSocket upgrades; a page from another site (or a sandboxed
  // frame, Origin: null) must not connect.
  if (!originAllowed(req.headers.origin, req.headers.host)) return false;
  return tokensEqual(token, tokenFromCookie(req, cookieName)) || tokensEqual(token, url.searchParams.get('token'));
}

/** The typed API over a WebSocket server's connections, and events pushed to all; returns unlisten. */
export function serveApi(wss: WebSocketServer, services: AppServices, log: (line: string) => void): () => void {
  const dispatch = createDispatcher(services.impl, (err, where) => log(`internal error in ${where}: ${String(err)}`));
  async function handleMessage(ws: WebSocket, text: string | null): Promise<void> {
    let json: unknown;
    try {
      if (text === null) throw new Error('binary frames are not part of the API');
      json = JSON.parse(text);
    } catch (err) {
      return send(ws, { type: 'error', message: `malformed message: ${(err as Error).message}` });
    }
    const msg = WsClientMessageSchema.safeParse(json);
    if (!msg.success) return send(ws, { type: 'error', message: 'malformed message: expected {type:"call", id, service, method, input}' });
    const result = await dispatch(msg.data.service, msg.data.method, msg.data.input);
    send(ws, { type: 'result', id: msg.data.id, result });
  }
  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', (data, isBinary) => {
      void handleMessage(ws, isBinary ? null : data.toString());
    });
  });
  return services.events.listen((service, event, payload) => {
    for (const ws of wss.clients) send(ws, { type: 'event', service, event, payload });
  });
}

function send(ws: WebSocket, msg: WsServerMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
}

export function refuse(res: ServerResponse): void {
  res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('FairFAL Annotator: this address needs the launch token. Open the URL printed by `npm start`.');
}
