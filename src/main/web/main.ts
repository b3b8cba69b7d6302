// Entry of the web host (`npm start -- --web`, or when Electron cannot start): the client
// node's services in plain Node plus the renderer in any local browser.
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { APP_VERSION } from '../services/app-version';
import { nativeModuleProblem } from '../services/native-modules';
import { startOnFolderPort } from './port-memory';
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

// After `npm run rebuild:electron` better-sqlite3 is built for Electron: say so before loading it.
const nativeProblem = nativeModuleProblem('better-sqlite3', () => createRequire(import.meta.url)('better-sqlite3'), 'node');
if (nativeProblem) {
  console.error(`FairFAL Annotator web host cannot start: ${nativeProblem}`);
  process.exit(1);
}
const { createAppServices } = await import('../services/app-services');
const services = await createAppServices({ host: 'web', dataDir, appVersion: APP_VERSION });
const log = (line: string) => console.error(`[web-host] ${line}`);
const host = await startOnFolderPort(dataDir, values.port === undefined ? null : Number(values.port), (port) => startWebHost({ services, rendererDir, port, log }), log);
// The exact line e2e tests and users look for.
console.log(`FairFAL Annotator web host ready: open ${host.openUrl}`);

async function shutdown(): Promise<void> {
  await host.stop();
  await services.dispose();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
