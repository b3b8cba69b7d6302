// Where the engine worker's entry lives in each runtime. From TS sources (vitest, the CLI and
// `npm run client` via tsx) the worker host finds src/engine/worker/entry.ts itself. Bundled
// (electron-vite: out/main/index.js, out/main/webhost.js, shared code in out/main/chunks/),
// the build emits out/main/engine-worker.js, which must be named explicitly.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export class EngineEntryMissingError extends Error {
  override readonly name = 'EngineEntryMissingError';
}

/** undefined = the host's default (TS sources); else the bundled worker file next to the bundle. */
export function engineWorkerEntry(moduleUrl: string = import.meta.url): URL | undefined {
  if (moduleUrl.endsWith('.ts') || moduleUrl.endsWith('.tsx')) return undefined;
  const candidates = [new URL('./engine-worker.js', moduleUrl), new URL('../engine-worker.js', moduleUrl)];
  const found = candidates.find((u) => existsSync(fileURLToPath(u)));
  if (!found) throw new EngineEntryMissingError(`engine worker bundle not found: looked for ${candidates.map((u) => fileURLToPath(u)).join(' and ')}`);
  return found;
}
