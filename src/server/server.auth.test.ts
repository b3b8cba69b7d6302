// Enrolment and the auth matrix: missing / wrong / revoked credentials, admin vs client.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestClient, createHarness, type Harness } from './testing/harness';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => h.close());

const get = (url: string, token?: string) => fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
const code = async (r: Response) => ((await r.json()) as { error: { code: string } }).error.code;

describe('enrolment', () => {
  it('trades a one-time code for a credential; the code cannot be reused', async () => {
    const res = await h.admin('POST', '/v1/admin/enrolment-codes', { count: 2 });
    expect(res.status).toBe(201);
    const { codes } = (await res.json()) as { codes: string[] };
    expect(codes).toHaveLength(2);
    const c = await TestClient.enrol(h.server.url, codes[0] as string, 'Clinic A');
    expect(c.id).toMatch(/^cl_/);
    expect(c.enrolment?.federation.paramCount).toBe(64);
    const again = await fetch(`${h.server.url}/v1/enrol`, { method: 'POST', body: JSON.stringify({ code: codes[0] }) });
    expect(again.status).toBe(403);
    expect(await code(again)).toBe('invalid_code');
    const status = await h.status();
    expect(status.clients.map((x) => x.displayName)).toEqual(['Clinic A']);
  });

  it('rejects unknown and expired codes', async () => {
    const unknown = await fetch(`${h.server.url}/v1/enrol`, { method: 'POST', body: JSON.stringify({ code: 'AAAA-BBBB-CCCC-DDDD' }) });
    expect(unknown.status).toBe(403);
    const { codes } = (await (await h.admin('POST', '/v1/admin/enrolment-codes', { count: 1, ttlHours: 1 })).json()) as { codes: string[] };
    h.clock.advance(2 * 3600_000);
    const expired = await fetch(`${h.server.url}/v1/enrol`, { method: 'POST', body: JSON.stringify({ code: codes[0] }) });
    expect(await code(expired)).toBe('invalid_code');
  });

  it('slows down an address that guesses codes, with Retry-After, and a real code still enrols', async () => {
    const wrong = () => fetch(`${h.server.url}/v1/enrol`, { method: 'POST', body: JSON.stringify({ code: 'AAAA-BBBB-CCCC-DDDD' }) });
    for (let i = 0; i < 5; i++) expect((await wrong()).status).toBe(403);
    const limited = await wrong();
    expect(limited.status).toBe(429);
    expect(await code(limited)).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBe(1);
    // Waiting the time out allows one more try; another miss doubles the wait.
    h.clock.advance(1000);
    expect((await wrong()).status).toBe(403);
    const longer = await wrong();
    expect(Number(longer.headers.get('retry-after'))).toBe(2);
    // A blocked address cannot even try a valid code until its wait is over ...
    const { codes } = (await (await h.admin('POST', '/v1/admin/enrolment-codes', { count: 2 })).json()) as { codes: string[] };
    const blocked = await fetch(`${h.server.url}/v1/enrol`, { method: 'POST', body: JSON.stringify({ code: codes[0] }) });
    expect(blocked.status).toBe(429);
    // ... while a clinic at another address enrols at once, and after the wait this one does too.
    expect(h.server.coordinator.enrol(codes[1] as string, 'Clinic B', '10.0.0.7').clientId).toMatch(/^cl_/);
    h.clock.advance(2000);
    expect((await TestClient.enrol(h.server.url, codes[0] as string, 'Clinic A')).id).toMatch(/^cl_/);
    // Success resets the count.
    expect((await wrong()).status).toBe(403);
  });

  it('stores credentials and codes only as hashes', async () => {
    const c = await h.enrol();
    const db = h.server.coordinator.store.db;
    const rows = JSON.stringify([db.prepare('SELECT * FROM clients').all(), db.prepare('SELECT * FROM enrolment_codes').all()]);
    expect(rows).not.toContain(c.credential);
    expect(rows).not.toContain(c.credential.slice(4));
  });
});

describe('auth matrix', () => {
  it('client endpoints: missing 401, wrong 401, valid 200, revoked 403', async () => {
    const c = await h.enrol();
    const url = `${h.server.url}/v1/task`;
    expect((await get(url)).status).toBe(401);
    expect((await get(url, 'ffc_' + 'x'.repeat(43))).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Basic abc' } })).status).toBe(401);
    expect((await get(url, c.credential)).status).toBe(200);
    expect((await h.admin('POST', `/v1/admin/clients/${c.id}/revoke`, {})).status).toBe(200);
    const revoked = await get(url, c.credential);
    expect(revoked.status).toBe(403);
    expect(await code(revoked)).toBe('forbidden');
    // A revoked client cannot upload either (auth runs before the body is read).
    expect((await c.upload(1, new Uint8Array(100))).status).toBe(403);
  });

  it('admin endpoints: missing 401, wrong 401, client credential 403, admin token 200', async () => {
    const c = await h.enrol();
    for (const p of ['/status', '/v1/status', '/v1/admin/clients']) {
      expect((await get(h.server.url + p)).status).toBe(401);
      expect((await get(h.server.url + p, 'ffa_' + 'y'.repeat(43))).status).toBe(401);
      expect((await get(h.server.url + p, c.credential)).status).toBe(403);
      expect((await get(h.server.url + p, h.adminToken)).status).toBe(200);
    }
    const codes = await c.json('POST', '/v1/admin/enrolment-codes', { count: 1 });
    expect(codes.status).toBe(403);
  });

  it('accepts the Bearer scheme in any case (RFC 9110)', async () => {
    const c = await h.enrol();
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      expect((await fetch(`${h.server.url}/v1/task`, { headers: { authorization: `${scheme} ${c.credential}` } })).status).toBe(200);
    }
  });

  it('the admin token is not a client credential', async () => {
    expect((await get(`${h.server.url}/v1/task`, h.adminToken)).status).toBe(401);
  });

  it('revoking twice or an unknown client is a clear error', async () => {
    const c = await h.enrol();
    await h.admin('POST', `/v1/admin/clients/${c.id}/revoke`, {});
    expect((await h.admin('POST', `/v1/admin/clients/${c.id}/revoke`, {})).status).toBe(409);
    expect((await h.admin('POST', '/v1/admin/clients/cl_0000000000000000/revoke', {})).status).toBe(404);
  });
});
