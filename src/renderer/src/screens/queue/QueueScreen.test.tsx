// @vitest-environment jsdom
// The queue screen with a real Dexie (fake-indexeddb): keys label, undo reverts, unsure and
// skip behave, and every decision is in the database the moment the key handler returns.
import 'fake-indexeddb/auto';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiClient, CycleStatus } from '../../../../shared/api';
import { ApiProvider } from '../../api/ApiContext';
import type { HostConnection } from '../../api/connection';
import { AnnotatorDb } from '../../db/database';
import type { SampleRow } from '../../db/rows';
import { describeClasses } from '../../domain/classes';
import { DEFAULT_SETTINGS } from '../../hooks/useSettings';
import type { NodeSync } from '../../sync/node-sync';
import { WorkspaceContext, type Workspace } from '../../workspace/WorkspaceContext';
import { QueueScreen } from './QueueScreen';

const id = (i: number) => i.toString(16).padStart(64, '0');
let db: AnnotatorDb;
let n = 0;

const status: CycleStatus = {
  step: 'labeling', cycle: 0, round: null, roundsPerCycle: 1, busy: false, progress: null, message: 'Label the queue',
  budget: 4, labeledThisCycle: 0, labeledTotal: 0, poolSize: 10, updatedAt: new Date(0).toISOString(),
};

function sample(i: number): SampleRow {
  return { id: id(i), fileName: `ISIC_${i}.jpg`, previewUrl: null, width: 600, height: 450, importedAt: 't', seq: i, status: 'queued', labelClass: -1, predictedClass: 5, predictedProb: 0.6 };
}

beforeEach(async () => {
  db = new AnnotatorDb(`queue-screen-${n++}`);
  await db.samples.bulkAdd([1, 2, 3, 4].map(sample));
  await db.queue.bulkAdd([1, 2, 3, 4].map((i) => ({
    cycle: 0, sampleId: id(i), rank: i - 1, state: 'pending' as const, addedAt: '2026-01-01T00:00:00.000Z',
    reason: { strategy: 'fairfal', rank: i - 1, pseudoLabel: 4, prototypeProb: 0.55, normalizedEntropy: 0.8, queryModel: 'global' as const, kcenterDistance: 1.25, classRank: 0, score: null },
    prediction: { label: 5, probs: [0.05, 0.05, 0.05, 0.05, 0.15, 0.6, 0.05] },
  })));
});
afterEach(async () => {
  cleanup();
  db.close();
  await db.delete();
});

function renderQueue(cycleStatus: CycleStatus = status) {
  const never = () => Promise.reject(new Error('not in this test'));
  const client = new Proxy({}, { get: () => new Proxy({}, { get: () => never }) }) as unknown as ApiClient;
  const connection: HostConnection = { client, host: 'web', subscribeState: () => () => {}, state: () => 'open' };
  const ws: Workspace = {
    db,
    sync: { drain: never } as unknown as NodeSync,
    syncState: { syncing: false, lastSyncAt: null, lastError: null, ignored: [] },
    settings: { ...DEFAULT_SETTINGS, annotator: 'Dr Test' },
    updateSettings: async () => {},
    sessionId: null,
    connection: { value: null, error: null, set: () => {} },
    cycle: { value: cycleStatus, error: null },
    metrics: { value: [], error: null },
    classes: describeClasses(['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc']),
    annotatorName: 'Dr Test',
  };
  const tree = (w: Workspace) => (
    <ApiProvider connection={connection}>
      <WorkspaceContext.Provider value={w}>
        <QueueScreen />
      </WorkspaceContext.Provider>
    </ApiProvider>
  );
  const r = render(tree(ws));
  return { ...r, nextCycle: (c: CycleStatus) => r.rerender(tree({ ...ws, cycle: { value: c, error: null } })) };
}

const key = (k: string) => act(() => void fireEvent.keyDown(window, { key: k }));
const label = async (sid: string) => (await db.labels.get(sid))?.classIndex;

