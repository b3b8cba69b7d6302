// One request -> one Reply, whatever carried it: route -> auth -> handler, domain errors mapped
// to statuses. The socket server (server.ts) and the in-memory transport (in-memory.ts) both
// call this, so a simulated federation exercises the very routes, auth and validation of HTTP.
import type { ClientId, ErrorBody, ErrorCode } from '../../shared/wire';
import { FederationError, HTTP_STATUS, RateLimitedError } from '../domain/errors';
import type { FederationCoordinator } from '../domain/coordinator';
import type { Logger } from '../domain/runtime';
import { MethodNotAllowedError, type Reply, type RequestBody, type Route } from './router';
import { buildRouter } from './routes';

export interface DispatchRequest {
  method: string;
  /** Path and query as sent ("/api/v1/task?waitMs=0"). */
  url: string;
  body: RequestBody;
  remoteAddress: string;
  /** Aborted when the peer goes away or the server stops. */
  signal: AbortSignal;
}

export type Dispatch = (req: DispatchRequest) => Promise<Reply>;

export function errorReply(code: ErrorCode, message: string, status = HTTP_STATUS[code]): Reply {
  const json: ErrorBody = { error: { code, message } };
  return { status, json };
}

/** Auth for a matched route: the client id for 'client' routes; throws on a bad credential. */
export function authenticate(coordinator: FederationCoordinator, route: Route, authorization: string | undefined): ClientId | null {
  if (route.auth === 'client') return coordinator.authenticateClient(authorization);
  if (route.auth === 'admin') coordinator.authenticateAdmin(authorization);
  return null;
}

/** Domain errors -> statuses; anything else is logged and answered 500 without details. */
export function replyForError(e: unknown, log: Logger, method: string, url: string): Reply {
  if (e instanceof MethodNotAllowedError) return errorReply('bad_request', e.message, 405);
  if (e instanceof RateLimitedError) return { ...errorReply(e.code, e.message), headers: { 'retry-after': String(e.retryAfterSeconds) } };
  if (e instanceof FederationError) return errorReply(e.code, e.message);
  log('error', 'request failed', { method, path: url.slice(0, 200), error: (e as Error).stack ?? String(e) });
  return errorReply('internal', 'internal server error');
}

export function createDispatch(coordinator: FederationCoordinator, log: Logger): Dispatch {
  const router = buildRouter(coordinator);
  return async ({ method, url, body, remoteAddress, signal }) => {
    try {
      // Not new URL(): "//x" would parse as a host. Path and query are split by hand.
      const q = url.indexOf('?');
      const pathname = q < 0 ? url : url.slice(0, q);
      const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
      const { route, params } = router.match(method, pathname);
      const clientId = authenticate(coordinator, route, body.headers.authorization);
      return await route.handler({ req: body, remoteAddress, params, query, signal, clientId });
    } catch (e) {
      return replyForError(e, log, method, url);
    }
  };
}
