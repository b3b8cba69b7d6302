// Typed domain errors. Each carries the wire error code; the HTTP layer maps it to a status.
import type { ErrorCode } from '../../shared/wire';

export abstract class FederationError extends Error {
  abstract readonly code: ErrorCode;
}
export class BadRequestError extends FederationError {
  override readonly name = 'BadRequestError';
  readonly code = 'bad_request' as const;
}
export class UnauthorizedError extends FederationError {
  override readonly name = 'UnauthorizedError';
  readonly code = 'unauthorized' as const;
}
export class ForbiddenError extends FederationError {
  override readonly name = 'ForbiddenError';
  readonly code = 'forbidden' as const;
}
export class NotFoundError extends FederationError {
  override readonly name = 'NotFoundError';
  readonly code = 'not_found' as const;
}
export class ConflictError extends FederationError {
  override readonly name = 'ConflictError';
  readonly code = 'conflict' as const;
}
export class StaleRoundError extends FederationError {
  override readonly name = 'StaleRoundError';
  readonly code = 'stale_round' as const;
}
export class WrongPhaseError extends FederationError {
  override readonly name = 'WrongPhaseError';
  readonly code = 'wrong_phase' as const;
}
export class InvalidUpdateError extends FederationError {
  override readonly name = 'InvalidUpdateError';
  readonly code = 'invalid_update' as const;
}
export class PayloadTooLargeError extends FederationError {
  override readonly name = 'PayloadTooLargeError';
  readonly code = 'payload_too_large' as const;
}
export class InvalidCodeError extends FederationError {
  override readonly name = 'InvalidCodeError';
  readonly code = 'invalid_code' as const;
}

export class RateLimitedError extends FederationError {
  override readonly name = 'RateLimitedError';
  readonly code = 'rate_limited' as const;
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  stale_round: 409,
  wrong_phase: 409,
  invalid_update: 422,
  payload_too_large: 413,
  invalid_code: 403,
  rate_limited: 429,
  internal: 500,
};
