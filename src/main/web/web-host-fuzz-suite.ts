// Fuzz suite of the web host (issue 18): 10,000+ malformed and hostile requests over raw
// sockets and WebSockets on loopback, bounded in count and time. The host must answer or
// cleanly close every one, never throw, and still serve the UI and the API afterwards.
// Any implementation of startWebHost can run it (issue 18's framework evaluation).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createRng, type Rng } from '../../core/rng';
import { rawRequest, type RawOutcome } from '../../server/testing/raw-hostile';
import { startTestWebHost, type TestWebHost } from './test-host';
import type { startWebHost, WebHost } from './web-host';

export function describeWebHostFuzz(start?: typeof startWebHost): void {
  let t: TestWebHost;
  let host: WebHost;
  let cookie: string;

  beforeAll(async () => {
    t = await startTestWebHost({ 'index.html': '<!doctype html><title>fuzz</title>' }, start);
    host = t.host;
    cookie = `fairfal_token_${host.port}=${host.token}`;
  });

  afterAll(async () => t.close());

  /** Raw bytes to the host: its status code, or how the connection ended (raw-hostile.ts). */
  const raw = (bytes: string | Buffer, waitMs = 1500): Promise<RawOutcome> => rawRequest(host.port, bytes, waitMs);

  const A = () => `127.0.0.1:${host.port}`;
  const pick = <T,>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)] as T;

  function randomBytes(rng: Rng, n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => rng.int(256)));
  }

  /** One hostile request; `expectOk` marks the few that are legitimate and must get 200. */
  function hostileRequest(rng: Rng): Buffer | string {
    const targets = ['//', '///x', 'http://[', 'http://127.0.0.1/', '*', '/%E0%A4%A', '/%', '/%zz', '/%00', '/..%2f..%2fetc%2fpasswd', '/../../etc/passwd', '/?token=%E0', '/?token=', '/media/preview/zz.webp', '/media/../../x', '/' + 'a'.repeat(rng.int(5000)), '/\u00ff\u00fe'];
    const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'G\u0000T', 'X'.repeat(40)];
    const hosts = [A(), 'evil.example', `evil.example:${host.port}`, '127.0.0.1:1', '', '[', `localhost:${host.port}`, '\u00ff'];
    const cookies = [cookie, `fairfal_token_${host.port}=%E0%A4%A`, `fairfal_token_${host.port}=nope`, '=;=;;', `${'x'.repeat(9000)}=1`, ''];
    const kind = rng.int(9);
    switch (kind) {
      case 0:
        return randomBytes(rng, 1 + rng.int(300));
      case 1:
        return `${pick(rng, methods)} ${pick(rng, targets)} HTTP/1.1\r\nHost: ${pick(rng, hosts)}\r\nCookie: ${pick(rng, cookies)}\r\n\r\n`;
      case 2:
        // Bad request lines: missing parts, bad versions, stray line feeds.
        return pick(rng, ['GET\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', ' / HTTP/1.1\r\n\r\n', 'GET / HTTP/1.1\n\n', 'GET /\r\nHost: x\r\n\r\n', '\r\n\r\n', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n']);
      case 3:
        // Oversized headers.
        return `GET / HTTP/1.1\r\nHost: ${A()}\r\nX-Big: ${'y'.repeat(9000 + rng.int(20000))}\r\n\r\n`;
      case 4:
        // WebSocket upgrades with hostile Origin / Host / key / token.
        return (
          `GET ${pick(rng, ['/api', '/api?token=nope', `/api?token=${host.token}`, '//api', '/%E0'])} HTTP/1.1\r\nHost: ${pick(rng, hosts)}\r\n` +
          `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: ${pick(rng, ['13', '8', 'x'])}\r\n` +
          `Sec-WebSocket-Key: ${pick(rng, ['dGhlIHNhbXBsZSBub25jZQ==', '', '!!!'])}\r\nOrigin: ${pick(rng, ['null', 'http://evil.example', 'http://[', '%', `http://${A()}`])}\r\nCookie: ${pick(rng, cookies)}\r\n\r\n`
        );
      case 5:
        // No token / wrong token on every kind of path.
        return `GET ${pick(rng, ['/', '/index.html', '/media/thumb/' + 'a'.repeat(64) + '.webp'])}${pick(rng, ['', '?token=nope', '?token=%'])} HTTP/1.1\r\nHost: ${A()}\r\n\r\n`;
      case 6:
        // Bodies that lie about their length, chunked garbage.
        return `POST / HTTP/1.1\r\nHost: ${A()}\r\n${pick(rng, ['Content-Length: 99999\r\n', 'Content-Length: -1\r\n', 'Transfer-Encoding: chunked\r\n', 'Content-Length: 1\r\nContent-Length: 2\r\n'])}\r\n${randomBytes(rng, rng.int(64)).toString('latin1')}`;
      case 7:
        // Header names and values with control characters.
        return `GET / HTTP/1.1\r\nHost: ${A()}\r\nX\u0000Y: 1\r\nZ: \u0001\u0002\r\n\r\n`;
      default:
        return `GET /${randomBytes(rng, 1 + rng.int(40)).toString('latin1').replace(/[\r\n ]/g, '%')} HTTP/1.1\r\nHost: ${A()}\r\nCookie: ${cookie}\r\n\r\n`;
    }
  }

  describe('web host under hostile input', () => {
    it('answers 10,000 malformed requests over raw sockets without stopping, then still serves the UI', async () => {
      const rng = createRng(2026);
      const N = 10_000;
      const outcomes = new Map<string, number>();
      let next = 0;
      const t0 = Date.now();
      const worker = async () => {
        while (next < N && Date.now() - t0 < 120_000) {
          next++;
          const r = await raw(hostileRequest(rng));
          outcomes.set(String(r), (outcomes.get(String(r)) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: 32 }, worker));
      expect(next).toBe(N);
      // Every request was answered or its connection closed: none was left hanging.
      expect(outcomes.get('timeout') ?? 0).toBe(0);
      // Most requests got a real answer (the rest were incomplete bytes the host hung up on).
      const answered = [...outcomes].filter(([k]) => /^\d+$/.test(k)).reduce((a, [, n]) => a + n, 0);
      expect(answered).toBeGreaterThan(N * 0.7);
      // The crashers from the issue: "//" is a path (the app's page), the others get a 4xx.
      const probe = (line: string) => raw(`${line}\r\nHost: ${A()}\r\nCookie: ${cookie}\r\n\r\n`);
      expect(await probe('GET // HTTP/1.1')).toBe(200);
      expect(await probe('GET http://[ HTTP/1.1')).toBe(400);
      expect(await probe('GET /%E0%A4%A HTTP/1.1')).toBe(400);
      expect(await raw(`GET /api HTTP/1.1\r\nHost: ${A()}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: null\r\nCookie: ${cookie}\r\n\r\n`)).toBe(401);
      // DNS rebinding: another host name is refused even with the token.
      expect(await raw(`GET / HTTP/1.1\r\nHost: evil.example:${host.port}\r\nCookie: ${cookie}\r\n\r\n`)).toBe(421);
      // And the real UI still loads.
      const ok = await fetch(host.url, { headers: { cookie } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('fuzz');
    }, 180_000);

    it('survives 1,000 hostile WebSocket messages and still answers a real API call', async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api`, { headers: { cookie } });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      const rng = createRng(7);
      const replies: unknown[] = [];
      ws.on('message', (d) => replies.push(JSON.parse(String(d))));
      const hostile = () =>
        pick(rng, [
          () => randomBytes(rng, rng.int(200)),
          () => '{',
          () => JSON.stringify({ type: 'call', id: rng.int(1e6), service: 'nope', method: 'x', input: {} }),
          () => JSON.stringify({ type: 'call', id: -1, service: 'system', method: '__proto__', input: null }),
          () => JSON.stringify({ type: 'call', id: 'x'.repeat(100) }),
          () => JSON.stringify([1, 2, 3]),
          () => JSON.stringify({ type: 'call', id: 1, service: 'system', method: 'ping', input: { extra: '\u0000'.repeat(50) } }),
        ])();
      for (let i = 0; i < 1000; i++) ws.send(hostile());
      await new Promise((r) => setTimeout(r, 500));
      expect(replies.length).toBeGreaterThan(0);
      // The connection stayed usable: one real call round-trips.
      const answer = new Promise<unknown>((resolve) => {
        ws.on('message', (d) => {
          const m = JSON.parse(String(d)) as { id?: number };
          if (m.id === 424242) resolve(m);
        });
      });
      ws.send(JSON.stringify({ type: 'call', id: 424242, service: 'system', method: 'ping', input: {} }));
      expect(await answer).toMatchObject({ type: 'result', id: 424242 });
      ws.close();
    });
  });
}
