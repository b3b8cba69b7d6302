// How a service contract is written: each method is a pair of zod schemas (input, output),
// each event a payload schema. Main implements the contract, preload exposes it, the renderer
// calls it through a typed client; every side validates with the same schemas.
import { z } from 'zod';

export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I;
  readonly output: O;
}

export interface ServiceSpec<
  M extends Record<string, MethodSpec> = Record<string, MethodSpec>,
  E extends Record<string, z.ZodType> = Record<string, z.ZodType>,
> {
  readonly name: string;
  readonly methods: M;
  readonly events: E;
}

export function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O): MethodSpec<I, O> {
  return { input, output };
}

export function defineService<M extends Record<string, MethodSpec>, E extends Record<string, z.ZodType>>(
  name: string,
  methods: M,
  events: E,
): ServiceSpec<M, E> {
  return { name, methods, events };
}

/** The transport-level name of a method or event; only transports use it, never UI code. */
export function channelName(service: string, member: string): string {
  return `fairfal:${service}.${member}`;
}

// ---- Types derived from a contract ----

export type MethodInput<S extends MethodSpec> = z.input<S['input']>;
export type MethodOutput<S extends MethodSpec> = z.output<S['output']>;

/** What main implements for one service: every method, typed from the contract. */
export type ServiceImpl<S extends ServiceSpec> = {
  [K in keyof S['methods']]: (input: z.output<S['methods'][K]['input']>) => Promise<MethodOutput<S['methods'][K]>>;
};

export type Unsubscribe = () => void;

/** What the renderer holds for one service: methods plus typed event subscription. */
export type ServiceClient<S extends ServiceSpec> = {
  [K in keyof S['methods']]: (input: MethodInput<S['methods'][K]>) => Promise<MethodOutput<S['methods'][K]>>;
} & {
  on<E extends keyof S['events'] & string>(event: E, handler: (payload: z.output<S['events'][E]>) => void): Unsubscribe;
};

// ---- Errors and the result envelope every transport carries ----

export const ApiErrorCodeSchema = z.enum([
  'invalid-input',
  'invalid-output',
  'not-found',
  'conflict',
  'unavailable',
  'cancelled',
  'unauthorized',
  'internal',
]);
export type ApiErrorCode = z.infer<typeof ApiErrorCodeSchema>;

export const ApiErrorBodySchema = z.object({
  code: ApiErrorCodeSchema,
  message: z.string(),
});

export const ResultEnvelopeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: ApiErrorBodySchema }),
]);
export type ResultEnvelope = z.infer<typeof ResultEnvelopeSchema>;

/** An error a service method reports on purpose; carried to the caller with its code. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Formats a zod failure as one readable line naming the offending fields. */
export function describeZodError(where: string, error: z.ZodError): string {
  const issues = error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
  return `${where}: ${issues}`;
}
