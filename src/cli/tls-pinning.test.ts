// TLS the way clinics set it up (issue 18): a self-signed server certificate trusted by its pinned
// fingerprint, through the real federation server and the client's wire code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFederation } from '../server/domain/create-federation';
import { startServer, type RunningServer } from '../server/http/server';
import { silentLogger } from '../server/domain/runtime';
import { tempDataDir, testConfig } from '../server/testing/harness';
import { requestJson, FederationOfflineError } from '../main/services/federation/http';
import { normalizeFingerprint, pinnedFetch, transportWarning } from '../main/services/federation/pinned-fetch';
import { z } from 'zod';

const dir = join(__dirname, '../main/services/federation/testdata');
const PIN = 'FA:38:55:A0:E5:D0:F7:BE:15:B8:2A:C8:99:7C:B3:D6:08:8D:1D:8F:A8:45:D2:D3:67:40:DA:69:A8:DD:6F:FD';
let server: RunningServer;

beforeAll(async () => {
  const dataDir = tempDataDir();
  createFederation({ dataDir, config: testConfig(), initialWeights: new Float32Array(8) });
  server = await startServer({ dataDir, logger: silentLogger, tls: { cert: join(dir, 'localhost.crt'), key: join(dir, 'localhost.key') } });
});
afterAll(async () => server?.stop());

const health = (fetchImpl?: typeof fetch) => requestJson({ baseUrl: server.url, ...(fetchImpl ? { fetchImpl } : {}) }, { method: 'GET', path: 'healthz' }, z.object({ ok: z.boolean() }));

describe('TLS with a pinned certificate', () => {
  it('the fixture pin is the certificate\'s fingerprint', () => {
    expect(readFileSync(join(dir, 'localhost.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
    expect(normalizeFingerprint(PIN.toLowerCase().replace(/:/g, ''))).toBe(PIN);
    expect(normalizeFingerprint('sha256 Fingerprint=' + PIN)).toBe(PIN);
    expect(normalizeFingerprint('AB:CD')).toBeNull();
  });

  it('accepts the pinned self-signed server, refuses it without the pin and with another pin', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:/);
    expect(await health(pinnedFetch(PIN))).toEqual({ ok: true });
    await expect(health()).rejects.toThrow(FederationOfflineError);
    const wrong = PIN.replace(/^FA/, '00');
    await expect(health(pinnedFetch(wrong))).rejects.toThrow(/not the pinned one/);
    expect(() => pinnedFetch('not a fingerprint')).toThrow(/SHA-256 certificate fingerprint/);
    await expect(pinnedFetch(PIN)('http://127.0.0.1:1/x')).rejects.toThrow(/needs an https/);
  });

  it('warns about plain http to anything but this machine', () => {
    expect(transportWarning('http://10.1.2.3:8470')).toMatch(/unencrypted/);
    expect(transportWarning('http://federation.example.org')).toMatch(/https:\/\//);
    expect(transportWarning('http://127.0.0.1:8470')).toBeNull();
    expect(transportWarning('https://federation.example.org')).toBeNull();
  });
});
