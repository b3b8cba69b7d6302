/**
 * Picks the fastest tfjs backend that really works here: tfjs-node (native TensorFlow, an
 * optional dependency that often cannot install), then wasm (single-threaded in Node: its
 * thread pool needs blob: workers), then the pure-JS cpu backend. Reports every attempt so
 * the status bar can say why a slower backend is active.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import os from 'node:os';
import { simdKernelsUnavailableReason } from './kernels/simd/simd-module';
import path from 'node:path';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  reason?: string;
}

/** Same shape as the integrator's BackendReportSchema (src/shared/api/backend.ts). */
export interface BackendReport {
  active: BackendName;
  attempts: BackendAttempt[];
  /** Threads the active backend computes with (wasm in Node: 1). */
  threads: number;
  /** Which training kernels run on it: the wasm SIMD ones (Winograd convs), or why the JS ones do. */
  kernels?: string;
}

export interface BackendOptions {
  /** Try only these, in this order (tests pin 'cpu' or 'wasm'). */
  prefer?: BackendName[];
}

const nodeRequire = createRequire(import.meta.url);
let current: BackendReport | null = null;

function message(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0] ?? e.message : String(e);
}

async function tryTensorflow(): Promise<void> {
  // Registers the 'tensorflow' backend as a side effect; throws when the native addon is absent.
  nodeRequire('@tensorflow/tfjs-node');
  if (!(await tf.setBackend('tensorflow')) || tf.getBackend() !== 'tensorflow') {
    throw new Error('tfjs-node loaded but the tensorflow backend did not activate');
  }
}

async function tryWasm(): Promise<void> {
  const dir = path.dirname(nodeRequire.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  setWasmPaths({
    'tfjs-backend-wasm.wasm': path.join(dir, 'tfjs-backend-wasm.wasm'),
    'tfjs-backend-wasm-simd.wasm': path.join(dir, 'tfjs-backend-wasm-simd.wasm'),
    'tfjs-backend-wasm-threaded-simd.wasm': path.join(dir, 'tfjs-backend-wasm-threaded-simd.wasm'),
  });
  const ok = await tf.setBackend('wasm');
  await tf.ready();
  // setBackend can silently fall back to another backend: check what is really active.
  if (!ok || tf.getBackend() !== 'wasm') throw new Error(`wasm backend did not activate (active: ${tf.getBackend()})`);
}

async function tryCpu(): Promise<void> {
  if (!(await tf.setBackend('cpu')) || tf.getBackend() !== 'cpu') throw new Error('cpu backend did not activate');
}

const TRIERS: Record<BackendName, () => Promise<void>> = { tensorflow: tryTensorflow, wasm: tryWasm, cpu: tryCpu };

export async function loadBestBackend(opts: BackendOptions = {}): Promise<BackendReport> {
  const order = opts.prefer ?? (['tensorflow', 'wasm', 'cpu'] as BackendName[]);
  const attempts: BackendAttempt[] = [];
  for (const name of order) {
    try {
      await TRIERS[name]();
      attempts.push({ name, ok: true });
      current = { active: name, attempts, threads: name === 'wasm' ? wasmThreads() : name === 'cpu' ? 1 : osThreads(), kernels: kernelsReport(name) };
      return current;
    } catch (e) {
      attempts.push({ name, ok: false, reason: message(e) });
    }
  }
  throw new BackendUnavailableError(attempts);
}

function kernelsReport(name: BackendName): string {
  if (name === 'tensorflow') return 'native TensorFlow';
  if (name === 'cpu') return 'JS kernels';
  const why = simdKernelsUnavailableReason(tf.backend());
  return why === null ? 'wasm SIMD kernels, Winograd convolutions' : `JS kernels (wasm SIMD kernels unavailable: ${why})`;
}

function wasmThreads(): number {
  return tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 2 : 1;
}

function osThreads(): number {
  return os.availableParallelism();
}

export function activeBackend(): BackendReport | null {
  return current;
}

export class BackendUnavailableError extends Error {
  constructor(readonly attempts: BackendAttempt[]) {
    super(`no tfjs backend could start: ${attempts.map((a) => `${a.name}: ${a.reason ?? 'failed'}`).join('; ')}`);
    this.name = 'BackendUnavailableError';
  }
}
