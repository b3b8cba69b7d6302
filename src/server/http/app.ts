// The federation server's HTTP application: fastify parses the request line, URL, query,
// headers and body (within each route's bodyLimit) and routes; auth runs in onRequest, before
// any body byte is read; handlers only see parsed input (route.ts). The socket server
// (server.ts) listens with it and the in-memory transport (in-memory.ts) injects into it, so a
// simulated federation runs the very parsing, routing, auth and validation of HTTP.
import http from 'node:http';
import https from 'node:https';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { ClientId } from '../../shared/wire';
import type { FederationCoordinator } from '../domain/coordinator';
import type { Logger } from '../domain/runtime';
import { MAX_JSON_BYTES } from './body';
import { authenticate, errorReply, replyForError } from './replies';
import type { Reply } from './route';
import { serverRoutes } from './routes';

export interface FederationAppOptions {
  coordinator: FederationCoordinator;
  log: Logger;
  /** Aborted when the server stops: ends long-polls. */
  lifetime: AbortSignal;
  /** PEM certificate and key contents. */
  tls?: { cert: string; key: string };
}

/** Path segments longer than this (hashes are 64) are refused with 414 before routing. */
const MAX_PARAM_LENGTH = 200;

declare module 'fastify' {
  interface FastifyRequest {
    clientId: ClientId | null;
  }
}

function send(reply: FastifyReply, r: Reply): FastifyReply {
  reply.code(r.status);
  if (r.headers) reply.headers(r.headers);
  if ('bytes' in r) return reply.send(Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength));
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(r.json));
}

export function buildFederationApp({ coordinator, log, lifetime, tls }: FederationAppOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    // Clients poll: sockets closed by the server while a client reuses them show up as
    // ECONNRESET on the client, so keep them well beyond the poll interval.
    keepAliveTimeout: 65_000,
    forceCloseConnections: true,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    serverFactory: (handler) => {
      const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, handler) : http.createServer(handler);
      server.headersTimeout = 70_000;
      return server as http.Server;
    },
  });
  app.decorateRequest('clientId', null);

  // Every body reaches the handlers as bytes; JSON is parsed and validated by each route's schema.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  for (const route of serverRoutes(coordinator)) {
    app.route({
      method: route.method,
      url: route.pattern,
      bodyLimit: route.bodyLimit ?? MAX_JSON_BYTES,
      onRequest: async (request) => {
        request.clientId = authenticate(coordinator, route, request.headers.authorization);
      },
      handler: async (request, reply) => {
        const abort = new AbortController();
        const onClose = () => abort.abort();
        reply.raw.once('close', onClose);
        lifetime.addEventListener('abort', onClose);
        try {
          const query = new URLSearchParams();
          for (const [k, v] of Object.entries(request.query as Record<string, string | string[]>)) query.set(k, String(Array.isArray(v) ? v.at(-1) : v));
          const r = await route.handler({
            headers: request.headers,
            body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
            remoteAddress: request.ip,
            params: request.params as Record<string, string>,
            query,
            signal: abort.signal,
            clientId: request.clientId,
          });
          return send(reply, r);
        } finally {
          lifetime.removeEventListener('abort', onClose);
        }
      },
    });
  }

  app.setNotFoundHandler((request, reply) => send(reply, errorReply('not_found', `no endpoint ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}`)));
  app.setErrorHandler((e, request, reply) => {
    // Refused before the body was read (auth, size): don't keep the connection for the rest.
    if (!request.raw.complete) reply.header('connection', 'close');
    return send(reply, replyForError(e, log, request.method, request.url));
  });
  app.addHook('onResponse', async (request, reply) => {
    log(reply.statusCode >= 500 ? 'error' : 'debug', 'request', { method: request.method, path: request.url.split('?')[0]?.slice(0, 200), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 });
  });
  return app;
}
