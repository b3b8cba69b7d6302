// Electron entry: one window over the client node's services. Kept thin on purpose: the
// services run identically in the web host and the headless CLI.
import { app, BrowserWindow, dialog } from 'electron';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_VERSION } from '../services/app-version';
import { nativeModuleProblem } from '../services/native-modules';
import { registerApiHandlers } from './ipc';
import { handleMediaProtocol, registerMediaScheme } from './media-protocol';
import { safeStorageSecrets } from './safe-storage-secrets';
import { createMainWindow, hardenSession } from './window';

const baseDir = dirname(fileURLToPath(import.meta.url));
let mainWindow: BrowserWindow | null = null;

if (!app.requestSingleInstanceLock()) app.quit();
registerMediaScheme();

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

// better-sqlite3 as `npm install` built it is for Node, not Electron: say what to run instead of
// crashing in the middle of start-up (the services, which load it, are imported only after this).
const nativeProblem = nativeModuleProblem('better-sqlite3', () => createRequire(import.meta.url)('better-sqlite3'), 'electron');
if (nativeProblem) {
  console.error(`FairFAL Annotator cannot start: ${nativeProblem}`);
  dialog.showErrorBox('FairFAL Annotator cannot start', nativeProblem);
  app.exit(1);
}

app.whenReady().then(async () => {
  if (nativeProblem) return;
  const { createAppServices } = await import('../services/app-services');
  hardenSession();
  const userData = app.getPath('userData');
  const services = await createAppServices({
    host: 'electron',
    dataDir: userData,
    appVersion: APP_VERSION,
    secrets: safeStorageSecrets(userData),
    pickFolder: async () => {
      const opts = { title: 'Import images', properties: ['openDirectory' as const] };
      const r = mainWindow ? await dialog.showOpenDialog(mainWindow, opts) : await dialog.showOpenDialog(opts);
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
  });
  handleMediaProtocol(services);
  const unregister = registerApiHandlers(services, () => mainWindow);
  mainWindow = createMainWindow(baseDir);
  app.on('second-instance', () => mainWindow?.focus());
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createMainWindow(baseDir);
  });
  app.on('will-quit', () => {
    unregister();
    void services.dispose();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
