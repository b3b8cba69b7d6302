// startServer: the federation server over node:http(s). Thin: route -> auth -> handler; maps
// domain errors to statuses; one JSON log line per request.
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { setMaxListeners } from 'node:events';
import type { FederationCoordinator } from '../domain/coordinator';
import { openCoordinator, type CoordinatorHostOptions } from '../coordinator-host';
import { createDispatch } from './dispatch';
import type { Reply } from './router';

export interface ServerOptions extends CoordinatorHostOptions {
  /** Default 127.0.0.1. Binding beyond loopback without TLS logs a loud warning. */
  host?: string;
  /** Default 0 (an ephemeral port; read it from the result). */
  port?: number;
  /** PEM certificate and key (contents or file paths). */
  tls?: { cert: string; key: string };
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

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const { coordinator, log, tick, close } = openCoordinator(opts);
  const dispatch = createDispatch(coordinator, log);
  const lifetime = new AbortController();
  setMaxListeners(0, lifetime.signal); // one listener per in-flight request

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const requestAbort = new AbortController();
    const onClose = () => requestAbort.abort();
    res.on('close', onClose);
    lifetime.signal.addEventListener('abort', onClose);
    let reply: Reply;
    try {
      reply = await dispatch({ method: req.method ?? 'GET', url: req.url ?? '/', body: req, remoteAddress: req.socket.remoteAddress ?? 'unknown', signal: requestAbort.signal });
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
  }).catch((e: unknown) => {
    close(); // the port is taken: release the database too
    throw e;
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

  let stopped = false;
  return {
    url,
    port,
    coordinator,
    tick,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      lifetime.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      close();
      log('info', 'federation server stopped', {});
    },
  };
}
