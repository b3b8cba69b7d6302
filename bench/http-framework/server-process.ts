// One federation server in its own process for compare.ts: FF_HTTP=hand-written|fastify picks the
// transport. Prints {"url","pid"} on stdout once listening.
import { jsonLogger, startServer } from '../../src/server';
import { startHandWrittenServer } from './hand-written-server';

const dataDir = process.env.FF_DATA_DIR;
if (!dataDir) throw new Error('FF_DATA_DIR is required');
const start = process.env.FF_HTTP === 'hand-written' ? startHandWrittenServer : startServer;
const server = await start({ dataDir, logger: jsonLogger('warn'), pollIntervalMs: 500, tickIntervalMs: 1000 });
process.stdout.write(JSON.stringify({ url: server.url, pid: process.pid }) + '\n');
