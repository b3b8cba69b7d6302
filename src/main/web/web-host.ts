// The web host: serves the built renderer and the typed API over a WebSocket on loopback, so
// the real UI runs in a browser where Electron cannot start (and in the e2e tests).
// Every request must carry the per-launch token (URL once, then a cookie).
import { createReadStream } from 'node:fs';
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
import { serveStatic } from './static-files';
import { unavailableReply } from '../services/vault/media-builder';
import { parseMediaPath } from '../services/vault/media-store';

/** Vault previews and thumbnails: GET /media/<preview|thumb>/<sha256>.webp (same token cookie as everything else). */
const MEDIA_PREFIX = '/media/';

async function serveMedia(services: AppServices, tail: string, res: ServerResponse): Promise<void> {
  const m = parseMediaPath(tail);
  if (!m) return void textReply(res, 404, 'not found');
  // A preview still waiting in the background backlog is built now: the UI asked for it.
  const { file, status } = await services.node.vault.mediaFile(m.kind, m.hash);
  if (!file) {
    const reply = unavailableReply(m.kind, status);
    return void textReply(res, reply.httpStatus, reply.text);
  }
  const stream = createReadStream(file);
  stream.once('open', () => {
    // Content addressed: a hash's bytes never change, so the browser may keep them.
    res.writeHead(200, { 'Content-Type': 'image/webp', 'Cache-Control': 'private, max-age=31536000, immutable', 'X-Content-Type-Options': 'nosniff' });
    stream.pipe(res);
  });
  stream.once('error', () => {
    if (res.headersSent) return void res.destroy();
    textReply(res, 404, 'not found');
  });
}

function textReply(res: ServerResponse, status: number, text: string): void {
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
  const dispatch = createDispatcher(opts.services.impl, (err, where) => log(`internal error in ${where}: ${String(err)}`));

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const queryToken = url.searchParams.get('token');
    if (queryToken !== null) {
      if (!tokensEqual(token, queryToken)) return refuse(res);
      // Trade the URL token for a cookie and drop it from the address bar.
      url.searchParams.delete('token');
      res.writeHead(303, { Location: url.pathname + url.search, 'Set-Cookie': tokenCookie(token, cookieName) });
      return res.end();
    }
    if (!tokensEqual(token, tokenFromCookie(req, cookieName))) return refuse(res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET' });
      return res.end();
    }
    if (url.pathname.startsWith(MEDIA_PREFIX)) {
      serveMedia(opts.services, url.pathname.slice(MEDIA_PREFIX.length - 1), res).catch((err: unknown) => {
        log(`media request failed: ${String(err)}`);
        if (!res.headersSent) textReply(res, 500, 'internal error');
      });
      return;
    }
    serveStatic(opts.rendererDir, url.pathname, res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD_BYTES });
  server.on('upgrade', (req, socket, head) => {
    if (!upgradeAllowed(req, token, cookieName)) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', (data, isBinary) => {
      void handleMessage(ws, isBinary ? null : data.toString());
    });
  });

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

  const unlisten = opts.services.events.listen((service, event, payload) => {
    for (const ws of wss.clients) send(ws, { type: 'event', service, event, payload });
  });

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
  cookieName = tokenCookieName(port);
  const base = `http://${host === '::1' ? '[::1]' : host}:${port}`;
  log(`web host listening on ${base}`);
  return {
    url: base + '/',
    openUrl: `${base}/?token=${token}`,
    port,
    token,
    stop: async () => {
      unlisten();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

function upgradeAllowed(req: IncomingMessage, token: string, cookieName: string): boolean {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname !== WS_API_PATH) return false;
  // Browsers send Origin on WebSocket upgrades; a page from another site must not connect.
  const origin = req.headers.origin;
  if (origin && new URL(origin).host !== req.headers.host) return false;
  return tokensEqual(token, tokenFromCookie(req, cookieName)) || tokensEqual(token, url.searchParams.get('token'));
}

function send(ws: WebSocket, msg: WsServerMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
}

function refuse(res: ServerResponse): void {
  res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('FairFAL Annotator: this address needs the launch token. Open the URL printed by `npm start`.');
}
