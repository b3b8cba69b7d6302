// Messages the web host and the browser exchange over the WebSocket that carries the typed
// API where Electron IPC is not available. Validated on both ends.
import { z } from 'zod';
import { ResultEnvelopeSchema } from './define';

export const WS_API_PATH = '/api';
export const TOKEN_COOKIE = 'fairfal_token';
/** Inbound message size cap: the UI never sends more than labels and small requests. */
export const WS_MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

export const WsClientMessageSchema = z.object({
  type: z.literal('call'),
  id: z.number().int().nonnegative(),
  service: z.string().max(64),
  method: z.string().max(64),
  // JSON drops `undefined`, so methods without input arrive with no `input` key.
  input: z.unknown().optional(),
});
export type WsClientMessage = z.infer<typeof WsClientMessageSchema>;

export const WsServerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('result'), id: z.number().int().nonnegative(), result: ResultEnvelopeSchema }),
  z.object({ type: z.literal('event'), service: z.string(), event: z.string(), payload: z.unknown() }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type WsServerMessage = z.infer<typeof WsServerMessageSchema>;
