// Transport: TLS when given a certificate and key; a loud warning when listening beyond
// loopback without TLS.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFederation } from './domain/create-federation';
import type { LogLevel } from './domain/runtime';
import { startServer, type RunningServer } from './http/server';
import { tempDataDir, testConfig } from './testing/harness';

let server: RunningServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  server = undefined;
});

function federationDir(): string {
  dir = tempDataDir();
  createFederation({ dataDir: dir, config: testConfig(), initialWeights: new Float32Array(8) });
  return dir;
}

describe('transport', () => {
  it('serves HTTPS with the given certificate', async () => {
    const d = federationDir();
    const cert = path.join(d, 'cert.pem');
    const key = path.join(d, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    server = await startServer({ dataDir: d, tls: { cert, key }, logger: () => undefined, tickIntervalMs: 0 });
    expect(server.url).toMatch(/^https:\/\//);
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get(`${server!.url}/healthz`, { ca: readFileSync(cert) }, (res) => {
          let s = '';
          res.on('data', (c: Buffer) => (s += c.toString()));
          res.on('end', () => resolve(s));
        })
        .on('error', reject);
    });
    expect(JSON.parse(body)).toEqual({ ok: true });
    // Plain HTTP to the TLS port does not work.
    await expect(fetch(server.url.replace('https', 'http') + '/healthz')).rejects.toThrow();
  });

  it('warns when binding beyond loopback without TLS, not on loopback', async () => {
    const d = federationDir();
    const lines: { level: LogLevel; msg: string }[] = [];
    const logger = (level: LogLevel, msg: string) => void lines.push({ level, msg });
    const stderr = process.stderr.write.bind(process.stderr);
    process.stderr.write = (() => true) as typeof process.stderr.write; // keep the banner out of the test output
    try {
      server = await startServer({ dataDir: d, host: '0.0.0.0', logger, tickIntervalMs: 0 });
    } finally {
      process.stderr.write = stderr;
    }
    expect(lines.some((l) => l.level === 'warn' && /WITHOUT TLS/.test(l.msg))).toBe(true);
    await server.stop();
    lines.length = 0;
    server = await startServer({ dataDir: d, logger, tickIntervalMs: 0 });
    expect(lines.some((l) => l.level === 'warn')).toBe(false);
  });

  it('refuses to start on a directory without a federation', async () => {
    dir = tempDataDir();
    await expect(startServer({ dataDir: dir, logger: () => undefined })).rejects.toThrow(/federation create/);
  });
});
