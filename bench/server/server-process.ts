// The federation server in its own process for the benchmark (so load generator and server
// don't share an event loop). Prints {"url"} then JSON log lines on stdout.
import { jsonLogger, startServer } from '../../src/server';

const dataDir = process.env.FF_DATA_DIR;
if (!dataDir) throw new Error('FF_DATA_DIR is required');
const server = await startServer({ dataDir, logger: jsonLogger('info'), pollIntervalMs: Number(process.env.FF_POLL_MS ?? 500), tickIntervalMs: 1000 });
process.stdout.write(JSON.stringify({ url: server.url, pid: process.pid }) + '\n');
