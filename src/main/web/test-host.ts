// A web host over real services in a temporary folder, for the web host's tests.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppServices, type AppServices } from '../services/app-services';
import { startWebHost, type WebHost } from './web-host';

export interface TestWebHost {
  dir: string;
  rendererDir: string;
  services: AppServices;
  host: WebHost;
  close(): Promise<void>;
}

/**
 * `files`: the built renderer stand-in (name -> contents); index.html is required by the SPA
 * fallback. `start`: another implementation of the host (issue 18's framework evaluation).
 */
export async function startTestWebHost(files: Record<string, string>, start: typeof startWebHost = startWebHost): Promise<TestWebHost> {
  const dir = mkdtempSync(join(tmpdir(), 'webhost-test-'));
  const rendererDir = join(dir, 'renderer');
  mkdirSync(rendererDir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(rendererDir, name), text);
  const services = await createAppServices({
    host: 'web',
    dataDir: join(dir, 'data'),
    appVersion: '9.9.9',
    backend: Promise.resolve({ active: 'cpu', attempts: [{ name: 'cpu', ok: true }], threads: 1 }),
  });
  const host = await start({ services, rendererDir, port: 0 });
  return {
    dir,
    rendererDir,
    services,
    host,
    close: async () => {
      await host.stop();
      await services.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
