// The federation server's hand-written HTTP layer as it was before fastify was adopted (issue
// 18): node:http, a path-segment router, a size-limited body reader, path and query split by
// hand. Kept only as compare.ts's baseline over the same routes and domain. Not shipped.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { setMaxListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import { openCoordinator } from '../../src/server/coordinator-host';
import { BadRequestError, NotFoundError, PayloadTooLargeError } from '../../src/server/domain/errors';
import { MAX_JSON_BYTES } from '../../src/server/http/body';
import { authenticate, errorReply, replyForError } from '../../src/server/http/replies';
import type { Reply, Route } from '../../src/server/http/route';
import { serverRoutes } from '../../src/server/http/routes';
import type { RunningServer, ServerOptions } from '../../src/server/http/server';

function match(routes: readonly { route: Route; segments: string[] }[], method: string, pathname: string) {
  const parts = pathname.split('/').filter(Boolean);
  let pathMatched = false;
  for (const { route, segments } of routes) {
    if (segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < segments.length && ok; i++) {
      const seg = segments[i] as string;
      const part = parts[i] as string;
      if (seg.startsWith(':')) {
        try {
          params[seg.slice(1)] = decodeURIComponent(part);
        } catch {
          ok = false;
        }
      } else ok = seg === part;
    }
    if (!ok) continue;
    pathMatched = true;
    if (route.method === method) return { route, params };
  }
  if (pathMatched) throw new BadRequestError(`method ${method} is not allowed on ${pathname}`);
  throw new NotFoundError(`no endpoint ${method} ${pathname.slice(0, 200)}`);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > limit * 4) return reject(new PayloadTooLargeError(`body of ${declared} bytes exceeds the limit of ${limit} bytes`));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        if (size > limit * 4) req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => (size > limit ? reject(new PayloadTooLargeError(`body of ${size} bytes exceeds the limit of ${limit} bytes`)) : resolve(Buffer.concat(chunks, size))));
    req.on('error', (e) => reject(new BadRequestError(`request body could not be read: ${e.message}`)));
  });
}

function send(res: ServerResponse, reply: Reply): void {
  if ('bytes' in reply) {
    res.writeHead(reply.status, { ...reply.headers, 'content-length': String(reply.bytes.length) });
    return void res.end(reply.bytes);
  }
  const body = JSON.stringify(reply.json);
  res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...reply.headers });
  res.end(body);
}

export async function startHandWrittenServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const { coordinator, log, tick, close } = openCoordinator(opts);
  const routes = serverRoutes(coordinator).map((route) => ({ route, segments: route.pattern.split('/').filter(Boolean) }));
  const lifetime = new AbortController();
  setMaxListeners(0, lifetime.signal);
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const abort = new AbortController();
    const onClose = () => abort.abort();
    res.on('close', onClose);
    lifetime.signal.addEventListener('abort', onClose);
    const url = req.url ?? '/';
    let reply: Reply;
    try {
      const q = url.indexOf('?');
      const { route, params } = match(routes, req.method ?? 'GET', q < 0 ? url : url.slice(0, q));
      const clientId = authenticate(coordinator, route, req.headers.authorization);
      const body = req.method === 'POST' ? await readBody(req, route.bodyLimit ?? MAX_JSON_BYTES) : Buffer.alloc(0);
      const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
      reply = await route.handler({ headers: req.headers, body, remoteAddress: req.socket.remoteAddress ?? 'unknown', params, query, signal: abort.signal, clientId });
    } catch (e) {
      reply = e instanceof NotFoundError ? errorReply('not_found', e.message) : replyForError(e, log, req.method ?? 'GET', url);
    } finally {
      lifetime.signal.removeEventListener('abort', onClose);
    }
    if (reply.status >= 400 && !req.complete) res.setHeader('connection', 'close');
    if (!res.destroyed) send(res, reply);
  };
  const server = http.createServer((req, res) => void handle(req, res).catch((e: unknown) => log('error', 'unhandled request error', { error: String(e) })));
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    coordinator,
    tick,
    stop: async () => {
      lifetime.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      close();
    },
  };
}
