// Parsing of request bodies and parameters with schemas; every failure is a 400 naming the
// problem. Size limits are enforced before this, by the framework (each route's bodyLimit).
import { z } from 'zod';
import { BadRequestError } from '../domain/errors';

export const MAX_JSON_BYTES = 64 * 1024;

/** Parses and validates a JSON body. An empty body is treated as `{}`. */
export function parseJson<S extends z.ZodType>(raw: Buffer, schema: S): z.infer<S> {
  let value: unknown = {};
  if (raw.length > 0) {
    try {
      value = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new BadRequestError('body is not valid JSON');
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new BadRequestError(`invalid body: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Parses a path or query parameter with a schema, as a 400 on failure. */
export function parseParam<S extends z.ZodType>(name: string, raw: unknown, schema: S): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new BadRequestError(`invalid ${name}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Positive integer path segment (round ids, cycles) -> number, or a 400. */
export function intParam(name: string, raw: string | undefined): number {
  if (raw === undefined || !/^\d{1,12}$/.test(raw)) throw new BadRequestError(`${name} must be a non-negative integer, got "${String(raw).slice(0, 40)}"`);
  return Number(raw);
}
