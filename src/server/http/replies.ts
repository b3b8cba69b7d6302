// Auth and error mapping shared by every route: who is calling, and which status and error body
// a failure becomes (domain errors by code, the framework's own 4xx as bad requests, anything
// else a logged 500 without details).
import type { FastifyError } from 'fastify';
import type { ClientId, ErrorBody, ErrorCode } from '../../shared/wire';
import { FederationError, HTTP_STATUS, RateLimitedError } from '../domain/errors';
import type { FederationCoordinator } from '../domain/coordinator';
import type { Logger } from '../domain/runtime';
import type { Reply, Route } from './route';

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

function isFrameworkError(e: unknown): e is FastifyError & { statusCode: number } {
  const f = e as Partial<FastifyError>;
  return typeof f.code === 'string' && f.code.startsWith('FST_') && typeof f.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500;
}

export function replyForError(e: unknown, log: Logger, method: string, url: string): Reply {
  if (e instanceof RateLimitedError) return { ...errorReply(e.code, e.message), headers: { 'retry-after': String(e.retryAfterSeconds) } };
  if (e instanceof FederationError) return errorReply(e.code, e.message);
  if (isFrameworkError(e)) {
    // Body over the route's limit, bad content length, unparseable content type, ...
    if (e.statusCode === 413) return errorReply('payload_too_large', e.message);
    return errorReply('bad_request', e.message, e.statusCode);
  }
  log('error', 'request failed', { method, path: url.slice(0, 200), error: (e as Error).stack ?? String(e) });
  return errorReply('internal', 'internal server error');
}
