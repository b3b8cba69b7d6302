// Issue 18's framework evaluation: the web host with fastify owning the request parsing, the
// cookie parsing (@fastify/cookie), the static files (@fastify/static, i.e. `send`) and the
// WebSocket upgrade (@fastify/websocket over the same `ws`). The policy stays ours: the launch
// token, the Host check against DNS rebinding, the Origin check, the CSP. Not shipped.
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify from 'fastify';
import type { Socket } from 'node:net';
import { contentSecurityPolicy } from '../../src/shared/csp';
import { WS_API_PATH, WS_MAX_PAYLOAD_BYTES } from '../../src/shared/api/ws-protocol';
import { newLaunchToken, tokenCookie, tokenCookieName, tokensEqual } from '../../src/main/web/auth';
import { hostAllowed, originAllowed } from '../../src/main/web/request-guard';
import { serveApi, serveMedia, type WebHost, type WebHostOptions } from '../../src/main/web/web-host';

export async function startFastifyWebHost(opts: WebHostOptions): Promise<WebHost> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? newLaunchToken();
  const log = opts.log ?? (() => {});
  let cookieName = '';
  let boundPort = -1;
  const app = Fastify({ routerOptions: { maxParamLength: 500 }, forceCloseConnections: true });
  await app.register(fastifyCookie);
  await app.register(fastifyWebsocket, { options: { maxPayload: WS_MAX_PAYLOAD_BYTES } });

  const text = (status: number, body: string) => ({ status, body });
  // Host, token and (for upgrades) Origin, before any route runs.
  app.addHook('onRequest', async (request, reply) => {
    let refusal: { status: number; body: string } | null = null;
    if (!hostAllowed(request.headers.host, boundPort)) refusal = text(421, 'This host name is not served here (use 127.0.0.1 or localhost).');
    else {
      const q = request.query as Record<string, unknown>;
      const queryToken = typeof q.token === 'string' ? q.token : null;
      const isUpgrade = request.headers.upgrade?.toLowerCase() === 'websocket';
      if (isUpgrade && !originAllowed(request.headers.origin, request.headers.host)) refusal = text(401, 'origin refused');
      else if (queryToken !== null && !isUpgrade) {
        if (!tokensEqual(token, queryToken)) refusal = text(401, 'FairFAL Annotator: this address needs the launch token.');
        else {
          const path = request.url.split('?')[0] ?? '/';
          return reply.code(303).header('location', path).header('set-cookie', tokenCookie(token, cookieName)).send();
        }
      } else if (!tokensEqual(token, request.cookies[cookieName]) && !(isUpgrade && tokensEqual(token, queryToken))) {
        refusal = text(401, 'FairFAL Annotator: this address needs the launch token. Open the URL printed by `npm start`.');
      }
    }
    if (refusal) return reply.code(refusal.status).type('text/plain; charset=utf-8').header('connection', 'close').send(refusal.body);
  });

  await app.register(fastifyStatic, {
    root: opts.rendererDir,
    wildcard: false,
    index: 'index.html',
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
    serveMedia(opts.services, `/${kind}/${file}`, reply.raw).catch((err: unknown) => log(`media request failed: ${String(err)}`));
  });

  app.get(WS_API_PATH, { websocket: true }, () => {});
  // Single-page app: unknown paths without an extension get index.html.
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply.code(405).header('allow', 'GET').send();
    if (/\.[a-z0-9]+$/i.test(path)) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    return reply.sendFile('index.html');
  });

  // Upgraded and half-handled upgrade sockets are outside node's connection tracking: without
  // this, close() waited forever after the hostile-upgrade fuzz.
  const sockets = new Set<Socket>();
  app.server.on('connection', (sock) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
  });
  await app.listen({ port: opts.port ?? 0, host });
  const address = app.server.address();
  boundPort = typeof address === 'object' && address ? address.port : 0;
  cookieName = tokenCookieName(boundPort);
  const unlisten = serveApi(app.websocketServer, opts.services, log);
  const base = `http://${host === '::1' ? '[::1]' : host}:${boundPort}`;
  return {
    url: base + '/',
    openUrl: `${base}/?token=${token}`,
    port: boundPort,
    token,
    stop: async () => {
      unlisten();
      for (const ws of app.websocketServer.clients) ws.terminate();
      const closing = app.close();
      for (const sock of sockets) sock.destroy();
      await closing;
    },
  };
}
