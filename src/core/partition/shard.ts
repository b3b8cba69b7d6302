/**
 * `shard` partition with the official FairFAL semantics (util/data_simulator.py
 * `shard_balance`): every class is cut into m equal shards of floor(n_c / m) samples
 * (m = classes per client); each client draws m DISTINCT classes from the multiset
 * {0..C-1} x m without replacement and receives one random shard of each. Needs K <= C
 * (the multiset holds C*m labels, K*m are drawn). Samples of a class left over by the
 * floor, and shards no client drew (K < C), stay unassigned, as in the official code.
 */
import { type Rng } from '../rng';
import { type ClientPartition } from './dirBalance';
import { checkClients, checkLabels, indicesByClass, PartitionError } from './errors';

export interface ShardOptions {
  numClients: number;
  numClasses: number;
  classesPerClient: number;
}

/** Each client's m distinct classes. Redraws the whole assignment when the multiset runs into duplicates. */
export function drawShardClasses(numClients: number, numClasses: number, m: number, rng: Rng): number[][] {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const pool: number[] = [];
    for (let r = 0; r < m; r++) for (let c = 0; c < numClasses; c++) pool.push(c);
    const out: number[][] = [];
    let stuck = false;
    for (let k = 0; k < numClients && !stuck; k++) {
      const mine: number[] = [];
      while (mine.length < m) {
        const distinctLeft = new Set(pool.filter((c) => !mine.includes(c))).size;
        if (distinctLeft === 0) {
          stuck = true;
          break;
        }
        const pick = pool[rng.int(pool.length)] as number;
        if (mine.includes(pick)) continue;
        mine.push(pick);
        pool.splice(pool.indexOf(pick), 1);
      }
      out.push(mine);
    }
    if (!stuck) return out;
  }
  throw new PartitionError(`could not draw ${m} distinct classes for each of ${numClients} clients`);
}

export function shardPartition(labels: ArrayLike<number>, opts: ShardOptions, rng: Rng): ClientPartition & { classes: number[][] } {
  const { numClients: K, numClasses: C, classesPerClient: m } = opts;
  checkClients(K);
  checkLabels(labels, C);
  if (!Number.isInteger(m) || m < 1 || m > C) throw new PartitionError(`classesPerClient must be an integer in [1, ${C}], got ${m}`);
  if (K > C) throw new PartitionError(`shard needs at most as many clients as classes (${K} clients, ${C} classes)`);
  const classes = drawShardClasses(K, C, m, rng);
  const remaining = indicesByClass(labels, C);
  const shardSize = remaining.map((idx) => Math.floor(idx.length / m));
  const counts = new Int32Array(K * C);
  const clients: number[][] = [];
  for (let k = 0; k < K; k++) {
    const mine: number[] = [];
    for (const c of classes[k] as number[]) {
      const pool = rng.shuffle(remaining[c] as number[]);
      const take = shardSize[c] as number;
      mine.push(...pool.slice(0, take));
      remaining[c] = pool.slice(take);
      counts[k * C + c] = take;
    }
    clients.push(mine.sort((a, b) => a - b));
  }
  return { clients, counts, classes, numClients: K, numClasses: C };
}
