// Annotator preferences kept in the workspace database (so they survive reloads and work
// offline): who is labeling, the theme, the keyboard map.
import { useCallback } from 'react';
import { z } from 'zod';
import { DEFAULT_KEYMAP, KeyMapSchema, type KeyMap } from '../domain/keymap';
import type { AnnotatorDb } from '../db/database';
import { useLiveQuery } from './useLiveQuery';

export const ThemeSchema = z.enum(['light', 'dark']);
export type Theme = z.infer<typeof ThemeSchema>;

export interface Settings {
  annotator: string;
  theme: Theme;
  keymap: KeyMap;
  /** Other named readers of this workspace (the current one is `annotator`). */
  readers: string[];
  /** Share of each cycle's queue read again, blind, by a second reader (0 = off). */
  secondReadShare: number;
}

export const DEFAULT_SETTINGS: Settings = { annotator: '', theme: 'light', keymap: DEFAULT_KEYMAP, readers: [], secondReadShare: 0.2 };

export async function readSettings(db: AnnotatorDb): Promise<Settings> {
  const rows = await db.settings.bulkGet(['annotator', 'theme', 'keymap', 'readers', 'secondReadShare']);
  const annotator = z.string().safeParse(rows[0]?.value);
  const theme = ThemeSchema.safeParse(rows[1]?.value);
  const keymap = KeyMapSchema.safeParse(rows[2]?.value);
  const readers = z.array(z.string().min(1).max(200)).max(50).safeParse(rows[3]?.value);
  const share = z.number().min(0).max(1).safeParse(rows[4]?.value);
  return {
    annotator: annotator.success ? annotator.data : DEFAULT_SETTINGS.annotator,
    theme: theme.success ? theme.data : DEFAULT_SETTINGS.theme,
    keymap: keymap.success ? { ...DEFAULT_KEYMAP, ...keymap.data } : DEFAULT_KEYMAP,
    readers: readers.success ? readers.data : DEFAULT_SETTINGS.readers,
    secondReadShare: share.success ? share.data : DEFAULT_SETTINGS.secondReadShare,
  };
}

export function useSettings(db: AnnotatorDb): { settings: Settings | undefined; update: (patch: Partial<Settings>) => Promise<void> } {
  const settings = useLiveQuery(() => readSettings(db), [db]);
  const update = useCallback(
    async (patch: Partial<Settings>) => {
      await db.settings.bulkPut(Object.entries(patch).map(([key, value]) => ({ key, value })));
    },
    [db],
  );
  return { settings, update };
}
