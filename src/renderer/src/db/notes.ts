// Notes per image: one free-text note per sample, kept in the workspace database and exported
// with the labels. An empty note removes it.
import type { AnnotatorDb } from './database';

export const MAX_NOTE_LENGTH = 2000;

export class NoteTooLongError extends Error {
  override readonly name = 'NoteTooLongError';
  constructor(length: number) {
    super(`a note holds at most ${MAX_NOTE_LENGTH} characters; this one has ${length}`);
  }
}

export async function saveNote(db: AnnotatorDb, sampleId: string, text: string, annotator: string, now = new Date()): Promise<void> {
  const clean = text.trim();
  if (clean.length > MAX_NOTE_LENGTH) throw new NoteTooLongError(clean.length);
  if (clean === '') await db.notes.delete(sampleId);
  else await db.notes.put({ sampleId, text: clean, annotator, updatedAt: now.toISOString() });
}
