// A federation server in its own process for the crash tests. Prints {"url": ...} on stdout
// once listening. FF_CRASH_AT=<fault point> makes it SIGKILL itself the first time that point
// is reached (a real kill -9: no cleanup, no flush, no exit handlers).
import { startServer, silentLogger, type FaultPoint } from '../index';

const dataDir = process.env.FF_DATA_DIR;
if (!dataDir) throw new Error('FF_DATA_DIR is required');
const crashAt = process.env.FF_CRASH_AT as FaultPoint | undefined;

const server = await startServer({
  dataDir,
  logger: silentLogger,
  tickIntervalMs: 50,
  fault: (point) => {
    if (point === crashAt) process.kill(process.pid, 'SIGKILL');
  },
});
process.stdout.write(JSON.stringify({ url: server.url }) + '\n');
