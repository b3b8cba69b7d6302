// The calling side: turns a transport (the preload bridge in Electron, a WebSocket in the
// browser) into the typed ApiClient the renderer uses: `client.system.getStatus(undefined)`.
import type { z } from 'zod';
import { api, type ApiClient } from './index';
import { ApiError, ResultEnvelopeSchema, describeZodError, type Unsubscribe } from './define';

/** What a transport provides; only this module and the transports see service/method names. */
export interface ApiTransport {
  call(service: string, method: string, input: unknown): Promise<unknown>;
  subscribe(service: string, event: string, handler: (payload: unknown) => void): Unsubscribe;
}

/**
 * The object preload exposes on `window.fairfal`: per service, one function per contract
 * method (returning the raw result envelope) and `on` for its events. Domain-shaped, built
 * from the contract, carrying no channel strings.
 */
export type ApiBridge = {
  [S in keyof typeof api]: {
    [M in keyof (typeof api)[S]['methods']]: (input: unknown) => Promise<unknown>;
  } & { on(event: string, handler: (payload: unknown) => void): Unsubscribe };
};

export function bridgeTransport(bridge: ApiBridge): ApiTransport {
  return {
    call: (service, method, input) => {
      const svc = (bridge as unknown as Record<string, Record<string, (i: unknown) => Promise<unknown>>>)[service];
      const fn = svc?.[method];
      if (!fn) return Promise.reject(new ApiError('not-found', `bridge lacks ${service}.${method}`));
      return fn(input);
    },
    subscribe: (service, event, handler) => {
      const svc = (bridge as unknown as Record<string, { on: ApiBridge['system']['on'] }>)[service];
      if (!svc) throw new ApiError('not-found', `bridge lacks service ${service}`);
      return svc.on(event, handler);
    },
  };
}

export function createApiClient(transport: ApiTransport): ApiClient {
  const client: Record<string, Record<string, unknown>> = {};
  for (const [serviceName, spec] of Object.entries(api)) {
    const svc: Record<string, unknown> = {};
    for (const [methodName, m] of Object.entries(spec.methods as Record<string, { input: z.ZodType; output: z.ZodType }>)) {
      const where = `${serviceName}.${methodName}`;
      svc[methodName] = async (input: unknown) => {
        const parsedIn = m.input.safeParse(input);
        if (!parsedIn.success) throw new ApiError('invalid-input', describeZodError(`invalid input for ${where}`, parsedIn.error));
        const raw = await transport.call(serviceName, methodName, parsedIn.data);
        const envelope = ResultEnvelopeSchema.safeParse(raw);
        if (!envelope.success) throw new ApiError('invalid-output', `malformed reply from ${where}`);
        if (!envelope.data.ok) throw new ApiError(envelope.data.error.code, envelope.data.error.message);
        const out = m.output.safeParse(envelope.data.value);
        if (!out.success) throw new ApiError('invalid-output', describeZodError(`invalid result from ${where}`, out.error));
        return out.data;
      };
    }
    const events = spec.events as Record<string, z.ZodType>;
    svc.on = (event: string, handler: (payload: unknown) => void): Unsubscribe => {
      const schema = events[event];
      if (!schema) throw new ApiError('not-found', `unknown event ${serviceName}.${event}`);
      return transport.subscribe(serviceName, event, (payload) => {
        const parsed = schema.safeParse(payload);
        // A malformed event is dropped, not delivered: the UI only ever sees valid data.
        if (parsed.success) handler(parsed.data);
        else console.warn(describeZodError(`dropped invalid event ${serviceName}.${event}`, parsed.error));
      });
    };
    client[serviceName] = svc;
  }
  return client as unknown as ApiClient;
}
