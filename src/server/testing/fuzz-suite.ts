// The server's fuzz test as a suite any transport can run: every endpoint with malformed JSON,
// random binary bodies, odd path parameters and every kind of credential. Bounded and seeded.
// No request may produce a 5xx, and the server must stay up and consistent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng';
import type { startServer } from '../http/server';
import { createHarness, shifted, updateFor, type Harness, type TestClient } from './harness';

export function describeServerFuzz(start?: typeof startServer): void {
  let h: Harness;
  let client: TestClient;

  beforeAll(async () => {
    h = await createHarness({ config: { minClientsPerRound: 2 }, ...(start ? { start } : {}) });
    client = await h.enrol();
  });
  afterAll(async () => h.close());

  const ENDPOINTS: [string, string][] = [
    ['GET', '/healthz'],
    ['POST', '/v1/enrol'],
    ['GET', '/v1/federation'],
    ['GET', '/v1/task'],
    ['GET', '/v1/models/:hash'],
    ['POST', '/v1/rounds/:roundId/update'],
    ['POST', '/v1/rounds/:roundId/metrics'],
    ['POST', '/v1/rounds/:roundId/secagg/:attempt/keys'],
    ['POST', '/v1/rounds/:roundId/secagg/:attempt/shares'],
    ['POST', '/v1/rounds/:roundId/secagg/:attempt/masked'],
    ['POST', '/v1/rounds/:roundId/secagg/:attempt/reveal'],
    ['POST', '/v1/cycles/:cycle/gamma'],
    ['POST', '/v1/cycles/:cycle/ready'],
    ['GET', '/status'],
    ['GET', '/v1/status'],
    ['POST', '/v1/admin/enrolment-codes'],
    ['GET', '/v1/admin/clients'],
    ['POST', '/v1/admin/clients/:clientId/revoke'],
  ];

  const MALFORMED_JSON = ['{', '{"code":', 'null', '[]', '"x"', '{"gamma":"0.5"}', '{"gamma":1e999}', '{"count":-1}', '{"count":1e9}',
    '{"code":"AAAA-BBBB-CCCC-DDDD","displayName":' + '"x"'.repeat(3) + '}', '\u0000\u0001', '{"__proto__":{"a":1}}', '{"localTestAccuracy":2}'];
  const PARAMS = ['1', '0', '-1', '999999999999', '99999999999999999999', 'abc', '%zz', '%00', 'a'.repeat(300), 'f'.repeat(64), '1e3', 'cl_0000000000000000', '..'];

  describe('fuzz', () => {
    it('never answers 5xx and keeps serving', async () => {
      const rng = createRng(1234);
      const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)] as T;
      const tokens = [undefined, 'garbage', client.credential, h.adminToken, 'ffc_' + 'A'.repeat(43)];
      const statuses = new Map<number, number>();
      let requests = 0;
      for (const [method, pattern] of ENDPOINTS) {
        for (let i = 0; i < 24; i++) {
          const p = pattern.replace(/:[a-zA-Z]+/g, () => pick(PARAMS)) + (rng.next() < 0.2 ? `?waitMs=${pick(['x', '-5', '99999999', '1'])}` : '');
          let body: Uint8Array | string | undefined;
          if (method === 'POST') {
            const r = rng.next();
            if (r < 0.5) body = pick(MALFORMED_JSON);
            else if (r < 0.9) body = Uint8Array.from({ length: Math.floor(rng.next() * 4096) }, () => Math.floor(rng.next() * 256));
            else body = 'FFU1' + 'x'.repeat(Math.floor(rng.next() * 100));
          }
          const token = pick(tokens);
          const res = await fetch(h.server.url + p, {
            method,
            headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': pick(['application/json', 'application/octet-stream', 'text/plain']) },
            ...(body === undefined ? {} : { body: body as BodyInit }),
          });
          await res.arrayBuffer();
          requests++;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          expect(res.status, `${method} ${p}`).toBeLessThan(500);
        }
      }
      // Also: unknown paths and methods.
      for (const [method, p] of [['DELETE', '/v1/task'], ['PUT', '/status'], ['GET', '/nope'], ['GET', '/v1/rounds/1/update'], ['POST', '//']]) {
        const res = await fetch(h.server.url + p!, { method: method! });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
      expect(requests).toBe(ENDPOINTS.length * 24);
      expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);

      // Still up, still consistent: a normal round goes through.
      const other = await h.enrol();
      for (const c of [client, other]) {
        const t = await c.trainTask();
        expect((await c.upload(t.roundId, updateFor(t, shifted(h.initial, 0.1), 1))).status).toBe(201);
      }
      const s = await h.status();
      expect(s.recentRounds[0]?.status === 'closed' || s.recentRounds[1]?.status === 'closed').toBe(true);
    });
  });
}
