// The client node against a stand-in federation server (main's tests may not import
// src/server; the real server runs in src/cli/client.federated.test.ts): it joins a SCAFFOLD
// federation and completes a round with weights + control delta in the server's wire format,
// and after a restart it delivers an update that was waiting in the outbox instead of
// training that round again.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initWeights } from '../../../engine/model';
import { decodeUpdate, encodeModelBlob, FederationConfigSchema, type AggregationConfig, type DecodedUpdate } from '../../../shared/wire';
import { createClientNode, createDefaultEngine, type ClientNode } from '../client-node';
import type { Trainer } from '../../../engine/trainer';
import { ClientControlStore } from '../cycle/scaffold-state';
import { ApiEventBus } from '../event-bus';
import { FileSecretStore } from './secret-store';
import { taskFromFederation } from '../api/federation-api';
import { webMediaUrl } from '../vault/media-store';

const RETINA = path.resolve('../shared/datasets/retinamnist.npz');
const CODE = 'ABCD-EFGH-JKLM-NPQR';
const cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function config(aggregation: AggregationConfig) {
  return FederationConfigSchema.parse({
    name: 'stand-in', classNames: ['0', '1', '2', '3', '4'], model: { name: 'cnn4conv', inputShape: [28, 28, 3] },
    cycles: 1, roundsPerCycle: 1, localEpochs: 1, labelingBudgetPerCycle: 10, aggregation, minClientsPerRound: 1,
    roundDeadlineSeconds: 600, queryDeadlineSeconds: 600, labelingDeadlineSeconds: 600,
  });
}

interface StandIn {
  url: string;
  updates: number[];
  /** Every update body received, decoded. */
  bodies: DecodedUpdate[];
  initial: Float32Array;
  /** SCAFFOLD: the server control variate c the round hands out. */
  control: Float32Array | null;
  taskPolls: number;
  /** false: update POSTs lose their connection (the server is unreachable for them). */
  acceptUpdates: boolean;
}

/** Enrol, a train task for round 1 (offered again even after the update arrived), the model, updates. */
async function standIn(aggregation: AggregationConfig): Promise<StandIn> {
  const cfg = config(aggregation);
  const weights = initWeights({ name: 'cnn4conv', height: 28, width: 28, channels: 3, numClasses: 5 }, 1).data;
  const blob = encodeModelBlob(weights);
  const hash = createHash('sha256').update(blob).digest('hex');
  const paramCount = weights.length;
  // A non-zero c (as after some rounds), so the test sees it enter the client's control update.
  const control = aggregation.name === 'scaffold' ? Float32Array.from({ length: paramCount }, (_, i) => 0.01 * Math.sin(i)) : null;
  const controlBlob = control ? encodeModelBlob(control) : null;
  const controlHash = controlBlob ? createHash('sha256').update(controlBlob).digest('hex') : null;
  const state: StandIn = { url: '', updates: [], bodies: [], initial: weights, control, taskPolls: 0, acceptUpdates: false };
  const json = (res: ServerResponse, body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      if (req.method === 'POST' && url === '/v1/enrol') {
        json(res, { clientId: 'cl_0123456789abcdef', credential: `ffc_${'a'.repeat(43)}`, federation: { config: cfg, initialModelHash: hash, paramCount } });
      } else if (req.method === 'GET' && url.startsWith('/v1/task')) {
        state.taskPolls++;
        json(res, {
          kind: 'train', cycle: 0, deadline: new Date(Date.now() + 600_000).toISOString(), roundId: 1, roundIndex: 0, roundsPerCycle: 1,
          baseModelHash: hash, paramCount, localEpochs: 1, learningRate: 0.01, aggregation: cfg.aggregation,
          ...(controlHash ? { controlHash } : {}),
        });
      } else if (req.method === 'GET' && url === `/v1/models/${hash}`) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(Buffer.from(blob));
      } else if (controlBlob && req.method === 'GET' && url === `/v1/models/${controlHash}`) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(Buffer.from(controlBlob));
      } else if (req.method === 'POST' && url === '/v1/rounds/1/update') {
        if (!state.acceptUpdates) {
          req.socket.destroy();
          return;
        }
        const u = decodeUpdate(new Uint8Array(Buffer.concat(chunks)));
        // What the server's update validation demands of the vector count.
        if ((u.controlDelta !== undefined) !== (cfg.aggregation.name === 'scaffold')) {
          res.writeHead(422, { 'content-type': 'application/json' });
          res.end('{"error":{"code":"invalid_update","message":"wrong vector count for the aggregation"}}');
          return;
        }
        state.updates.push(u.header.roundId);
        state.bodies.push(u);
        json(res, { accepted: true, duplicate: false, roundId: 1 });
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"not_found","message":"stand-in"}}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  return state;
}

