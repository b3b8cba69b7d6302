// What one endpoint is: method, path pattern (":name" segments, routed by fastify), who may call
// it, how large its body may be, and a handler that turns a parsed request into a Reply.
// Auth runs before the body is read.
import type { IncomingHttpHeaders } from 'node:http';
import type { ClientId } from '../../shared/wire';

export type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; bytes: Uint8Array; headers: Record<string, string> };

export interface RequestContext {
  headers: IncomingHttpHeaders;
  /** The whole body, read by the framework within the route's bodyLimit. */
  body: Buffer;
  /** The peer's address (enrolment throttling): the socket's, or 'in-memory'. */
  remoteAddress: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Aborted when the client disconnects or the server stops. */
  signal: AbortSignal;
  /** Set for routes with auth 'client'. */
  clientId: ClientId | null;
}

export type Auth = 'none' | 'client' | 'admin';

export interface Route {
  method: 'GET' | 'POST';
  pattern: string;
  auth: Auth;
  /** Largest accepted body in bytes (default: MAX_JSON_BYTES). */
  bodyLimit?: number;
  handler: (ctx: RequestContext) => Promise<Reply> | Reply;
}
