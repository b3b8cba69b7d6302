// What every way of serving a federation shares: open its data folder, recover the coordinator
// after a crash, and run the deadline timer. The socket server and the in-memory transport
// wrap this with their own way of carrying requests.
import { BlobStore } from '../platform/blob-store';
import type { Durability } from '../platform/sqlite';
import { openDatabase } from './data/db';
import { FederationStore } from './data/store';
import { FederationCoordinator } from './domain/coordinator';
import { jsonLogger, systemClock, type Clock, type FaultHook, type Logger } from './domain/runtime';

export interface CoordinatorHostOptions {
  /** Directory holding federation.sqlite and blobs/ (created by `server federation create`). */
  dataDir: string;
  clock?: Clock;
  logger?: Logger;
  /** How often deadlines are checked (ms). Default 1000; 0 disables the timer (tests drive it). */
  tickIntervalMs?: number;
  /** retryAfterMs in 'wait' tasks. */
  pollIntervalMs?: number;
  fault?: FaultHook;
  /** SQLite durability (platform/sqlite.ts); a simulation's server needs only 'process-crash'. */
  durability?: Durability;
}

export interface CoordinatorHost {
  coordinator: FederationCoordinator;
  log: Logger;
  /** Runs the deadline check now (tests with an injected clock call this). */
  tick(): void;
  close(): void;
}

export function openCoordinator(opts: CoordinatorHostOptions): CoordinatorHost {
  const clock = opts.clock ?? systemClock;
  const log = opts.logger ?? jsonLogger('info', clock);
  const db = openDatabase(opts.dataDir, opts.durability);
  const store = new FederationStore(db);
  if (!store.hasFederation()) {
    db.close();
    throw new Error(`no federation in ${opts.dataDir}; create one with \`npm run server -- federation create --config f.json --data-dir ${opts.dataDir}\``);
  }
  const coordinator = new FederationCoordinator({
    store,
    blobs: new BlobStore(opts.dataDir),
    clock,
    log,
    ...(opts.fault ? { fault: opts.fault } : {}),
    ...(opts.pollIntervalMs !== undefined ? { pollIntervalMs: opts.pollIntervalMs } : {}),
  });
  coordinator.recover();
  const tick = () => {
    try {
      coordinator.engine.advance();
    } catch (e) {
      log('error', 'state machine tick failed', { error: (e as Error).stack ?? String(e) });
    }
  };
  const interval = opts.tickIntervalMs ?? 1000;
  const timer = interval > 0 ? setInterval(tick, interval) : null;
  timer?.unref();
  let closed = false;
  return {
    coordinator,
    log,
    tick,
    close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      db.close();
    },
  };
}
