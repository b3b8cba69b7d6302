// Ctrl+C with a browser still connected (issue 17): the web host process prints one URL (with
// the token), and on SIGINT closes its keep-alive and WebSocket connections and exits at once
// instead of waiting minutes for the browser to let go.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

const dir = mkdtempSync(join(tmpdir(), 'webhost-shutdown-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('web host process', () => {
  it('prints one URL, and exits promptly on SIGINT while a browser holds connections open', async () => {
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main/web/main.ts', '--data-dir', join(dir, 'data'), '--renderer-dir', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`web host exited early (${code})`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        lines.push(line);
        const m = /open (http:\/\/\S+)/.exec(line);
        if (m) resolve(m[1]!);
      });
    });
    // One address, and it carries the token.
    expect(lines.filter((l) => l.includes('http://'))).toEqual([expect.stringContaining('?token=')]);
    const { origin, searchParams } = new URL(url);
    const port = Number(new URL(url).port);
    const cookie = `fairfal_token_${port}=${searchParams.get('token')}`;
    // A browser's idle keep-alive connection and an open WebSocket.
    const agentReq = request(`${origin}/`, { headers: { cookie, connection: 'keep-alive' } });
    await new Promise<void>((resolve) => agentReq.on('response', (r) => r.resume().on('end', () => resolve())).end());
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, { headers: { cookie } });
    await new Promise((r) => ws.once('open', r));

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const t0 = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    // Generous for a loaded CI machine; without closing connections it took minutes.
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(code).toBe(0);
    ws.terminate();
  });
});
