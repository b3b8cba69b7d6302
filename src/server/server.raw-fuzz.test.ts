// Hostile raw HTTP/1.1 bytes against the federation server (issue 18): bad request lines,
// bad percent-encoding, oversized and control-character headers, lying bodies, every kind of
// credential. Each must be answered below 500 or its connection closed, never left hanging,
// and the server keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../core/rng';
import { createHarness, type Harness, type TestClient } from './testing/harness';
import { hostileServerRequest, rawRequest } from './testing/raw-hostile';

let h: Harness;
let client: TestClient;
beforeAll(async () => {
  h = await createHarness();
  client = await h.enrol();
});
afterAll(async () => h.close());

describe('federation server under hostile raw requests', () => {
  it('answers or closes every one of 2,000 and still serves', async () => {
    const rng = createRng(18);
    const N = 2000;
    const outcomes = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < N) {
        next++;
        const r = await rawRequest(h.server.port, hostileServerRequest(rng, client.credential));
        outcomes.set(String(r), (outcomes.get(String(r)) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    expect(outcomes.get('timeout') ?? 0).toBe(0);
    for (const [k] of outcomes) if (/^\d+$/.test(k)) expect(Number(k), `status ${k}`).toBeLessThan(500);
    // The crashers of the web host's history are plain 4xx here.
    const probe = (line: string) => rawRequest(h.server.port, `${line}\r\nHost: x\r\nAuthorization: Bearer ${client.credential}\r\n\r\n`);
    expect(await probe('GET // HTTP/1.1')).toBe(404);
    expect(await probe('GET http://[ HTTP/1.1')).toBeGreaterThanOrEqual(400);
    expect(await probe('GET /v1/models/%E0%A4%A HTTP/1.1')).toBe(400);
    const after = await fetch(`${h.server.url}/v1/task`, { headers: { authorization: `Bearer ${client.credential}` } });
    expect(after.status).toBe(200);
  });
});
