import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readRememberedPort, startOnFolderPort } from './port-memory';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function listen(port: number): Promise<{ port: number; close: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      resolve({ port: p, close: () => new Promise((r) => s.close(() => r())) });
    });
  });
}

describe('web host port per data folder', () => {
  it('picks a free port once, remembers it (owner-only file) and comes back to it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'port-'));
    dirs.push(dir);
    const first = await startOnFolderPort(dir, null, listen, () => {});
    expect(readRememberedPort(dir)).toBe(first.port);
    expect(statSync(join(dir, 'web-port')).mode & 0o777).toBe(0o600);
    await first.close();
    const again = await startOnFolderPort(dir, null, listen, () => {});
    expect(again.port).toBe(first.port);
    // Taken by someone else: a free port for this launch, the folder keeps its own.
    const lines: string[] = [];
    const other = await startOnFolderPort(dir, null, listen, (l) => lines.push(l));
    expect(other.port).not.toBe(first.port);
    expect(lines.join()).toMatch(/in use/);
    expect(readRememberedPort(dir)).toBe(first.port);
    await Promise.all([again.close(), other.close()]);
  });

  it('an explicit port wins and a damaged file is ignored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'port-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'web-port'), 'abc');
    expect(readRememberedPort(dir)).toBeNull();
    writeFileSync(join(dir, 'web-port'), '80');
    expect(readRememberedPort(dir)).toBeNull();
    const probe = await listen(0);
    await probe.close();
    const s = await startOnFolderPort(dir, probe.port, listen, () => {});
    expect(s.port).toBe(probe.port);
    await s.close();
  });
});
