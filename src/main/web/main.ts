// Entry of the web host (`npm start -- --web`, or when Electron cannot start): the client
// node's services in plain Node plus the renderer in any local browser.
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createAppServices } from '../services/app-services';
import { APP_VERSION } from '../services/app-version';
import { startWebHost } from './web-host';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    'renderer-dir': { type: 'string' },
  },
});

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = resolve(values['data-dir'] ?? process.env.FAIRFAL_DATA_DIR ?? join(homedir(), '.fairfal-annotator'));
const rendererDir = resolve(values['renderer-dir'] ?? join(here, '../renderer'));

/**
 * The browser keeps the annotation workspace (IndexedDB) per origin, so the host prefers the
 * same port every launch; if it is taken (a second instance), any free port will do.
 */
const DEFAULT_PORT = 47615;

const services = await createAppServices({ host: 'web', dataDir, appVersion: APP_VERSION });
const log = (line: string) => console.error(`[web-host] ${line}`);
const host = await startOnPreferredPort(values.port === undefined ? null : Number(values.port));

async function startOnPreferredPort(port: number | null) {
  if (port !== null) return startWebHost({ services, rendererDir, port, log });
  try {
    return await startWebHost({ services, rendererDir, port: DEFAULT_PORT, log });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    log(`port ${DEFAULT_PORT} is in use; using a free port (labels made in the browser on another port stay there)`);
    return startWebHost({ services, rendererDir, port: 0, log });
  }
}
// The exact line e2e tests and users look for.
console.log(`FairFAL Annotator web host ready: open ${host.openUrl}`);

async function shutdown(): Promise<void> {
  await host.stop();
  await services.dispose();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