describe('QueueScreen keyboard', () => {
  it('labels with digit keys, shows why each image was chosen, and persists every label', async () => {
    renderQueue();
    expect(await screen.findByTestId('current-file')).toHaveProperty('textContent', 'ISIC_1.jpg');
    expect(screen.getByTestId('reason-panel').textContent).toMatch(/Melanoma/);
    expect(screen.getByTestId('reason-panel').textContent).toMatch(/80%/);
    expect(screen.getByTestId('prediction').querySelector('li.top')?.textContent).toMatch(/Melanocytic nevus.*60%/);
    await key('5');
    await waitFor(() => expect(screen.getByTestId('current-file').textContent).toBe('ISIC_2.jpg'));
    await key('2');
    await waitFor(async () => expect(await label(id(2))).toBe(1));
    expect(await label(id(1))).toBe(4);
    expect(await db.labels.get(id(1))).toMatchObject({ annotator: 'Dr Test', cycle: 0 });
    await waitFor(() => expect(screen.getByTestId('queue-progress').textContent).toMatch(/2\s*\/ 4 labeled/));
  });

  it('Z undoes the last label in the database and returns to that image', async () => {
    renderQueue();
    await screen.findByTestId('current-file');
    await key('1');
    await key('3');
    await waitFor(async () => expect(await label(id(2))).toBe(2));
    await key('z');
    await waitFor(async () => expect(await label(id(2))).toBeUndefined());
    expect(await label(id(1))).toBe(0);
    expect(screen.getByTestId('current-file').textContent).toBe('ISIC_2.jpg');
    const history = await db.labelHistory.where('sampleId').equals(id(2)).sortBy('id');
    expect(history.map((h) => h.action)).toEqual(['label', 'undo']);
    // The outbox ends with the undo for that sample, not the label.
    const pending = await db.outbox.where('state').equals('pending').toArray();
    expect(pending.find((o) => o.sampleId === id(2))?.kind).toBe('clear');
  });

  it('U marks unsure and S skips without writing; the mouse buttons do the same', async () => {
    renderQueue();
    await screen.findByTestId('current-file');
    await key('u');
    await waitFor(async () => expect((await db.samples.get(id(1)))?.status).toBe('unsure'));
    await key('s');
    expect(screen.getByTestId('current-file').textContent).toBe('ISIC_3.jpg');
    expect(await db.samples.get(id(2))).toMatchObject({ status: 'queued' });
    fireEvent.click(screen.getByTestId('class-vasc'));
    await waitFor(async () => expect(await label(id(3))).toBe(6));
    fireEvent.click(screen.getByTestId('btn-undo'));
    await waitFor(async () => expect(await label(id(3))).toBeUndefined());
  });

  it('ignores keys typed into a text field and keys without meaning', async () => {
    renderQueue();
    await screen.findByTestId('current-file');
    const input = document.createElement('input');
    document.body.appendChild(input);
    await act(() => void fireEvent.keyDown(input, { key: '1' }));
    await key('9');
    await key('q');
    expect(screen.getByTestId('current-file').textContent).toBe('ISIC_1.jpg');
    expect(await db.labels.count()).toBe(0);
    input.remove();
  });

  it('a new cycle starts with an empty undo stack: Z never reverts a submitted cycle', async () => {
    const view = renderQueue();
    await screen.findByTestId('current-file');
    await key('1');
    await waitFor(async () => expect(await label(id(1))).toBe(0));
    await db.samples.bulkAdd([5, 6].map(sample));
    await db.queue.bulkAdd([5, 6].map((i) => ({
      cycle: 1, sampleId: id(i), rank: i - 5, state: 'pending' as const, addedAt: '2026-01-01T00:00:00.000Z', prediction: null,
      reason: { strategy: 'fairfal', rank: i - 5, pseudoLabel: 0, prototypeProb: 0.5, normalizedEntropy: 0.5, queryModel: 'local' as const, kcenterDistance: null, classRank: 0, score: null },
    })));
    view.nextCycle({ ...status, cycle: 1 });
    await waitFor(() => expect(screen.getByTestId('current-file').textContent).toBe('ISIC_5.jpg'));
    expect(screen.getByTestId('btn-undo')).toHaveProperty('disabled', true);
    await key('z');
    expect(await label(id(1))).toBe(0);
    await key('2');
    await waitFor(async () => expect(await db.labels.get(id(5))).toMatchObject({ classIndex: 1, cycle: 1 }));
  });
});
