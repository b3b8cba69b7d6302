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
}

export const DEFAULT_SETTINGS: Settings = { annotator: '', theme: 'light', keymap: DEFAULT_KEYMAP };

export async function readSettings(db: AnnotatorDb): Promise<Settings> {
  const rows = await db.settings.bulkGet(['annotator', 'theme', 'keymap']);
  const annotator = z.string().safeParse(rows[0]?.value);
  const theme = ThemeSchema.safeParse(rows[1]?.value);
  const keymap = KeyMapSchema.safeParse(rows[2]?.value);
  return {
    annotator: annotator.success ? annotator.data : DEFAULT_SETTINGS.annotator,
    theme: theme.success ? theme.data : DEFAULT_SETTINGS.theme,
    keymap: keymap.success ? { ...DEFAULT_KEYMAP, ...keymap.data } : DEFAULT_KEYMAP,
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
