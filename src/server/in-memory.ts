// The federation server without sockets: a `fetch` that injects each request into the same
// fastify application (parsing, routing, auth, body limits, validation, error mapping) as the
// socket server, so a simulated federation runs the product's client-server contract
// (shared/wire) byte for byte.
// Clients get it as their FederationLink's fetchImpl and `url` as their server address.
import { setMaxListeners } from 'node:events';
import type { FederationCoordinator } from './domain/coordinator';
import { openCoordinator, type CoordinatorHostOptions } from './coordinator-host';
import { buildFederationApp } from './http/app';

export interface InMemoryServer {
  /** The address clients enrol with; only this server's `fetch` answers it. */
  url: string;
  fetch: typeof fetch;
  coordinator: FederationCoordinator;
  tick(): void;
  stop(): Promise<void>;
}

/** A transport failure shaped like undici's, so clients classify it as "offline". */
function unreachable(code: string, message: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });
}

function headerRecord(init: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init).forEach((value, key) => (out[key] = value));
  return out;
}

function bodyBytes(body: BodyInit | null | undefined): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  throw new TypeError('the in-memory transport carries string and byte bodies only');
}

export function startInMemoryServer(opts: CoordinatorHostOptions & { name?: string }): InMemoryServer {
  const host = openCoordinator(opts);
  const origin = `http://${opts.name ?? 'federation'}.in-memory.invalid`;
  const lifetime = new AbortController();
  setMaxListeners(0, lifetime.signal);
  const app = buildFederationApp({ coordinator: host.coordinator, log: host.log, lifetime: lifetime.signal });
  let stopped = false;

  const memoryFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (url.origin !== origin) throw unreachable('ENOTFOUND', `${url.origin} is not this in-memory federation (${origin})`);
    if (stopped) throw unreachable('ECONNREFUSED', `${origin} has stopped`);
    const method = (init.method ?? 'GET').toUpperCase() as 'GET' | 'POST';
    const bytes = bodyBytes(init.body);
    const signal = init.signal ? AbortSignal.any([init.signal, lifetime.signal]) : lifetime.signal;
    const res = await app.inject({ method, url: url.pathname + url.search, headers: headerRecord(init.headers), remoteAddress: 'in-memory', signal, ...(bytes.length > 0 || method === 'POST' ? { payload: bytes } : {}) });
    if (init.signal?.aborted) throw init.signal.reason;
    const headers = new Headers();
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : String(v));
    return new Response(res.statusCode === 204 || res.statusCode === 304 ? null : new Uint8Array(res.rawPayload), { status: res.statusCode, headers });
  };

  return {
    url: origin,
    fetch: memoryFetch as typeof fetch,
    coordinator: host.coordinator,
    tick: host.tick,
    async stop() {
      if (stopped) return;
      stopped = true;
      lifetime.abort();
      await app.close();
      host.close();
    },
  };
}
