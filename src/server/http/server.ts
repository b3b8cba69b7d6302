// startServer: the federation server over node:http(s). Thin: route -> auth -> handler; maps
// domain errors to statuses; one JSON log line per request.
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { setMaxListeners } from 'node:events';
import type { ErrorBody, ErrorCode } from '../../shared/wire';
import { BlobStore } from '../../platform/blob-store';
import { openDatabase } from '../data/db';
import { FederationStore } from '../data/store';
import { FederationError, HTTP_STATUS, RateLimitedError } from '../domain/errors';
import { FederationCoordinator } from '../domain/coordinator';
import { jsonLogger, systemClock, type Clock, type FaultHook, type Logger } from '../domain/runtime';
import { MethodNotAllowedError, type Reply } from './router';
import { buildRouter } from './routes';

export interface ServerOptions {
  /** Directory holding federation.sqlite and blobs/ (created by `server federation create`). */
  dataDir: string;
  /** Default 127.0.0.1. Binding beyond loopback without TLS logs a loud warning. */
  host?: string;
  /** Default 0 (an ephemeral port; read it from the result). */
  port?: number;
  /** PEM certificate and key (contents or file paths). */
  tls?: { cert: string; key: string };
  clock?: Clock;
  logger?: Logger;
  /** How often deadlines are checked (ms). Default 1000; 0 disables the timer (tests drive it). */
  tickIntervalMs?: number;
  /** retryAfterMs in 'wait' tasks. */
  pollIntervalMs?: number;
  fault?: FaultHook;
}

export interface RunningServer {
  url: string;
  port: number;
  coordinator: FederationCoordinator;
  /** Runs the deadline check now (tests with an injected clock call this). */
  tick(): void;
  stop(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

function pem(value: string): string {
  return value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8');
}

function send(res: ServerResponse, reply: Reply): void {
  if ('bytes' in reply) {
    res.writeHead(reply.status, { ...reply.headers, 'content-length': String(reply.bytes.length) });
    res.end(reply.bytes);
    return;
  }
  const body = JSON.stringify(reply.json);
  res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...reply.headers });
  res.end(body);
}

function errorReply(code: ErrorCode, message: string, status = HTTP_STATUS[code]): Reply {
  const json: ErrorBody = { error: { code, message } };
  return { status, json };
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const clock = opts.clock ?? systemClock;
  const log = opts.logger ?? jsonLogger('info', clock);
  const host = opts.host ?? '127.0.0.1';
  const db = openDatabase(opts.dataDir);
  const store = new FederationStore(db);
  if (!store.hasFederation()) {
    db.close();
    throw new Error(`no federation in ${opts.dataDir}; create one with \`npm run server -- federation create --config f.json --data-dir ${opts.dataDir}\``);
  }
  const coordinator = new FederationCoordinator({
    store,
    blobs: new BlobStore(opts.dataDir),
    clock,
    log,
    ...(opts.fault ? { fault: opts.fault } : {}),
    ...(opts.pollIntervalMs !== undefined ? { pollIntervalMs: opts.pollIntervalMs } : {}),
  });
  coordinator.recover();
  const router = buildRouter(coordinator);
  const lifetime = new AbortController();
  setMaxListeners(0, lifetime.signal); // one listener per in-flight request

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    let reply: Reply;
    const requestAbort = new AbortController();
    const onClose = () => requestAbort.abort();
    res.on('close', onClose);
    lifetime.signal.addEventListener('abort', onClose);
    try {
      // Not new URL(): "//x" would parse as a host. Path and query are split by hand.
      const raw = req.url ?? '/';
      const q = raw.indexOf('?');
      const pathname = q < 0 ? raw : raw.slice(0, q);
      const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
      const { route, params } = router.match(req.method ?? 'GET', pathname);
      let clientId = null;
      if (route.auth === 'client') clientId = coordinator.authenticateClient(req.headers.authorization);
      if (route.auth === 'admin') coordinator.authenticateAdmin(req.headers.authorization);
      reply = await route.handler({ req, params, query, signal: requestAbort.signal, clientId });
    } catch (e) {
      if (e instanceof MethodNotAllowedError) reply = errorReply('bad_request', e.message, 405);
      else if (e instanceof RateLimitedError) reply = { ...errorReply(e.code, e.message), headers: { 'retry-after': String(e.retryAfterSeconds) } };
      else if (e instanceof FederationError) reply = errorReply(e.code, e.message);
      else {
        log('error', 'request failed', { method: req.method, path: req.url?.slice(0, 200), error: (e as Error).stack ?? String(e) });
        reply = errorReply('internal', 'internal server error');
      }
    } finally {
      lifetime.signal.removeEventListener('abort', onClose);
    }
    if (reply.status >= 400 && !req.complete) {
      // Body not read (auth or routing failed first): don't keep the connection for the rest.
      res.setHeader('connection', 'close');
    }
    if (!res.destroyed) send(res, reply);
    const level = reply.status >= 500 ? 'error' : 'debug';
    log(level, 'request', { method: req.method, path: req.url?.split('?')[0]?.slice(0, 200), status: reply.status, ms: Math.round((performance.now() - started) * 10) / 10 });
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((e: unknown) => log('error', 'unhandled request error', { error: String(e) }));
  };
  const server = opts.tls ? https.createServer({ cert: pem(opts.tls.cert), key: pem(opts.tls.key) }, listener) : http.createServer(listener);
  // Long keep-alive (clients poll): idle sockets closed by the server while a client reuses them
  // show up as ECONNRESET on the client, so keep them well beyond the poll interval.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const scheme = opts.tls ? 'https' : 'http';
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `${scheme}://${urlHost}:${port}`;

  if (!opts.tls && !LOOPBACK.has(host)) {
    const msg = `listening on ${host} WITHOUT TLS: credentials and model weights travel in clear text. Pass --tls-cert and --tls-key, or bind to 127.0.0.1 behind a TLS proxy.`;
    log('warn', msg, { host });
    process.stderr.write(`\n${'!'.repeat(78)}\n!! WARNING: ${msg}\n${'!'.repeat(78)}\n\n`);
  }
  log('info', 'federation server listening', { url, dataDir: opts.dataDir, tls: Boolean(opts.tls) });

  const tick = () => {
    try {
      coordinator.engine.advance();
    } catch (e) {
      log('error', 'state machine tick failed', { error: (e as Error).stack ?? String(e) });
    }
  };
  const interval = opts.tickIntervalMs ?? 1000;
  const timer = interval > 0 ? setInterval(tick, interval) : null;
  timer?.unref();

  let stopped = false;
  return {
    url,
    port,
    coordinator,
    tick,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (timer) clearInterval(timer);
      lifetime.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      db.close();
      log('info', 'federation server stopped', {});
    },
  };
}
