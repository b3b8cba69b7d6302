import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnnotatorDb } from './database';
import { MAX_NOTE_LENGTH, NoteTooLongError, saveNote } from './notes';

let db: AnnotatorDb;
let n = 0;
beforeEach(() => {
  db = new AnnotatorDb(`notes-${n++}`);
});
afterEach(async () => {
  db.close();
  await db.delete();
});

describe('notes per image', () => {
  it('keeps the latest text with who wrote it, trims it, and an empty note removes it', async () => {
    await saveNote(db, 's1', '  blurred border  ', 'Dr Ada', new Date('2026-12-04T10:00:00Z'));
    expect(await db.notes.get('s1')).toEqual({ sampleId: 's1', text: 'blurred border', annotator: 'Dr Ada', updatedAt: '2026-12-04T10:00:00.000Z' });
    await saveNote(db, 's1', 'second look: fine', 'Dr Bo');
    expect(await db.notes.get('s1')).toMatchObject({ text: 'second look: fine', annotator: 'Dr Bo' });
    await saveNote(db, 's1', '   ', 'Dr Bo');
    expect(await db.notes.get('s1')).toBeUndefined();
  });

  it('refuses a note longer than the limit by name and keeps the stored one', async () => {
    await saveNote(db, 's1', 'short', 'Dr Ada');
    await expect(saveNote(db, 's1', 'x'.repeat(MAX_NOTE_LENGTH + 1), 'Dr Ada')).rejects.toThrow(NoteTooLongError);
    expect((await db.notes.get('s1'))?.text).toBe('short');
  });
});
