/**
 * A run directory: log.jsonl (header + cycle records) and checkpoint.json (the settings and
 * the labeled sets after the last logged cycle; the federation's own state lives in system/).
 * Writes go through a temp file + rename so an interruption never leaves a half-written one.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync, rmSync } from 'node:fs';
import { writeFileAtomicSync } from '../../platform/private-fs';
import { openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
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
  /** Written by the old driver (global weights for --model-init continue); always null now. */
  weights: z.unknown().nullable(),
});
export type Checkpoint = z.infer<typeof CheckpointSchema>;

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
    for (const f of ['log.jsonl', 'checkpoint.json', 'checkpoint-weights.bin', 'checkpoint-controls.bin', 'summary.md', 'summary.json']) rmSync(join(this.dir, f), { force: true });
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

  writeCheckpoint(cp: Checkpoint): void {
    writeFileAtomicSync(this.checkpointPath, JSON.stringify(cp));
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
