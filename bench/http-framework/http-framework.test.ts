// Issue 18's framework evaluation: the fuzz suites against the hand-written layers fastify
// replaced, and the same 5,000 hostile raw requests against both servers. Every
// request must be answered (< 500) or its connection closed, and the server must keep serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng';
import { startServer } from '../../src/server/http/server';
import { describeServerFuzz } from '../../src/server/testing/fuzz-suite';
import { createHarness, type Harness, type TestClient } from '../../src/server/testing/harness';
import { startHandWrittenServer } from './hand-written-server';
import { hostileServerRequest, rawRequest } from '../../src/server/testing/raw-hostile';

describe('hand-written baseline: the server fuzz suite', () => describeServerFuzz(startHandWrittenServer));

for (const [name, start] of [['hand-written', startHandWrittenServer], ['fastify', startServer]] as const) {
  describe(`${name}: hostile raw requests`, () => {
    let h: Harness;
    let client: TestClient;
    beforeAll(async () => {
      h = await createHarness({ start });
      client = await h.enrol();
    });
    afterAll(async () => h.close());

    it('answers or closes every one of 5,000 and still serves', async () => {
      const rng = createRng(18);
      const N = 5000;
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
      console.log(`${name} outcomes: ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
      expect(outcomes.get('timeout') ?? 0).toBe(0);
      for (const [k] of outcomes) if (/^\d+$/.test(k)) expect(Number(k), `status ${k}`).toBeLessThan(500);
      const after = await fetch(`${h.server.url}/v1/task`, { headers: { authorization: `Bearer ${client.credential}` } });
      expect(after.status).toBe(200);
    });
  });
}
