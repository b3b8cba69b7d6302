// The ready report against a phase-driven stand-in server (main's tests may not import
// src/server): a random start set labeled while the federation trains sends no ready (the
// server would refuse it: "ready is reported in the labeling phase"), and the start set is
// this client's share of the federation's budget; the ready for the labeling phase's queue is
// delivered.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initWeights } from '../../../engine/model';
import { encodeModelBlob, FederationConfigSchema } from '../../../shared/wire';
import { createClientNode, type ClientNode } from '../client-node';
import { ApiEventBus } from '../event-bus';
import { FileSecretStore } from './secret-store';
import { webMediaUrl } from '../vault/media-store';

const RETINA = path.resolve('../shared/datasets/retinamnist.npz');
const CODE = 'ABCD-EFGH-JKLM-NPQR';
const cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

interface PhasedStandIn {
  url: string;
  phase: 'training' | 'labeling' | 'done';
  readyAttempts: number[];
  readyAccepted: number[];
  updates: number;
}

/** Training (round 1 of cycle 0) until an update arrives, then the labeling phase of cycle 0. */
async function phasedStandIn(queryBudget: number): Promise<PhasedStandIn> {
  const cfg = FederationConfigSchema.parse({
    name: 'phased', classNames: ['0', '1', '2', '3', '4'], model: { name: 'cnn4conv', inputShape: [28, 28, 3] },
    cycles: 2, roundsPerCycle: 1, localEpochs: 1, labelingBudgetPerCycle: 30, strategy: { name: 'random' }, minClientsPerRound: 3,
    roundDeadlineSeconds: 600, queryDeadlineSeconds: 600, labelingDeadlineSeconds: 600,
  });
  const weights = initWeights({ name: 'cnn4conv', height: 28, width: 28, channels: 3, numClasses: 5 }, 1).data;
  const blob = encodeModelBlob(weights);
  const hash = createHash('sha256').update(blob).digest('hex');
  const state: PhasedStandIn = { url: '', phase: 'training', readyAttempts: [], readyAccepted: [], updates: 0 };
  const reply = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const deadline = () => new Date(Date.now() + 600_000).toISOString();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const url = req.url ?? '';
      if (req.method === 'POST' && url === '/v1/enrol') {
        reply(res, 200, { clientId: 'cl_0123456789abcdef', credential: `ffc_${'a'.repeat(43)}`, federation: { config: cfg, initialModelHash: hash, paramCount: weights.length } });
      } else if (req.method === 'GET' && url.startsWith('/v1/task')) {
        if (state.phase === 'training') {
          reply(res, 200, {
            kind: 'train', cycle: 0, deadline: deadline(), roundId: 1, roundIndex: 0, roundsPerCycle: 1,
            baseModelHash: hash, paramCount: weights.length, localEpochs: 1, learningRate: 0.01, aggregation: cfg.aggregation,
          });
        } else if (state.phase === 'labeling') {
          reply(res, 200, { kind: 'query-and-label', cycle: 0, deadline: deadline(), modelHash: hash, gammaBar: 0.5, budget: queryBudget, strategy: cfg.strategy });
        } else reply(res, 200, { kind: 'wait', reason: 'stand-in is done', retryAfterMs: 50 });
      } else if (req.method === 'GET' && url === `/v1/models/${hash}`) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(Buffer.from(blob));
      } else if (req.method === 'POST' && url === '/v1/rounds/1/update') {
        state.updates++;
        state.phase = 'labeling';
        reply(res, 200, { accepted: true, duplicate: false, roundId: 1 });
      } else if (req.method === 'POST' && url === '/v1/cycles/0/ready') {
        state.readyAttempts.push(0);
        if (state.phase !== 'labeling') {
          reply(res, 409, { error: { code: 'wrong_phase', message: `ready is reported in the labeling phase; now: ${state.phase}, cycle 0` } });
          return;
        }
        state.readyAccepted.push(0);
        state.phase = 'done';
        reply(res, 200, { ok: true });
      } else reply(res, 404, { error: { code: 'not_found', message: 'stand-in' } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  return state;
}

async function waitFor(pred: () => boolean, what: string, ms = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('ready report', () => {
  it('is not sent for a start set labeled during training, and is delivered for the labeling phase queue', async () => {
    const server = await phasedStandIn(7);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'fairfal-ready-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const node: ClientNode = createClientNode({
      dataDir, events: new ApiEventBus(), secrets: new FileSecretStore(path.join(dataDir, 'secrets')), mediaUrl: webMediaUrl, longPollMs: 50, localOnlyEpochs: 2,
    });
    cleanup.push(() => node.close());
    await node.vault.startImport([RETINA], { npzSplits: ['train'], npzShard: { index: 0, count: 40 } }).done;
    await node.services.federation.join({ serverUrl: server.url, code: CODE });

    // No labels yet: a random start set of this client's share (30 labels / 3 clients), not the federation's 30.
    await waitFor(() => node.orchestrator.state().step === 'labeling', 'the random start set');
    const start = node.orchestrator.queue();
    expect(start.details.strategy).toBe('cold-start');
    expect(start.items).toHaveLength(10);
    const labelsOf = (ids: readonly string[]) => ids.map((sampleId, i) => ({ sampleId, label: i % 5 }));
    node.orchestrator.submitLabels(labelsOf(start.items.map((i) => i.sampleId)), true);
    // The node hands its labeled set back (a renderer on a new origin recovers from it).
    expect((await node.services.cycle.getLabels(undefined)).map((l) => l.label)).toEqual(expect.arrayContaining([0, 1, 2, 3, 4]));
    expect(await node.services.cycle.getLabels(undefined)).toHaveLength(10);

    // The labels train round 1; no ready is reported while the federation trains.
    await waitFor(() => server.updates === 1, 'the round 1 update');
    expect(server.readyAttempts).toEqual([]);
    expect(node.link.outbox.get('ready:0')).toBeNull();

    // The labeling phase: the server's query budget, then the one ready report for it.
    await waitFor(() => node.orchestrator.state().step === 'labeling' && node.orchestrator.state().labelingCycle === 0, 'the labeling phase queue');
    const queue = node.orchestrator.queue();
    expect(queue.items).toHaveLength(7);
    const all = [...start.items, ...queue.items].map((i) => i.sampleId);
    node.orchestrator.submitLabels(labelsOf(all), true);
    await waitFor(() => server.readyAccepted.length === 1, 'the ready report');
    expect(server.readyAttempts).toEqual([0]);
    expect(node.link.outbox.isDelivered('ready:0')).toBe(true);
  });
});
