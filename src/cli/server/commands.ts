// `server` subcommands: federation create, serve, enrol-code, revoke, status.
// Admin commands work on the data directory directly (SQLite in WAL mode allows it while the
// server runs); they only write rows and never advance the state machine themselves.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { FederationConfigSchema } from '../../shared/wire';
import { BlobStore } from '../../platform/blob-store';
import { openDatabase } from '../../server/data/db';
import { FederationStore } from '../../server/data/store';
import { buildStatus } from '../../server/domain/status-view';
import {
  createFederation,
  engineInitialWeights,
  FederationCoordinator,
  jsonLogger,
  pretrainedInitialWeights,
  readInitialWeightsFile,
  startServer,
  type Logger,
} from '../../server';
import { num, parse, UsageError } from './args';
import { PRIVACY_OPTIONS, privacySummary, withPrivacyFlags } from './privacy-flags';

export async function federationCreate(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    config: { type: 'string' },
    'initial-weights': { type: 'string' },
    pretrained: { type: 'string' },
    seed: { type: 'string' },
    ...PRIVACY_OPTIONS,
  });
  if (!values.config) throw new UsageError('federation create needs --config f.json');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(values.config, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read ${values.config} as JSON: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UsageError(`${values.config} must hold one JSON object (the federation config)`);
  const parsed = FederationConfigSchema.safeParse(withPrivacyFlags(json as Record<string, unknown>, values));
  if (!parsed.success) throw new UsageError(`${values.config} is not a valid federation config:\n${z.prettifyError(parsed.error)}`);
  const config = parsed.data;
  if (config.pretrained && !values.pretrained) throw new UsageError('this config fine-tunes a pretrained network: give its model.json with --pretrained');
  const initialWeights = values.pretrained
    ? pretrainedInitialWeights(config, values.pretrained, num('seed', values.seed, 0))
    : values['initial-weights']
      ? readInitialWeightsFile(values['initial-weights'])
      : engineInitialWeights(config, num('seed', values.seed, 0));
  const dataDir = values['data-dir'];
  const created = createFederation({ dataDir, config, initialWeights });
  process.stdout.write(
    [
      `Federation "${config.name}" created in ${dataDir}`,
      `  model ${config.model.name} ${config.model.inputShape.join('x')}, ${created.paramCount} parameters`,
      `  initial version ${created.initialModelHash}`,
      ...privacySummary(config),
      '',
      `  ADMIN TOKEN (shown once, store it safely): ${created.adminToken}`,
      '',
      `Next: npm run server -- serve --data-dir ${dataDir}`,
      `      npm run server -- enrol-code --data-dir ${dataDir}`,
      '',
    ].join('\n'),
  );
}

export async function serve(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8787' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
  });
  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) throw new UsageError('--tls-cert and --tls-key go together');
  const level = z.enum(['debug', 'info', 'warn', 'error']).safeParse(values['log-level']);
  if (!level.success) throw new UsageError('--log-level must be debug, info, warn or error');
  const logger: Logger = jsonLogger(level.data);
  const server = await startServer({
    dataDir: values['data-dir'],
    host: values.host,
    port: num('port', values.port, 8787),
    logger,
    ...(values['tls-cert'] && values['tls-key'] ? { tls: { cert: values['tls-cert'], key: values['tls-key'] } } : {}),
  });
  const shutdown = (signal: string) => {
    logger('info', 'shutting down', { signal });
    void server.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

function withStore<T>(dataDir: string, fn: (store: FederationStore, dataDir: string) => T): T {
  const db = openDatabase(dataDir);
  try {
    const store = new FederationStore(db);
    if (!store.hasFederation()) throw new UsageError(`no federation in ${dataDir}; run \`server federation create\` first`);
    return fn(store, dataDir);
  } finally {
    db.close();
  }
}

export async function enrolCode(argv: string[]): Promise<void> {
  const { values } = parse(argv, { count: { type: 'string', default: '1' }, 'ttl-hours': { type: 'string', default: '72' } });
  const count = num('count', values.count, 1);
  if (!Number.isInteger(count) || count < 1 || count > 1000) throw new UsageError('--count must be an integer from 1 to 1000');
  const ttl = num('ttl-hours', values['ttl-hours'], 72);
  if (!(ttl > 0)) throw new UsageError('--ttl-hours must be positive');
  withStore(values['data-dir'], (store, dataDir) => {
    const service = new FederationCoordinator({ store, blobs: new BlobStore(dataDir) });
    const { codes, expiresAt } = service.createEnrolmentCodes(count, ttl);
    process.stdout.write(`${codes.join('\n')}\n(one-time codes, valid until ${expiresAt})\n`);
  });
}

export async function revoke(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {});
  const clientId = positionals[0];
  if (!clientId) throw new UsageError('usage: server revoke <clientId>');
  withStore(values['data-dir'], (store) => {
    if (!store.client(clientId)) throw new UsageError(`no client ${clientId}`);
    if (!store.revokeClient(clientId, Date.now())) throw new UsageError(`client ${clientId} is already revoked`);
    process.stdout.write(`revoked ${clientId}; its credential no longer works\n`);
  });
}

export async function status(argv: string[]): Promise<void> {
  const { values } = parse(argv, {});
  withStore(values['data-dir'], (store) => process.stdout.write(JSON.stringify(buildStatus(store), null, 2) + '\n'));
}
