// Exposes exactly the API contract on window.fairfal: one function per method, `on` per
// service for its events. No ipcRenderer, no channel strings reach the page.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { api, channelName } from '../shared/api';

function buildBridge(): Record<string, Record<string, unknown>> {
  const bridge: Record<string, Record<string, unknown>> = {};
  for (const [service, spec] of Object.entries(api)) {
    const svc: Record<string, unknown> = {};
    for (const method of Object.keys(spec.methods)) {
      const channel = channelName(service, method);
      svc[method] = (input: unknown) => ipcRenderer.invoke(channel, input);
    }
    const eventNames = new Set(Object.keys(spec.events));
    svc.on = (event: string, handler: (payload: unknown) => void) => {
      if (!eventNames.has(event)) throw new Error(`unknown event ${service}.${event}`);
      const channel = channelName(service, event);
      const listener = (_e: IpcRendererEvent, payload: unknown) => handler(payload);
      ipcRenderer.on(channel, listener);
      return () => ipcRenderer.removeListener(channel, listener);
    };
    bridge[service] = svc;
  }
  return bridge;
}

contextBridge.exposeInMainWorld('fairfal', buildBridge());
