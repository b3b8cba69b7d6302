/**
 * A run directory: log.jsonl (header + cycle records), checkpoint.json (state after the last
 * finished cycle) and, for --model-init continue, the global weights. Writes go through a
 * temp file + rename so an interruption never leaves a half-written checkpoint.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync, rmSync } from 'node:fs';
import { writeFileAtomicSync } from '../../platform/private-fs';
import { openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { createWeightSet, type WeightSet } from '../../core';
import { type ControlVariates } from './federated';
import { type CycleRecord, type HeaderRecord, LogRecordSchema, type LogRecord } from './log-schema';

export class RunFileError extends Error {
  override readonly name = 'RunFileError';
}

export const CheckpointSchema = z.object({
  version: z.literal(1),
  /** Result-affecting settings; a resume must match them. */
  config: z.record(z.string(), z.unknown()),
  nextCycle: z.number().int().min(0),
  labeled: z.array(z.array(z.number().int().min(0))),
  gammaBar: z.number().nullable(),
  gammaBarCycle: z.number().int().nullable(),
  elapsedMs: z.number().min(0),
  weights: z
    .object({
      file: z.string(),
      specs: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().positive()), trainable: z.boolean() })),
    })
    .nullable(),
  /**
   * SCAFFOLD with --model-init continue: the control variates the next cycle starts from, raw
   * float32 in `file` (server c, then c_i of clients 0..K-1). Absent in checkpoints written
   * before SCAFFOLD ran (they resume with zero controls) and for FedAvg/FedProx runs.
   */
  controls: z.object({ file: z.string(), clients: z.number().int().positive(), paramCount: z.number().int().positive() }).nullable().optional(),
});
export type Checkpoint = z.infer<typeof CheckpointSchema>;

const CONTROLS_FILE = 'checkpoint-controls.bin';

export class RunDir {
  readonly logPath: string;
  readonly checkpointPath: string;
  constructor(readonly dir: string) {
    this.logPath = join(dir, 'log.jsonl');
    this.checkpointPath = join(dir, 'checkpoint.json');
  }

  ensure(): void {
    mkdirSync(this.dir, { recursive: true });
  }

  clear(): void {
    for (const f of ['log.jsonl', 'checkpoint.json', 'checkpoint-weights.bin', CONTROLS_FILE, 'summary.md', 'summary.json']) rmSync(join(this.dir, f), { force: true });
  }

  /**
   * Claims the directory for this process (lock file with the pid), so two simulators never
   * write the same run. A lock left by a process that no longer exists is taken over.
   */
  lock(pid = process.pid): () => void {
    const path = join(this.dir, '.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeFileSync(fd, String(pid));
        closeSync(fd);
        return () => rmSync(path, { force: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const owner = Number(readFileSync(path, 'utf8').trim());
        if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
          throw new RunFileError(`${this.dir} is being written by process ${owner} (remove ${path} if that is wrong)`);
        }
        rmSync(path, { force: true });
      }
    }
    throw new RunFileError(`could not lock ${this.dir}`);
  }

  readCheckpoint(): Checkpoint | null {
    if (!existsSync(this.checkpointPath)) return null;
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.checkpointPath, 'utf8'));
    } catch (e) {
      throw new RunFileError(`${this.checkpointPath} is not valid JSON: ${(e as Error).message}`);
    }
    const r = CheckpointSchema.safeParse(raw);
    if (!r.success) throw new RunFileError(`${this.checkpointPath} does not match the checkpoint schema: ${r.error.issues[0]?.message ?? ''}`);
    return r.data;
  }

  writeCheckpoint(cp: Checkpoint, weights: WeightSet | null, controls: ControlVariates | null = null): void {
    let withWeights = cp;
    if (controls) {
      // Written before the checkpoint JSON names it, so a named file is always complete.
      const n = controls.server.length;
      const all = new Float32Array(n * (1 + controls.clients.length));
      all.set(controls.server, 0);
      controls.clients.forEach((c, k) => all.set(c, n * (1 + k)));
      writeFileAtomicSync(join(this.dir, CONTROLS_FILE), new Uint8Array(all.buffer));
      withWeights = { ...withWeights, controls: { file: CONTROLS_FILE, clients: controls.clients.length, paramCount: n } };
    }
    if (weights) {
      const file = 'checkpoint-weights.bin';
      writeFileAtomicSync(join(this.dir, file), new Uint8Array(weights.data.buffer, weights.data.byteOffset, weights.data.byteLength));
      withWeights = { ...withWeights, weights: { file, specs: weights.specs.map((s) => ({ name: s.name, shape: [...s.shape], trainable: s.trainable })) } };
    }
    writeFileAtomicSync(this.checkpointPath, JSON.stringify(withWeights));
  }

  readCheckpointWeights(cp: Checkpoint): WeightSet | null {
    if (!cp.weights) return null;
    const buf = readFileSync(join(this.dir, cp.weights.file));
    const data = new Float32Array(buf.byteLength / 4);
    new Uint8Array(data.buffer).set(buf);
    return createWeightSet(cp.weights.specs, data);
  }

  /** The checkpoint's SCAFFOLD control variates, or null when it has none (older checkpoints too). */
  readCheckpointControls(cp: Checkpoint): ControlVariates | null {
    if (!cp.controls) return null;
    const { file, clients, paramCount } = cp.controls;
    const buf = readFileSync(join(this.dir, file));
    if (buf.byteLength !== 4 * paramCount * (1 + clients)) {
      throw new RunFileError(`${join(this.dir, file)} holds ${buf.byteLength} bytes, the checkpoint expects ${4 * paramCount * (1 + clients)}`);
    }
    const all = new Float32Array(buf.byteLength / 4);
    new Uint8Array(all.buffer).set(buf);
    return { server: all.slice(0, paramCount), clients: Array.from({ length: clients }, (_, k) => all.slice(paramCount * (1 + k), paramCount * (2 + k))) };
  }

  writeLog(records: readonly LogRecord[]): void {
    writeFileAtomicSync(this.logPath, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }

  appendLog(record: CycleRecord): void {
    appendFileSync(this.logPath, JSON.stringify(record) + '\n');
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Parse a run log; every line must match the schema. */
export function readRunLog(path: string): { header: HeaderRecord; cycles: CycleRecord[] } {
  if (!existsSync(path)) throw new RunFileError(`no run log at ${path}`);
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  let header: HeaderRecord | null = null;
  const cycles: CycleRecord[] = [];
  lines.forEach((line, i) => {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new RunFileError(`${path}:${i + 1} is not valid JSON`);
    }
    const r = LogRecordSchema.safeParse(raw);
    if (!r.success) throw new RunFileError(`${path}:${i + 1} does not match the log schema: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    if (r.data.type === 'header') {
      if (header) throw new RunFileError(`${path}:${i + 1}: second header`);
      header = r.data;
    } else cycles.push(r.data);
  });
  if (!header) throw new RunFileError(`${path} has no header record`);
  return { header, cycles };
}
