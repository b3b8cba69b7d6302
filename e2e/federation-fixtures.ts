// A real federation server for e2e runs: created from a config in a temp folder, served on a
// free loopback port, with one-time enrolment codes issued through the admin CLI.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FederationServer {
  url: string;
  dataDir: string;
  proc: ChildProcess;
  output: () => string;
  enrolCodes(count: number): string[];
  status(): unknown;
  stop(): Promise<void>;
}

const SERVER_CLI = ['--import', 'tsx', 'src/cli/server.ts'];

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [...SERVER_CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`server ${args[0]} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

export async function startFederationServer(config: Record<string, unknown>): Promise<FederationServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fairfal-e2e-server-'));
  const configFile = join(dataDir, 'federation.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  cli(['federation', 'create', '--config', configFile, '--data-dir', join(dataDir, 'db')]);
  const port = await freePort();
  const proc = spawn(process.execPath, [...SERVER_CLI, 'serve', '--data-dir', join(dataDir, 'db'), '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout!.on('data', (c: Buffer) => (log += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`federation server exited with ${proc.exitCode}:\n${log}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`federation server did not answer /healthz:\n${log}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    dataDir,
    proc,
    output: () => log,
    enrolCodes: (count) => cli(['enrol-code', '--count', String(count), '--data-dir', join(dataDir, 'db')]).split('\n').filter((l) => /^[A-Z2-9]{4}(-[A-Z2-9]{4}){3}$/.test(l.trim())).map((l) => l.trim()),
    status: () => JSON.parse(cli(['status', '--data-dir', join(dataDir, 'db')])),
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
