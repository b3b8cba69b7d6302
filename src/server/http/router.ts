// A tiny router: method + path pattern (":name" segments) -> handler. Auth runs before the
// handler (and so before any body is read).
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { ClientId } from '../../shared/wire';
import { NotFoundError, BadRequestError } from '../domain/errors';

export type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; bytes: Uint8Array; headers: Record<string, string> };

/** What a handler reads of a request: its headers and body stream (a socket's or in-memory). */
export type RequestBody = Readable & { headers: IncomingHttpHeaders };

export interface RequestContext {
  req: RequestBody;
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
  handler: (ctx: RequestContext) => Promise<Reply> | Reply;
}

export class MethodNotAllowedError extends BadRequestError {}

export class Router {
  private readonly routes: { route: Route; segments: string[] }[] = [];

  add(route: Route): this {
    this.routes.push({ route, segments: route.pattern.split('/').filter(Boolean) });
    return this;
  }

  /** Every route in registration order (for transports that route by themselves). */
  list(): readonly Route[] {
    return this.routes.map((r) => r.route);
  }

  match(method: string, pathname: string): { route: Route; params: Record<string, string> } {
    const parts = pathname.split('/').filter(Boolean);
    let pathMatched = false;
    for (const { route, segments } of this.routes) {
      if (segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length; i++) {
        const seg = segments[i] as string;
        const part = parts[i] as string;
        if (seg.startsWith(':')) {
          let decoded: string;
          try {
            decoded = decodeURIComponent(part);
          } catch {
            ok = false;
            break;
          }
          params[seg.slice(1)] = decoded;
        } else if (seg !== part) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      pathMatched = true;
      if (route.method === method) return { route, params };
    }
    if (pathMatched) throw new MethodNotAllowedError(`method ${method} is not allowed on ${pathname}`);
    throw new NotFoundError(`no endpoint ${method} ${pathname.slice(0, 200)}`);
  }
}
