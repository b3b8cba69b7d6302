// The web host: serves the built renderer and the typed API over a WebSocket on loopback, so
// the real UI runs in a browser where Electron cannot start (and in the e2e tests).
// fastify parses requests, cookies (@fastify/cookie), static files (@fastify/static) and the
// WebSocket upgrade (@fastify/websocket over `ws`); the policy is ours: every request carries the
// per-launch token (URL once, then a cookie), comes from a loopback Host, and upgrades only from
// this host's own page.
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { WS_API_PATH, WS_MAX_PAYLOAD_BYTES } from '../../shared/api/ws-protocol';
import { contentSecurityPolicy } from '../../shared/csp';
import type { AppServices } from '../services/app-services';
import { newLaunchToken, tokenCookie, tokenCookieName, tokensEqual } from './auth';
import { serveMedia } from './media-route';
import { hostAllowed, originAllowed } from './request-guard';
import { serveApi } from './web-api';

/** Node's default is 16 KiB; the UI sends a few hundred bytes. */
const MAX_HEADER_BYTES = 8 * 1024;
const NEEDS_TOKEN = 'FairFAL Annotator: this address needs the launch token. Open the URL printed by `npm start`.';

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

function text(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(body);
}

export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? newLaunchToken();
  const log = opts.log ?? (() => {});
  // Named by port once listening; requests only arrive after that.
  let cookieName = '';
  let boundPort = -1;
  const app = Fastify({
    logger: false,
    forceCloseConnections: true,
    routerOptions: { maxParamLength: 500 },
    serverFactory: (handler) => http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, handler),
  });
  await app.register(fastifyCookie);
  await app.register(fastifyWebsocket, { options: { maxPayload: WS_MAX_PAYLOAD_BYTES } });

  // Host, token, method and (for upgrades) Origin, before any route runs.
  app.addHook('onRequest', async (request, reply) => {
    if (!hostAllowed(request.headers.host, boundPort)) return text(reply, 421, 'This host name is not served here (use 127.0.0.1 or localhost).');
    const query = request.query as Record<string, unknown>;
    const queryToken = typeof query.token === 'string' ? query.token : null;
    if (request.ws) {
      // Browsers send Origin on WebSocket upgrades; a page from another site (or a sandboxed
      // frame, Origin: null) must not connect.
      const ok = originAllowed(request.headers.origin, request.headers.host) && (tokensEqual(token, request.cookies[cookieName]) || tokensEqual(token, queryToken));
      return ok ? undefined : text(reply.header('connection', 'close'), 401, NEEDS_TOKEN);
    }
    if (queryToken !== null) {
      if (!tokensEqual(token, queryToken)) return text(reply, 401, NEEDS_TOKEN);
      // Trade the URL token for a cookie and drop it from the address bar.
      return reply.code(303).header('location', withoutToken(request)).header('set-cookie', tokenCookie(token, cookieName)).send();
    }
    if (!tokensEqual(token, request.cookies[cookieName])) return text(reply, 401, NEEDS_TOKEN);
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply.code(405).header('allow', 'GET').send();
    return undefined;
  });

  await app.register(fastifyStatic, {
    root: opts.rendererDir,
    index: 'index.html',
    serve: existsSync(opts.rendererDir),
    setHeaders: (res, file) => {
      res.setHeader('Content-Security-Policy', contentSecurityPolicy());
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('Cache-Control', file.endsWith('.html') ? 'no-store' : 'private, max-age=3600');
    },
  });
  app.get('/media/:kind/:file', (request, reply) => {
    const { kind, file } = request.params as { kind: string; file: string };
    reply.hijack();
    serveMedia(opts.services, `/${kind}/${file}`, reply.raw).catch((err: unknown) => {
      log(`media request failed: ${String(err)}`);
      if (!reply.raw.headersSent) reply.raw.writeHead(500).end('internal error');
    });
  });
  app.get(WS_API_PATH, { websocket: true }, () => {});

  // Single-page app: unknown paths without an extension get index.html.
  const index = join(opts.rendererDir, 'index.html');
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (/\.[a-z0-9]+$/i.test(path)) return text(reply, 404, 'Not found');
    if (!existsSync(index)) return text(reply, 404, 'The renderer is not built. Run `npm run build` first.');
    return reply.sendFile('index.html');
  });
  app.setErrorHandler((err: { statusCode?: unknown; message?: string }, _request, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) log(`request failed: ${String(err)}`);
    return text(reply, status, status === 500 ? 'internal error' : `bad request: ${String(err.message)}`);
  });

  // Upgraded sockets are outside node's connection tracking: without this, close() can wait
  // forever on a half-handled hostile upgrade.
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  try {
    await app.listen({ port: opts.port ?? 0, host });
  } catch (err) {
    // e.g. EADDRINUSE: leave nothing open so the caller can retry on another port.
    await app.close();
    throw err;
  }
  const address = app.server.address();
  boundPort = typeof address === 'object' && address ? address.port : -1;
  cookieName = tokenCookieName(boundPort);
  const unlisten = serveApi(app.websocketServer, opts.services, log);
  const base = `http://${host === '::1' ? '[::1]' : host}:${boundPort}`;
  // No URL here: the only address to open is the one with the token, printed by the caller.
  log(`web host listening on ${host} port ${boundPort}`);
  return {
    url: base + '/',
    openUrl: `${base}/?token=${token}`,
    port: boundPort,
    token,
    stop: async () => {
      unlisten();
      for (const ws of app.websocketServer.clients) ws.terminate();
      const closing = app.close();
      for (const socket of sockets) socket.destroy();
      await closing;
    },
  };
}

/** The request's path and query without the token parameter. */
function withoutToken(request: FastifyRequest): string {
  const [path, search = ''] = request.url.split('?', 2) as [string, string?];
  const params = new URLSearchParams(search);
  params.delete('token');
  const rest = params.toString();
  return rest ? `${path}?${rest}` : path;
}
