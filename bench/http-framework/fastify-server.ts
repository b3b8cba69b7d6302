// Issue 18's framework evaluation: the federation server with fastify owning the socket, the
// URL and query parsing, the routing (find-my-way), the parameter decoding and the body limits,
// in front of the same routes, auth and domain as src/server/http/server.ts. Not shipped: it
// exists to run the server's fuzz test and benchmark against both (see README.md here).
import { Readable } from 'node:stream';
import { setMaxListeners } from 'node:events';
import Fastify, { type FastifyError, type FastifyReply } from 'fastify';
import { openCoordinator } from '../../src/server/coordinator-host';
import { authenticate, errorReply, replyForError } from '../../src/server/http/dispatch';
import { MAX_JSON_BYTES } from '../../src/server/http/body';
import { buildRouter } from '../../src/server/http/routes';
import type { Reply, RequestBody } from '../../src/server/http/router';
import type { RunningServer, ServerOptions } from '../../src/server/http/server';
import type { ClientId } from '../../src/shared/wire';

function send(reply: FastifyReply, r: Reply): FastifyReply {
  reply.code(r.status);
  if (r.headers) reply.headers(r.headers);
  return 'bytes' in r ? reply.send(Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength)) : reply.send(r.json);
}

/** Fastify's own errors (body too large, bad content length, ...) in the server's error shape. */
function frameworkError(e: FastifyError): Reply | null {
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return errorReply('payload_too_large', e.message);
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 && e.code?.startsWith('FST_')) return errorReply('bad_request', e.message, e.statusCode);
  return null;
}

export async function startFastifyServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const { coordinator, log, tick, close } = openCoordinator(opts);
  const lifetime = new AbortController();
  setMaxListeners(0, lifetime.signal);
  const app = Fastify({ keepAliveTimeout: 65_000, routerOptions: { maxParamLength: 200 }, return503OnClosing: false });

  // Every body arrives as a Buffer, read by fastify under the route's bodyLimit.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  for (const route of buildRouter(coordinator).list()) {
    const bodyLimit = route.pattern.endsWith('/update') ? coordinator.maxUpdateBytes() : MAX_JSON_BYTES;
    app.route<{ Params: Record<string, string>; Querystring: Record<string, string> }>({
      method: route.method,
      url: route.pattern,
      bodyLimit,
      // Auth before the body is read, as in the hand-written server.
      onRequest: async (request) => {
        (request as unknown as { clientId: ClientId | null }).clientId = authenticate(coordinator, route, request.headers.authorization);
      },
      handler: async (request, reply) => {
        const abort = new AbortController();
        const onClose = () => abort.abort();
        reply.raw.on('close', onClose);
        lifetime.signal.addEventListener('abort', onClose);
        try {
          const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
          // The handlers read a stream (the in-memory transport and node:http hand them one).
          const body: RequestBody = Object.assign(Readable.from(bytes.length > 0 ? [bytes] : []), { headers: { ...request.headers, 'content-length': String(bytes.length) } });
          const query = new URLSearchParams();
          for (const [k, v] of Object.entries(request.query ?? {})) query.set(k, String(v));
          const clientId = (request as unknown as { clientId: ClientId | null }).clientId;
          const r = await route.handler({ req: body, remoteAddress: request.ip, params: request.params, query, signal: abort.signal, clientId });
          return send(reply, r);
        } finally {
          lifetime.signal.removeEventListener('abort', onClose);
        }
      },
    });
  }
  app.setNotFoundHandler((request, reply) => send(reply, errorReply('not_found', `no endpoint ${request.method} ${request.url.slice(0, 200)}`)));
  app.setErrorHandler((e: FastifyError, request, reply) => send(reply, frameworkError(e) ?? replyForError(e, log, request.method, request.url)));

  await app.listen({ port: opts.port ?? 0, host }).catch((e: unknown) => {
    close();
    throw e;
  });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${host}:${port}`,
    port,
    coordinator,
    tick,
    stop: async () => {
      lifetime.abort();
      app.server.closeAllConnections();
      await app.close();
      close();
    },
  };
}
