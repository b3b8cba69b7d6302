// Opens the database at old versions with old-shaped rows, reopens it at the latest version
// and checks the upgrade functions carried every row over in the new shape.
import 'fake-indexeddb/auto';
import { Dexie } from 'dexie';
import { afterEach, describe, expect, it } from 'vitest';
import { AnnotatorDb } from './database';
import { LATEST_VERSION, MIGRATIONS } from './migrations';

const opened: AnnotatorDb[] = [];
function open(name: string, upTo?: number): AnnotatorDb {
  const db = new AnnotatorDb(name, upTo);
  opened.push(db);
  return db;
}
afterEach(async () => {
  const names = new Set<string>();
  for (const db of opened.splice(0)) {
    db.close();
    names.add(db.name);
  }
  for (const name of names) await Dexie.delete(name);
});

describe('annotator database migrations', () => {
  it('are numbered 1..n without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(Array.from({ length: LATEST_VERSION }, (_, i) => i + 1));
  });

  it('v1 -> latest: samples gain label/prediction columns from the labels table, outbox rows get a state', async () => {
    const v1 = open('mig-v1', 1);
    await v1.open();
    expect(v1.verno).toBe(1);
    // v1 rows had no labelClass / predictedClass / outbox state.
    await v1.table('samples').bulkAdd([
      { id: 'a', fileName: 'a.jpg', previewUrl: null, width: 600, height: 450, importedAt: 't', seq: 1, status: 'labeled' },
      { id: 'b', fileName: 'b.jpg', previewUrl: null, width: 600, height: 450, importedAt: 't', seq: 2, status: 'queued' },
    ]);
    await v1.table('labels').add({ sampleId: 'a', classIndex: 4, annotator: 'dr x', labeledAt: 't', cycle: 0, revision: 1 });
    await v1.table('outbox').bulkAdd([
      { kind: 'label', sampleId: 'a', classIndex: 4, annotator: 'dr x', at: 't', cycle: 0, sentAt: '2026-01-01' },
      { kind: 'label', sampleId: 'a', classIndex: 4, annotator: 'dr x', at: 't', cycle: 0, sentAt: null },
    ]);
    v1.close();

    const latest = open('mig-v1');
    await latest.open();
    expect(latest.verno).toBe(LATEST_VERSION);
    const a = await latest.samples.get('a');
    const b = await latest.samples.get('b');
    expect(a).toMatchObject({ labelClass: 4, predictedClass: -1, predictedProb: null, status: 'labeled', fileName: 'a.jpg' });
    expect(b).toMatchObject({ labelClass: -1, predictedClass: -1, status: 'queued' });
    // The new indexes work.
    expect(await latest.samples.where('labelClass').equals(4).primaryKeys()).toEqual(['a']);
    const outbox = await latest.outbox.orderBy('seq').toArray();
    expect(outbox.map((o) => [o.state, o.attempts, o.lastError])).toEqual([
      ['sent', 0, null],
      ['pending', 0, null],
    ]);
    expect(await latest.outbox.where('state').equals('pending').count()).toBe(1);
    // Tables untouched by migrations keep their rows.
    expect(await latest.labels.get('a')).toMatchObject({ classIndex: 4, annotator: 'dr x' });
  });

  it('v2 -> v3 keeps samples as they were and adds the settings table', async () => {
    const v2 = open('mig-v2', 2);
    await v2.open();
    await v2.table('samples').add({
      id: 'c', fileName: 'c.png', previewUrl: '/p/c', width: 1, height: 1, importedAt: 't', seq: 1,
      status: 'unlabeled', labelClass: -1, predictedClass: 2, predictedProb: 0.7,
    });
    expect(v2.tables.map((t) => t.name)).not.toContain('settings');
    v2.close();
    const latest = open('mig-v2');
    await latest.open();
    expect(await latest.samples.get('c')).toMatchObject({ predictedClass: 2, predictedProb: 0.7 });
    await latest.settings.put({ key: 'theme', value: 'dark' });
    expect((await latest.settings.get('theme'))?.value).toBe('dark');
  });
});
