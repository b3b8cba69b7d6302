// The typed API over the web host's WebSocket: one JSON call in, one result out; service events
// pushed to every connection. Malformed frames get an error message, never a thrown exception.
import type { WebSocket, WebSocketServer } from 'ws';
import { createDispatcher } from '../../shared/api/dispatch';
import { WsClientMessageSchema, type WsServerMessage } from '../../shared/api/ws-protocol';
import type { AppServices } from '../services/app-services';

/** Serves the API on every connection of `wss`; returns the unsubscribe of the event push. */
export function serveApi(wss: WebSocketServer, services: AppServices, log: (line: string) => void): () => void {
  const dispatch = createDispatcher(services.impl, (err, where) => log(`internal error in ${where}: ${String(err)}`));
  async function handleMessage(ws: WebSocket, text: string | null): Promise<void> {
    let json: unknown;
    try {
      if (text === null) throw new Error('binary frames are not part of the API');
      json = JSON.parse(text);
    } catch (err) {
      return send(ws, { type: 'error', message: `malformed message: ${(err as Error).message}` });
    }
    const msg = WsClientMessageSchema.safeParse(json);
    if (!msg.success) return send(ws, { type: 'error', message: 'malformed message: expected {type:"call", id, service, method, input}' });
    const result = await dispatch(msg.data.service, msg.data.method, msg.data.input);
    send(ws, { type: 'result', id: msg.data.id, result });
  }
  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', (data, isBinary) => {
      void handleMessage(ws, isBinary ? null : data.toString());
    });
  });
  return services.events.listen((service, event, payload) => {
    for (const ws of wss.clients) send(ws, { type: 'event', service, event, payload });
  });
}

function send(ws: WebSocket, msg: WsServerMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
}
