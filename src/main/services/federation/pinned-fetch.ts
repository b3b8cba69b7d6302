// Certificate pinning for clinics whose federation server has a self-signed or private-CA
// certificate: the client trusts exactly the certificate whose SHA-256 fingerprint the admin
// handed out with the enrolment code (`openssl x509 -noout -fingerprint -sha256 -in cert.pem`),
// and nothing else. A fetch-shaped function over node:https, so the wire code stays unchanged.
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { normalizeFingerprint } from '../../../shared/api/transport-security';

export { normalizeFingerprint, transportWarning } from '../../../shared/api/transport-security';

export class CertificatePinError extends Error {
  override readonly name = 'CertificatePinError';
}

/**
 * Hands a TLS connection to the HTTP client only once the peer's certificate matched the pin,
 * so no request byte reaches another server. The CA chain is not consulted: the pin replaces it.
 */
class PinnedAgent extends https.Agent {
  constructor(private readonly pin: string) {
    super({ keepAlive: true });
  }

  override createConnection(options: tls.ConnectionOptions, done: (err: Error | null, socket?: Duplex) => void): undefined {
    const socket = tls.connect({ ...options, rejectUnauthorized: false });
    let settled = false;
    const finish = (err: Error | null) => {
      if (settled) return;
      settled = true;
      if (err) done(err);
      else done(null, socket);
    };
    socket.once('error', finish);
    socket.once('secureConnect', () => {
      const got = socket.getPeerCertificate()?.fingerprint256;
      if (got === this.pin) return finish(null);
      const err = new CertificatePinError(`the server's certificate (sha256 ${got ?? 'none'}) is not the pinned one (${this.pin})`);
      finish(err);
      socket.destroy();
    });
    return undefined;
  }
}

/**
 * fetch() that accepts only a server presenting the certificate with this fingerprint. The CA
 * chain is not consulted (that is the point of a pin); the fingerprint is checked before a
 * single byte of the request is sent.
 */
export function pinnedFetch(fingerprint: string): typeof fetch {
  const pin = normalizeFingerprint(fingerprint);
  if (!pin) throw new CertificatePinError(`'${fingerprint}' is not a SHA-256 certificate fingerprint (64 hex digits, e.g. AB:CD:...)`);
  const agent = new PinnedAgent(pin);
  const impl = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    if (url.protocol !== 'https:') return Promise.reject(new CertificatePinError(`a pinned certificate needs an https:// server address, got ${url.protocol}//`));
    return new Promise<Response>((resolve, reject) => {
      const headers = new Headers(init.headers);
      const req = https.request(url, { method: init.method ?? 'GET', headers: Object.fromEntries(headers), agent });
      const signal = init.signal;
      const abort = () => req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      if (signal?.aborted) return abort();
      signal?.addEventListener('abort', abort, { once: true });
      req.on('error', (err) => {
        signal?.removeEventListener('abort', abort);
        reject(Object.assign(new TypeError('fetch failed'), { cause: err }));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          signal?.removeEventListener('abort', abort);
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
          resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, headers: h }));
        });
      });
      const body = init.body;
      if (body === undefined || body === null) req.end();
      else if (typeof body === 'string' || body instanceof Uint8Array) req.end(body);
      else req.destroy(new Error('pinned fetch sends string or byte bodies only'));
    });
  };
  return impl as typeof fetch;
}
