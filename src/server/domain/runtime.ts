// What the domain needs from the outside world, injectable for tests: a clock, a logger and
// fault-injection points (the crash tests SIGKILL the process at one of them).

export type Clock = () => number;
export const systemClock: Clock = () => Date.now();

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

/** One JSON object per line on stdout (warn/error on stderr). */
export function jsonLogger(minLevel: LogLevel = 'info', clock: Clock = systemClock): Logger {
  const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
  return (level, msg, fields) => {
    if (order[level] < order[minLevel]) return;
    const line = JSON.stringify({ t: new Date(clock()).toISOString(), level, msg, ...fields }) + '\n';
    (level === 'warn' || level === 'error' ? process.stderr : process.stdout).write(line);
  };
}

export const silentLogger: Logger = () => undefined;

/** Points in the write path where a crash is most interesting. */
export type FaultPoint =
  | 'update:blob-written' // update blob durable, DB row not yet committed
  | 'update:committed'
  | 'aggregate:blobs-written' // new global version on disk, round not yet closed in the DB
  | 'aggregate:committed' // round closed, update blobs not yet cleaned up
  | 'masked:blob-written' // secure aggregation: a masked upload on disk, its row not yet committed
  | 'masked:committed'
  | 'reveal:committed'; // secure aggregation: a survivor's shares stored, the sum not yet unmasked

export type FaultHook = (point: FaultPoint) => void;
