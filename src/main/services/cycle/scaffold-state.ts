// The client's SCAFFOLD control variate c_i, persisted in node.sqlite between rounds.
// The server zeroes its control variate c at the start of every cycle, so c_i starts at zero in
// each cycle too (c stays the mean of the c_i). c_i advances after a round's training, before
// the update is queued; a crash in between retrains that round, which must start again from
// the c_i it first used: the record therefore keeps the previous c_i with the round it led to.
import { z } from 'zod';
import { decodeModelBlob, encodeModelBlob } from '../../../shared/wire';
import { KvCell, type Db } from '../storage/node-db';

const VectorSchema = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');

export const ClientControlRecordSchema = z.object({
  cycle: z.number().int().nonnegative(),
  /** The round whose training produced `control` (c_i after that round). */
  roundId: z.number().int().positive(),
  /** c_i after roundId, float32 little-endian, base64. */
  control: VectorSchema,
  /** c_i that roundId trained with (null: zero). */
  previous: VectorSchema.nullable(),
});

function encode(v: Float32Array): string {
  return Buffer.from(encodeModelBlob(v)).toString('base64');
}

function decode(s: string, paramCount: number): Float32Array {
  const v = decodeModelBlob(new Uint8Array(Buffer.from(s, 'base64')));
  if (v.length !== paramCount) throw new Error(`stored SCAFFOLD control variate has ${v.length} values, the model has ${paramCount}`);
  return v;
}

export class ClientControlStore {
  private readonly cell: KvCell<typeof ClientControlRecordSchema>;
  constructor(db: Db) {
    this.cell = new KvCell(db, 'cycle.scaffold', ClientControlRecordSchema);
  }

  /** c_i to train round `roundId` of `cycle` with. */
  forRound(cycle: number, roundId: number, paramCount: number): Float32Array {
    const rec = this.cell.get();
    if (!rec || rec.cycle !== cycle) return new Float32Array(paramCount);
    if (rec.roundId === roundId) return rec.previous === null ? new Float32Array(paramCount) : decode(rec.previous, paramCount);
    return decode(rec.control, paramCount);
  }

  /** Records c_i+ after training `roundId` with `used`. */
  advance(cycle: number, roundId: number, used: Float32Array, next: Float32Array): void {
    const zero = used.every((v) => v === 0);
    this.cell.set({ cycle, roundId, control: encode(next), previous: zero ? null : encode(used) });
  }

  clear(): void {
    this.cell.delete();
  }
}
