// Request body readers with hard size limits and schema validation.
import { z } from 'zod';
import { BadRequestError, PayloadTooLargeError } from '../domain/errors';
import type { RequestBody } from './router';

export const MAX_JSON_BYTES = 64 * 1024;

/**
 * Reads the whole body, at most `limit` bytes. A body over the limit is drained (up to 4x the
 * limit, so the client still gets its 413) and then rejected; nothing of it is kept.
 */
export function readBody(req: RequestBody, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    const drainCap = limit * 4;
    if (Number.isFinite(declared) && declared > drainCap) {
      reject(new PayloadTooLargeError(`body of ${declared} bytes exceeds the limit of ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        if (size > drainCap) req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) reject(new PayloadTooLargeError(`body of ${size} bytes exceeds the limit of ${limit} bytes`));
      else resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (e) => reject(new BadRequestError(`request body could not be read: ${e.message}`)));
    req.on('aborted', () => reject(new BadRequestError('request aborted by the client before the body was complete')));
  });
}

/** Reads and validates a JSON body. An empty body is treated as `{}`. */
export async function readJson<S extends z.ZodType>(req: RequestBody, schema: S): Promise<z.infer<S>> {
  const raw = await readBody(req, MAX_JSON_BYTES);
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