/** Counts the training runs of the real (worker) engine. */
function countingEngine(): { engine: Trainer; trains: () => number } {
  const inner = createDefaultEngine();
  let n = 0;
  const engine: Trainer = {
    specs: (t) => inner.specs(t),
    initialWeights: (t, s) => inner.initialWeights(t, s),
    train: (...a) => {
      n++;
      return inner.train(...a);
    },
    trainScaffold: (...a) => {
      n++;
      return inner.trainScaffold(...a);
    },
    trainLocalOnly: (...a) => inner.trainLocalOnly(...a),
    predict: (...a) => inner.predict(...a),
    backboneInfo: (f) => inner.backboneInfo(f),
    extractFeatures: (...a) => inner.extractFeatures(...a),
    evaluate: (...a) => inner.evaluate(...a),
    backend: () => inner.backend(),
    close: () => inner.close(),
  };
  return { engine, trains: () => n };
}

function openNode(dataDir: string, engine?: Trainer): ClientNode {
  const node = createClientNode({
    dataDir, events: new ApiEventBus(), secrets: new FileSecretStore(path.join(dataDir, 'secrets')), mediaUrl: webMediaUrl, longPollMs: 50,
    ...(engine ? { engine } : {}),
  });
  return node;
}

async function waitFor(pred: () => boolean, what: string, ms = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'fairfal-fedclient-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

describe('client node in a federation', () => {
  it('joins a SCAFFOLD federation and completes a round: weights plus the option-II control delta', async () => {
    const server = await standIn({ name: 'scaffold', globalLearningRate: 1 });
    server.acceptUpdates = true;
    const node = openNode(tempDir());
    cleanup.push(() => node.close());
    await node.vault.startImport([RETINA], { npzSplits: ['train'], npzShard: { index: 0, count: 40 } }).done;
    const page = await node.services.vault.listSamples({ offset: 0, limit: 100 });
    node.orchestrator.submitLabels(page.items.slice(0, 12).map((s) => ({ sampleId: s.id, label: s.sourceLabel ?? 0 })), false);
    await node.services.federation.join({ serverUrl: server.url, code: CODE });
    expect(node.orchestrator.state().mode).toBe('federated');
    await waitFor(() => server.updates.length === 1, 'the SCAFFOLD update');
    const u = server.bodies[0] as DecodedUpdate;
    const c = server.control as Float32Array;
    expect(u.controlDelta).toBeInstanceOf(Float32Array);
    const delta = u.controlDelta as Float32Array;
    expect(delta.length).toBe(u.weights.length);
    // 12 labels, batch 64, 1 epoch: one step at lr 0.01, and c_i started at 0, so
    // delta = c_i+ = -c + (x - y) / 0.01 on trainable weights and 0 on BatchNorm buffers.
    const specs = initWeights({ name: 'cnn4conv', height: 28, width: 28, channels: 3, numClasses: 5 }, 1).specs;
    let offset = 0;
    let worst = 0;
    for (const s of specs) {
      const size = s.shape.reduce((a, b) => a * b, 1);
      for (let i = offset; i < offset + size; i++) {
        if (!s.trainable) {
          expect(delta[i]).toBe(0);
          continue;
        }
        const want = -(c[i] as number) + ((server.initial[i] as number) - (u.weights[i] as number)) / 0.01;
        worst = Math.max(worst, Math.abs((delta[i] as number) - want) / (1 + Math.abs(want)));
      }
      offset += size;
    }
    expect(worst).toBeLessThan(1e-3);
    expect(delta.some((v) => v !== 0)).toBe(true);
    // The node kept c_i+ for the next round of this cycle.
    expect(Array.from(new ClientControlStore(node.db).forRound(0, 2, delta.length))).toEqual(Array.from(delta));
  });

  it('after a restart, delivers the update waiting in the outbox and does not train that round again', async () => {
    const server = await standIn({ name: 'fedavg' });
    const dataDir = tempDir();
    let node = openNode(dataDir);
    await node.vault.startImport([RETINA], { npzSplits: ['train'], npzShard: { index: 0, count: 40 } }).done;
    const e = await node.link.enrol(server.url, CODE);
    await node.orchestrator.configure('federated', taskFromFederation(e.federation));
    const page = await node.services.vault.listSamples({ offset: 0, limit: 100 });
    node.orchestrator.submitLabels(page.items.slice(0, 12).map((s) => ({ sampleId: s.id, label: s.sourceLabel ?? 0 })), false);
    node.orchestrator.start();
    // Trains round 1; the server never answers the upload, so the update waits in the outbox.
    await waitFor(() => node.link.outbox.get('update:1') !== null, 'the update in the outbox');
    expect(node.link.outbox.pendingCount()).toBe(1);
    await node.close();

    server.acceptUpdates = true;
    const counting = countingEngine();
    node = openNode(dataDir, counting.engine);
    cleanup.push(() => node.close());
    await node.resume();
    await waitFor(() => server.updates.length === 1, 'the delivered update');
    // The stand-in keeps offering round 1; the node must keep answering from its outbox.
    const polls = server.taskPolls;
    await waitFor(() => server.taskPolls >= polls + 3, 'more task polls');
    expect(counting.trains()).toBe(0);
    expect(server.updates).toEqual([1]);
    expect(node.link.outbox.pendingCount()).toBe(0);
  });
});
