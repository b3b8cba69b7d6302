// The wire contract over fetch: bearer auth, a timeout per request, JSON validated with the
// shared wire schemas, and errors classified by what the caller should do about them.
import { type z } from 'zod';
import { ErrorBodySchema, type ErrorCode } from '../../../shared/wire';

/** The server could not be reached (or answered 5xx): retry later. */
export class FederationOfflineError extends Error {
  override readonly name = 'FederationOfflineError';
}

/** The server understood and said no (4xx). `code` is the wire error code. */
export class FederationRejectedError extends Error {
  override readonly name = 'FederationRejectedError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'unknown',
    message: string,
  ) {
    super(message);
  }
  /** The credential is no longer accepted: the client must join again. */
  get credentialRejected(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export interface HttpOptions {
  baseUrl: string;
  credential?: string;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  body?: Uint8Array | string;
  contentType?: string;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export async function request(opts: HttpOptions, spec: RequestSpec): Promise<{ status: number; bytes: Uint8Array; headers: Headers }> {
  const url = new URL(spec.path, opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`).toString();
  const headers: Record<string, string> = { ...spec.headers };
  if (opts.credential) headers.authorization = `Bearer ${opts.credential}`;
  if (spec.contentType) headers['content-type'] = spec.contentType;
  let res: Response;
  try {
    res = await (opts.fetchImpl ?? fetch)(url, {
      method: spec.method,
      headers,
      ...(spec.body !== undefined ? { body: spec.body as BodyInit } : {}),
      signal: AbortSignal.timeout(spec.timeoutMs ?? opts.timeoutMs ?? 30_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; name?: string; message?: string } }).cause;
    // Another certificate than the pinned one: not a network hiccup to retry, a stop and a word.
    if (cause?.name === 'CertificatePinError') throw new FederationRejectedError(0, 'unknown', `${new URL(url).origin}: ${cause.message ?? 'certificate pin mismatch'}`);
    throw new FederationOfflineError(`cannot reach ${new URL(url).origin}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  const bytes = new Uint8Array(await res.arrayBuffer().catch(() => new ArrayBuffer(0)));
  if (res.status >= 500) throw new FederationOfflineError(`server error ${res.status} on ${spec.method} ${spec.path}`);
  if (res.status >= 400) {
    const parsed = ErrorBodySchema.safeParse(safeJson(bytes));
    const code = parsed.success ? parsed.data.error.code : 'unknown';
    const message = parsed.success ? parsed.data.error.message : `HTTP ${res.status}`;
    throw new FederationRejectedError(res.status, code, `${spec.method} ${spec.path}: ${message}`);
  }
  return { status: res.status, bytes, headers: res.headers };
}

export async function requestJson<S extends z.ZodType>(opts: HttpOptions, spec: RequestSpec, schema: S): Promise<z.infer<S>> {
  const { bytes } = await request(opts, spec);
  const parsed = schema.safeParse(safeJson(bytes));
  if (!parsed.success) {
    throw new FederationRejectedError(200, 'unknown', `${spec.method} ${spec.path}: unexpected reply (${parsed.error.issues[0]?.message ?? 'schema'})`);
  }
  return parsed.data;
}

function safeJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}
