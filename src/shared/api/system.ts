// The `system` service: what the app is running on (ML backend, version, data folder) and a
// round-trip check used by the status bar and the e2e smoke test.
import { z } from 'zod';
import { defineService, method } from './define';

export const BackendAttemptSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  reason: z.string().optional(),
});

export const BackendReportSchema = z.object({
  /** The tfjs backend that runs the engine: 'tensorflow' (tfjs-node), 'wasm' or 'cpu'. */
  active: z.string(),
  attempts: z.array(BackendAttemptSchema),
  /** Worker threads the engine trains with. */
  threads: z.number().int().nonnegative(),
  /** Which training kernels run on that backend (e.g. wasm SIMD), or why slower ones do. */
  kernels: z.string().optional(),
});
export type BackendReport = z.infer<typeof BackendReportSchema>;

export const SystemStatusSchema = z.object({
  appVersion: z.string(),
  host: z.enum(['electron', 'web']),
  platform: z.string(),
  dataDir: z.string(),
  backend: BackendReportSchema.nullable(),
  backendError: z.string().nullable(),
  startedAt: z.string(),
});
export type SystemStatus = z.infer<typeof SystemStatusSchema>;

export const systemService = defineService(
  'system',
  {
    getStatus: method(z.undefined(), SystemStatusSchema),
    ping: method(
      z.object({ message: z.string().min(1).max(1000) }),
      z.object({ echo: z.string(), receivedAt: z.string() }),
    ),
  },
  {
    backendReady: BackendReportSchema,
  },
);
