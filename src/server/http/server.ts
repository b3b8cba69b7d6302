// startServer: the federation server on a socket (node:http or https), listening with the
// fastify application of app.ts. Thin: bind, warn about clear text, stop cleanly.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { setMaxListeners } from 'node:events';
import type { FederationCoordinator } from '../domain/coordinator';
import { openCoordinator, type CoordinatorHostOptions } from '../coordinator-host';
import { buildFederationApp } from './app';
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

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const { coordinator, log, tick, close } = openCoordinator(opts);
  const lifetime = new AbortController();
  setMaxListeners(0, lifetime.signal); // one listener per in-flight request
  const app = buildFederationApp({ coordinator, log, lifetime: lifetime.signal, ...(opts.tls ? { tls: { cert: pem(opts.tls.cert), key: pem(opts.tls.key) } } : {}) });
  await app.listen({ port: opts.port ?? 0, host }).catch((e: unknown) => {
    close(); // the port is taken: release the database too
    throw e;
  });
  const server = app.server;
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
      await app.close();
      close();
      log('info', 'federation server stopped', {});
    },
  };
}
