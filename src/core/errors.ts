/**
 * Typed errors for the pure core. Every bad input is rejected before any work starts, with a
 * `code` callers can switch on and a message naming the offending input (and row/col).
 */

export type QueryInputErrorCode =
  | 'non-finite'
  | 'shape-mismatch'
  | 'bad-budget'
  | 'empty-pool'
  | 'missing-input'
  | 'bad-label'
  | 'not-probability'
  | 'bad-option'
  | 'unknown-strategy';

export class QueryInputError extends Error {
  override readonly name = 'QueryInputError';
  constructor(
    readonly code: QueryInputErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** Raised by helpers that are not about a query (RNG, metrics) when called with bad arguments. */
export class CoreArgumentError extends Error {
  override readonly name = 'CoreArgumentError';
}
