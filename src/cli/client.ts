// Headless client node: the same vault, federation link and cycle orchestrator as the desktop
// app, with labels coming from a CSV or an oracle (.npz labels) instead of a clinician.
// For lab-internal rounds and the loopback tests. `npm run client -- --help`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readMedMnist, splitAsRgb, type SplitName } from '../engine/data/npz';
import { createClientNode, type ClientNode } from '../main/services/client-node';
import { ApiEventBus } from '../main/services/event-bus';
import { FileSecretStore } from '../main/services/federation/secret-store';
import { webMediaUrl } from '../main/services/vault/media-store';
import type { EvaluationSet } from '../main/services/cycle/orchestrator';
import { LABEL_SET_PRESETS, StandaloneModelSchema, type Queue, type StandaloneModel } from '../shared/api';

const HELP = `FairFAL headless client: one federated (or standalone) client without a window.

Usage: npm run client -- --data-dir DIR [options]

Where the node keeps its state
  --data-dir DIR          vault, node.sqlite, models, 0600 credential file (required)

Taking part (once; remembered in the data dir)
  --server URL            federation server to join, e.g. http://127.0.0.1:8470
  --code CODE             enrolment code from the federation admin (ABCD-EFGH-JKLM-NPQR)
  --display-name NAME     how the admin sees this client
  --server-pin SHA256     trust only the server certificate with this fingerprint (self-signed
                          or private CA; see README "TLS"); or trust a private CA for all
                          connections with NODE_EXTRA_CA_CERTS=ca.pem
  --standalone            no server: active learning for this clinic alone
  --preset NAME           standalone label set: ham10000 | fundus
  --classes A,B,C         standalone label set given by name (instead of --preset)
  --budget N              standalone: labels per cycle (default 50)
  --epochs N              standalone: training epochs per cycle (default 10; the recipe trains
                          at least 400 steps whatever the label count)
  --image-size N          standalone: side of the model's square input, 28 | 64 | 96 (default 28)
  --model NAME            standalone: cnn4conv (the paper's, default) | resnet9s (small residual net)
  --backbone PATH         a pretrained feature extractor (TensorFlow.js model.json or .onnx): standalone
                          trains a linear head on its features; a federation on a backbone needs its file
  --backbone-mode M       standalone: frozen (default: a head on its features) | fine-tune-last-block
  --share-metrics         federated: send this site's held-out accuracy to the federation (default: withheld)

Images
  --import PATH           folder (recursive), image file or MedMNIST .npz; repeatable
  --npz-split NAME        only this split of .npz archives: train | val | test; repeatable
  --npz-shard I/K         only images with index % K == I (a client's partition)
                          Imports make what training needs (tensors); display previews are
                          not built here but by the desktop app if it opens this --data-dir.

Labels (the annotator of a headless client)
  --labels-csv FILE       CSV with a header; columns: file name (or sha256 sample id), class
                          (name from the label set or 0-based index). Extra columns ignored.
  --oracle                label from the labels stored in the imported .npz archives
  --initial-labels F      before the first cycle, label this random fraction of the pool
                          (the paper starts at 0.05); default 0.05 when --oracle is set
  --seed N                seed of the initial random labels (default 1)

Running
  --cycles N              stop after N labeled queries (default: until the federation finishes;
                          standalone default 1)
  --eval-npz FILE         measure each cycle's model on this archive's split (default split test)
  --eval-split NAME       split of --eval-npz (default test)
  --local-only-epochs N   FairFAL local-only model epochs (default 50, early stop at 99%)
  --long-poll-ms N        how long one /task request may wait (default 20000)
  --json                  one JSON line per event on stdout (queue, status, done)
  --help                  this text
`;

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    server: { type: 'string' },
    code: { type: 'string' },
    'server-pin': { type: 'string' },
    'display-name': { type: 'string' },
    standalone: { type: 'boolean', default: false },
    preset: { type: 'string' },
    classes: { type: 'string' },
    budget: { type: 'string' },
    'image-size': { type: 'string' },
    model: { type: 'string' },
    backbone: { type: 'string' },
    'backbone-mode': { type: 'string' },
    'share-metrics': { type: 'boolean' },
    epochs: { type: 'string' },
    import: { type: 'string', multiple: true },
    'npz-split': { type: 'string', multiple: true },
    'npz-shard': { type: 'string' },
    'labels-csv': { type: 'string' },
    oracle: { type: 'boolean', default: false },
    'initial-labels': { type: 'string' },
    seed: { type: 'string', default: '1' },
    cycles: { type: 'string' },
    'eval-npz': { type: 'string' },
    'eval-split': { type: 'string', default: 'test' },
    'local-only-epochs': { type: 'string' },
    'long-poll-ms': { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

class UsageError extends Error {}

function int(name: string, v: string | undefined, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${v}'`);
  return n;
}

const say = (obj: Record<string, unknown>) => {
  if (values.json) console.log(JSON.stringify(obj));
  else console.error(`[client] ${Object.entries(obj).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' ')}`);
};

async function main(): Promise<number> {
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const dataDir = values['data-dir'];
  if (!dataDir) throw new UsageError('--data-dir is required (see --help)');
  const splits = (values['npz-split'] ?? []).map((s) => {
    if (s !== 'train' && s !== 'val' && s !== 'test') throw new UsageError(`--npz-split must be train, val or test, got '${s}'`);
    return s as SplitName;
  });
  let shard: { index: number; count: number } | undefined;
  if (values['npz-shard']) {
    const m = /^(\d+)\/(\d+)$/.exec(values['npz-shard']);
    if (!m || Number(m[1]) >= Number(m[2])) throw new UsageError(`--npz-shard must look like I/K with I < K, got '${values['npz-shard']}'`);
    shard = { index: Number(m[1]), count: Number(m[2]) };
  }
  const evaluation = loadEvaluation();
  const events = new ApiEventBus();
  const node = createClientNode({
    dataDir: path.resolve(dataDir),
    events,
    secrets: new FileSecretStore(path.join(path.resolve(dataDir), 'secrets')),
    mediaUrl: webMediaUrl,
    // Nothing is shown here: previews are left for the app to build if it ever opens this data dir.
    backgroundMedia: false,
    ...(evaluation ? { evaluation: () => evaluation } : {}),
    ...(values['long-poll-ms'] ? { longPollMs: int('long-poll-ms', values['long-poll-ms']) as number } : {}),
    ...(values['local-only-epochs'] ? { localOnlyEpochs: int('local-only-epochs', values['local-only-epochs'], 1) as number } : {}),
    log: (line) => console.error(`[client-node] ${line}`),
  });
  try {
    // 1. Images.
    if (values.import?.length) {
      const job = node.vault.startImport(values.import, { ...(splits.length ? { npzSplits: splits } : {}), ...(shard ? { npzShard: shard } : {}) });
      const end = await job.done;
      say({ event: 'import', state: end.state, imported: end.imported, duplicates: end.duplicates, rejected: end.rejected, total: node.vault.index.count() });
      // Flag and report, never hold back: nobody is there to confirm.
      const review = await node.services.vault.getImportReview({ importId: end.importId });
      if (review.modality.unlike.length > 0 || review.nearDuplicates.length > 0) {
        const name = new Map(node.vault.index.getSamples([...review.modality.unlike.map((u) => u.sampleId), ...review.nearDuplicates.flatMap((d) => [d.sampleId, d.matchId])]).map((r) => [r.id, r.name]));
        say({
          event: 'import-review',
          unlikeWorkspace: review.modality.unlike.slice(0, 100).map((u) => ({ image: name.get(u.sampleId), distance: Math.round(u.distance * 100) / 100 })),
          unlikeCount: review.modality.unlike.length,
          comparedWith: review.modality.comparedWith,
          nearDuplicates: review.nearDuplicates.slice(0, 100).map((d) => ({ image: name.get(d.sampleId), looksLike: name.get(d.matchId), bits: d.distance })),
          nearDuplicateCount: review.nearDuplicates.length,
        });
      }
    }
    // 2. Taking part.
    const mode = node.orchestrator.state().mode;
    if (mode === 'none') {
      if (values.server) {
        if (!values.code) throw new UsageError('--server needs --code to join');
        await node.services.federation.join({
          serverUrl: values.server,
          code: values.code,
          ...(values['display-name'] ? { displayName: values['display-name'] } : {}),
          ...(values['server-pin'] ? { certificatePin: values['server-pin'] } : {}),
        });
        const warning = (await node.services.federation.getConnection(undefined)).transportWarning;
        if (warning) say({ event: 'warning', message: warning });
      } else if (values.standalone) {
        const preset = values.preset;
        if (preset !== undefined && !(preset in LABEL_SET_PRESETS)) throw new UsageError(`--preset must be ${Object.keys(LABEL_SET_PRESETS).join(' or ')}`);
        await node.services.federation.startStandalone({
          name: 'Headless standalone',
          ...(preset ? { preset: preset as keyof typeof LABEL_SET_PRESETS } : {}),
          ...(values.classes ? { classNames: values.classes.split(',').map((s) => s.trim()) } : {}),
          budgetPerCycle: int('budget', values.budget, 1) ?? 50,
          epochs: int('epochs', values.epochs, 1) ?? 10,
          strategy: 'fairfal',
          ...(values['image-size'] ? { imageSize: imageSize(values['image-size']) } : {}),
          ...(values.model ? { model: standaloneModel(values.model) } : {}),
          ...(values.backbone ? { backbonePath: values.backbone, backboneMode: backboneMode(values['backbone-mode']) } : {}),
        });
      } else {
        throw new UsageError('not part of anything yet: give --server URL --code CODE, or --standalone (see --help)');
      }
    }
    const task = node.orchestrator.task();
    if (!task) throw new Error('no task after joining');
    if (task.backbone && values.backbone && !(await node.services.federation.getBackbone(undefined)).installed) {
      await node.services.federation.installBackbone({ path: values.backbone });
    }
    if (task.backbone) say({ event: 'backbone', sha256: task.backbone.sha256, featureDim: task.backbone.featureDim, installed: (await node.services.federation.getBackbone(undefined)).installed });
    // The site's allow-list (issue 19): held-out accuracy leaves only when the site opts in.
    if (values['share-metrics']) {
      const policy = await node.services.federation.getReportPolicy(undefined);
      await node.services.federation.setReportPolicy({ ...policy, metrics: 'share' });
    }
    say({ event: 'joined', mode: node.orchestrator.state().mode, task: task.name, classes: task.classNames.length, pool: node.vault.index.count() });

    // 3. The annotator: CSV and/or oracle.
    const annotate = buildAnnotator(node, task.classNames);
    const initial = Number(values['initial-labels'] ?? (values.oracle ? '0.05' : '0'));
    if (node.orchestrator.state().mode !== 'none' && node.orchestrator.labels().size === 0 && initial > 0) {
      const ids = seededShuffle(node.vault.index.allIds(), int('seed', values.seed) ?? 1);
      const picked = ids.slice(0, Math.max(1, Math.round(ids.length * initial)));
      const labels = annotate(picked);
      node.orchestrator.submitLabels(labels, false);
      say({ event: 'initial-labels', count: labels.length, sampleIds: labels.map((l) => l.sampleId) });
    }

    // 4. Follow the cycle until done.
    const maxCycles = int('cycles', values.cycles, 1) ?? (node.orchestrator.state().mode === 'standalone' ? 1 : Infinity);
    let answered = 0;
    const done = new Promise<void>((resolve) => {
      const onQueue = (q: Queue) => {
        const labels = annotate(q.items.map((i) => i.sampleId));
        say({ event: 'queue', cycle: q.cycle, strategy: q.details.strategy ?? null, details: q.details, items: q.items.map((i) => ({ sampleId: i.sampleId, reason: i.reason, prediction: i.prediction.label })), labeled: labels.length });
        const all = node.orchestrator.labels();
        for (const l of labels) all.set(l.sampleId, l.label);
        answered++;
        const last = answered >= maxCycles;
        node.orchestrator.submitLabels([...all].map(([sampleId, label]) => ({ sampleId, label })), node.orchestrator.state().mode === 'federated' || !last);
        if (last && node.orchestrator.state().mode === 'standalone') resolve();
        if (last && node.orchestrator.state().mode === 'federated' && maxCycles !== Infinity) setTimeout(resolve, 500);
      };
      events.listen((service, event, payload) => {
        if (service === 'cycle' && event === 'queueReady') setImmediate(() => onQueue(payload as Queue));
        if (service === 'cycle' && event === 'statusChanged') {
          const s = payload as { step: string; message: string; cycle: number; round: number | null; busy: boolean };
          if (!s.busy) say({ event: 'status', step: s.step, cycle: s.cycle, round: s.round, message: s.message });
          if (s.step === 'finished' || (s.step === 'error' && /refused this client/.test(s.message))) resolve();
        }
      });
      // A queue already waiting from before a restart is answered too.
      const s = node.orchestrator.state();
      if (s.step === 'labeling') setImmediate(() => onQueue(node.orchestrator.queue()));
      if (s.step === 'finished') resolve();
    });
    await node.resume();
    if (node.orchestrator.state().mode === 'standalone') node.orchestrator.startLocalWork();
    await done;
    await node.link.flush(true).catch(() => undefined);
    say({ event: 'done', step: node.orchestrator.state().step, message: node.orchestrator.state().message, cycle: node.orchestrator.state().cycle, metrics: node.orchestrator.metrics(), outboxPending: node.link.outbox.pendingCount() });
    return 0;
  } finally {
    await node.close();
  }
}

/** Labels for sample ids from the CSV (by file name or id) and/or the .npz labels. */
function buildAnnotator(node: ClientNode, classNames: readonly string[]) {
  const byName = new Map<string, number>();
  if (values['labels-csv']) {
    const rows = readFileSync(values['labels-csv'], 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
    for (const line of rows.slice(1)) {
      const [key, cls] = line.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
      if (!key || cls === undefined) continue;
      const idx = /^\d+$/.test(cls) ? Number(cls) : classNames.indexOf(cls);
      if (idx < 0 || idx >= classNames.length) throw new UsageError(`${values['labels-csv']}: class '${cls}' is not in the label set (${classNames.join(', ')})`);
      byName.set(key, idx);
    }
  }
  return (ids: readonly string[]): { sampleId: string; label: number }[] => {
    const out: { sampleId: string; label: number }[] = [];
    for (const row of node.vault.index.getSamples(ids)) {
      const fromCsv = byName.get(row.id) ?? byName.get(row.name) ?? byName.get(path.parse(row.name).name);
      const label = fromCsv ?? (values.oracle ? row.source_label : null);
      if (label !== null && label !== undefined && label < classNames.length) out.push({ sampleId: row.id, label });
    }
    return out;
  };
}

function loadEvaluation(): EvaluationSet | null {
  const file = values['eval-npz'];
  if (!file) return null;
  const split = values['eval-split'] as SplitName;
  const s = readMedMnist(file).splits[split];
  if (!s) throw new UsageError(`${file} has no '${split}' split`);
  const images = splitAsRgb(s);
  return { describe: `${path.basename(file)} ${split} split (${s.count} images)`, data: { images, labels: s.labels, count: s.count, height: s.height, width: s.width, channels: 3 } };
}

function backboneMode(v: string | undefined): 'frozen' | 'fine-tune-last-block' {
  if (v === undefined || v === 'frozen' || v === 'fine-tune-last-block') return v ?? 'frozen';
  throw new UsageError(`--backbone-mode must be frozen or fine-tune-last-block, got '${v}'`);
}

function standaloneModel(v: string): StandaloneModel {
  const parsed = StandaloneModelSchema.safeParse(v);
  if (!parsed.success) throw new UsageError(`--model must be ${StandaloneModelSchema.options.join(' or ')}, got '${v}'`);
  return parsed.data;
}

function imageSize(v: string): 28 | 64 | 96 {
  if (v === '28' || v === '64' || v === '96') return Number(v) as 28 | 64 | 96;
  throw new UsageError(`--image-size must be 28, 64 or 96, got '${v}'`);
}

function seededShuffle<T>(xs: T[], seed: number): T[] {
  let st = seed >>> 0 || 1;
  const rnd = () => {
    st ^= st << 13;
    st ^= st >>> 17;
    st ^= st << 5;
    return (st >>> 0) / 2 ** 32;
  };
  const a = [...xs].sort();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}`);
      process.exit(2);
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
