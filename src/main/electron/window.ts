// The one BrowserWindow, locked down: isolated, sandboxed, no Node in the renderer, a strict
// CSP on every response, no navigation away from the app and no new windows.
import { BrowserWindow, session, shell } from 'electron';
import { join } from 'node:path';
import { contentSecurityPolicy } from '../../shared/csp';

export function createMainWindow(baseDir: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: 'FairFAL Annotator',
    backgroundColor: '#0f172a',
    webPreferences: {
      preload: join(baseDir, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());

  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.on('will-redirect', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Links to documentation open in the user's browser; nothing opens inside the app.
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });

  const rendererUrl = process.env.ELECTRON_RENDERER_URL;
  if (rendererUrl) void win.loadURL(rendererUrl);
  else void win.loadFile(join(baseDir, '../renderer/index.html'));
  return win;
}

export function hardenSession(): void {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy()] },
    });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
}
