// The receiving side of every transport (Electron IPC, the web host's WebSocket): validates
// the input against the contract, runs the implementation, validates the output, and wraps
// the outcome in a result envelope. A bad payload becomes a clear error, never a crash.
import type { z } from 'zod';
import { api, type Api, type ApiImpl } from './index';
import { ApiError, describeZodError, type ResultEnvelope } from './define';

export type Dispatch = (service: string, method: string, input: unknown) => Promise<ResultEnvelope>;

export function createDispatcher(impl: ApiImpl, onInternalError?: (err: unknown, where: string) => void): Dispatch {
  return async (service, methodName, input) => {
    const where = `${service}.${methodName}`;
    const spec = lookupMethod(service, methodName);
    if (!spec) return fail('not-found', `unknown API method '${where}'`);
    const parsed = spec.input.safeParse(input);
    if (!parsed.success) return fail('invalid-input', describeZodError(`invalid input for ${where}`, parsed.error));
    const fn = (impl as unknown as Record<string, Record<string, (i: unknown) => Promise<unknown>>>)[service]?.[methodName];
    if (!fn) return fail('not-found', `API method '${where}' is not implemented by this host`);
    try {
      const value = await fn(parsed.data);
      const out = spec.output.safeParse(value);
      if (!out.success) {
        onInternalError?.(out.error, where);
        return fail('invalid-output', describeZodError(`${where} produced an invalid result`, out.error));
      }
      return { ok: true, value: out.data };
    } catch (err) {
      if (err instanceof ApiError) return fail(err.code, err.message);
      onInternalError?.(err, where);
      return fail('internal', `${where} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
}

function lookupMethod(service: string, methodName: string): { input: z.ZodType; output: z.ZodType } | null {
  if (!Object.hasOwn(api, service)) return null;
  const methods = api[service as keyof Api].methods as Record<string, { input: z.ZodType; output: z.ZodType }>;
  return Object.hasOwn(methods, methodName) ? methods[methodName]! : null;
}

function fail(code: ApiError['code'], message: string): ResultEnvelope {
  return { ok: false, error: { code, message } };
}

/** Validates an event payload before it leaves main; returns the parsed payload or throws. */
export function validateEvent(service: string, event: string, payload: unknown): unknown {
  if (!Object.hasOwn(api, service)) throw new ApiError('not-found', `unknown API service '${service}'`);
  const events = api[service as keyof Api].events as Record<string, z.ZodType>;
  const schema = Object.hasOwn(events, event) ? events[event] : undefined;
  if (!schema) throw new ApiError('not-found', `unknown event '${service}.${event}'`);
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new ApiError('invalid-output', describeZodError(`event ${service}.${event}`, parsed.error));
  return parsed.data;
}
