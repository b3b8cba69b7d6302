// The federation server without sockets: a `fetch` that hands each request to the same
// dispatch (routes, auth, body limits, validation, error mapping) as the HTTP server, so a
// simulated federation runs the product's client-server contract (shared/wire) byte for byte.
// Clients get it as their FederationLink's fetchImpl and `url` as their server address.
import { setMaxListeners } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { FederationCoordinator } from './domain/coordinator';
import { openCoordinator, type CoordinatorHostOptions } from './coordinator-host';
import { createDispatch } from './http/dispatch';
import type { RequestBody } from './http/router';

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

function headerRecord(init: HeadersInit | undefined): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
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
  const dispatch = createDispatch(host.coordinator, host.log);
  const origin = `http://${opts.name ?? 'federation'}.in-memory.invalid`;
  const lifetime = new AbortController();
  setMaxListeners(0, lifetime.signal);
  let stopped = false;

  const memoryFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (url.origin !== origin) throw unreachable('ENOTFOUND', `${url.origin} is not this in-memory federation (${origin})`);
    if (stopped) throw unreachable('ECONNREFUSED', `${origin} has stopped`);
    const bytes = bodyBytes(init.body);
    const headers = headerRecord(init.headers);
    headers['content-length'] = String(bytes.length);
    const body: RequestBody = Object.assign(Readable.from(bytes.length > 0 ? [bytes] : []), { headers });
    const signal = init.signal ? AbortSignal.any([init.signal, lifetime.signal]) : lifetime.signal;
    const reply = await dispatch({ method: (init.method ?? 'GET').toUpperCase(), url: url.pathname + url.search, body, remoteAddress: 'in-memory', signal });
    if (init.signal?.aborted) throw init.signal.reason;
    if ('bytes' in reply) return new Response(Buffer.from(reply.bytes), { status: reply.status, headers: reply.headers });
    return new Response(JSON.stringify(reply.json), { status: reply.status, headers: { 'content-type': 'application/json; charset=utf-8', ...reply.headers } });
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
      host.close();
    },
  };
}
