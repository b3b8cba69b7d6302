// Entry of the web host (`npm start -- --web`, or when Electron cannot start): the client
// node's services in plain Node plus the renderer in any local browser.
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createAppServices } from '../services/app-services';
import { APP_VERSION } from '../services/app-version';
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
