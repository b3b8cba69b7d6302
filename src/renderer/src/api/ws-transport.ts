// Carries the typed API over the web host's WebSocket (browser mode). The launch token is a
// cookie set by the host, so nothing secret lives in page script.
import { ApiError, type Unsubscribe } from '../../../shared/api/define';
import type { ApiTransport } from '../../../shared/api/client';
import { WS_API_PATH, WsServerMessageSchema, type WsClientMessage } from '../../../shared/api/ws-protocol';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
export type ConnectionState = 'connecting' | 'open' | 'closed';

export function createWebSocketTransport(onState: (s: ConnectionState) => void): ApiTransport {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${WS_API_PATH}`;
  const pending = new Map<number, Pending>();
  const handlers = new Map<string, Set<(p: unknown) => void>>();
  const queue: string[] = [];
  let nextId = 1;
  let socket: WebSocket;
  let retryMs = 250;

  function connect(): void {
    onState('connecting');
    socket = new WebSocket(url);
    socket.onopen = () => {
      retryMs = 250;
      onState('open');
      for (const m of queue.splice(0)) socket.send(m);
    };
    socket.onmessage = (ev) => {
      const parsed = WsServerMessageSchema.safeParse(JSON.parse(String(ev.data)));
      if (!parsed.success) return;
      const msg = parsed.data;
      if (msg.type === 'result') {
        pending.get(msg.id)?.resolve(msg.result);
        pending.delete(msg.id);
      } else if (msg.type === 'event') {
        for (const h of handlers.get(`${msg.service}.${msg.event}`) ?? []) h(msg.payload);
      }
    };
    socket.onclose = () => {
      onState('closed');
      for (const p of pending.values()) p.reject(new ApiError('unavailable', 'connection to the app host was lost'));
      pending.clear();
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  }
  connect();

  return {
    call(service, method, input) {
      const id = nextId++;
      const msg: WsClientMessage = { type: 'call', id, service, method, input };
      const text = JSON.stringify(msg);
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        if (socket.readyState === WebSocket.OPEN) socket.send(text);
        else queue.push(text);
      });
    },
    subscribe(service, event, handler): Unsubscribe {
      const key = `${service}.${event}`;
      const set = handlers.get(key) ?? new Set();
      set.add(handler);
      handlers.set(key, set);
      return () => set.delete(handler);
    },
  };
}
