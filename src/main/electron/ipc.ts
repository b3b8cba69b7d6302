// Registers every method of the API contract with ipcMain and forwards service events to the
// window. Channel names come from the contract; handlers only answer our own renderer.
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { api, channelName } from '../../shared/api';
import { createDispatcher } from '../../shared/api/dispatch';
import type { AppServices } from '../services/app-services';

export function registerApiHandlers(services: AppServices, getWindow: () => BrowserWindow | null): () => void {
  const dispatch = createDispatcher(services.impl, (err, where) => console.error(`internal error in ${where}:`, err));
  const channels: string[] = [];
  for (const [service, spec] of Object.entries(api)) {
    for (const method of Object.keys(spec.methods)) {
      const channel = channelName(service, method);
      channels.push(channel);
      ipcMain.handle(channel, (event: IpcMainInvokeEvent, input: unknown) => {
        if (!isOwnFrame(event)) {
          return { ok: false, error: { code: 'unauthorized', message: 'request from an unknown frame' } };
        }
        return dispatch(service, method, input);
      });
    }
  }
  const unlisten = services.events.listen((service, event, payload) => {
    const win = getWindow();
    if (win && !win.isDestroyed()) win.webContents.send(channelName(service, event), payload);
  });
  return () => {
    unlisten();
    for (const c of channels) ipcMain.removeHandler(c);
  };
}

function isOwnFrame(event: IpcMainInvokeEvent): boolean {
  const url = event.senderFrame?.url ?? '';
  return url.startsWith('file://') || (!!process.env.ELECTRON_RENDERER_URL && url.startsWith(process.env.ELECTRON_RENDERER_URL));
}
