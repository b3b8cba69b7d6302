// Shared e2e fixtures: a fresh web host (built renderer + real services, temp data dir) and a
// Debian Chromium with a fresh profile and the flags this closed network needs.
import { test as base } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';


export interface WebHostProcess {
  openUrl: string;
  dataDir: string;
  proc: ChildProcess;
  output: () => string;
}

export async function startWebHostProcess(extraEnv: Record<string, string> = {}, dataDir?: string): Promise<WebHostProcess> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'fairfal-e2e-data-'));
  const proc = spawn(process.execPath, ['out/main/webhost.js', '--data-dir', dir], {
    env: { ...process.env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const openUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`web host did not start:\n${log}`)), 60_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const m = /open (http:\/\/\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    proc.on('exit', (code) => reject(new Error(`web host exited with ${code}:\n${log}`)));
  });
  return { openUrl, dataDir: dir, proc, output: () => log };
}

export async function stopWebHostProcess(host: WebHostProcess, keepData = false): Promise<void> {
  if (host.proc.exitCode === null) {
    const exited = new Promise((r) => host.proc.once('exit', r));
    host.proc.kill('SIGTERM');
    await exited;
  }
  if (!keepData) rmSync(host.dataDir, { recursive: true, force: true });
}

export const test = base.extend<{ host: WebHostProcess }>({
  host: async ({}, use) => {
    const host = await startWebHostProcess();
    await use(host);
    await stopWebHostProcess(host);
  },
});

export { expect } from '@playwright/test';

/** Absolute path of a folder under ../shared/datasets/images (real clinic-like image folders). */
export function datasetImages(folder: string): string {
  return resolve('..', 'shared', 'datasets', 'images', folder);
}

/** HAM10000 ground truth of a dataset folder: image id (file name without .jpg) -> dx code. */
export function hamLabels(folder: string): Map<string, string> {
  const lines = readFileSync(join(datasetImages(folder), 'labels.csv'), 'utf8').trim().split(/\r?\n/);
  const head = lines[0]!.split(',');
  const idCol = head.indexOf('image_id');
  const dxCol = head.indexOf('dx');
  return new Map(lines.slice(1).map((l) => l.split(',')).map((c) => [c[idCol]!, c[dxCol]!]));
}

/** Where e2e screenshots go (looked at by a person before a release). */
export function screenshotPath(name: string): string {
  mkdirSync('test-results', { recursive: true });
  return join('test-results', name);
}
