// The annotator's keyboard map. Classes always sit on 1-9 (shown next to each class); the
// action keys can be rebound in Settings. Keys are compared case-insensitively.
import { z } from 'zod';

export const KeyActionSchema = z.enum(['unsure', 'skip', 'undo', 'next', 'previous', 'zoomIn', 'zoomOut', 'fit']);
export type KeyAction = z.infer<typeof KeyActionSchema>;

export const KeyMapSchema = z.record(KeyActionSchema, z.array(z.string().min(1)).min(1));
export type KeyMap = Record<KeyAction, string[]>;

export const DEFAULT_KEYMAP: KeyMap = {
  unsure: ['u'],
  skip: ['s'],
  undo: ['z'],
  next: ['ArrowRight', 'ArrowDown'],
  previous: ['ArrowLeft', 'ArrowUp'],
  zoomIn: ['+', '='],
  zoomOut: ['-', '_'],
  fit: ['0'],
};

export const ACTION_LABEL: Record<KeyAction, string> = {
  unsure: 'Unsure — return to the pool',
  skip: 'Skip for now',
  undo: 'Undo last decision',
  next: 'Next image',
  previous: 'Previous image',
  zoomIn: 'Zoom in',
  zoomOut: 'Zoom out',
  fit: 'Fit image to view',
};

/** Keys 1..9 label the first nine classes. */
export const MAX_KEYED_CLASSES = 9;

export type KeyCommand =
  | { type: 'class'; classIndex: number }
  | { type: KeyAction };

const DIGIT = /^[1-9]$/;
const RESERVED = new Set(['1', '2', '3', '4', '5', '6', '7', '8', '9']);

/** Resolves a KeyboardEvent.key to a command, or null when the key means nothing here. */
export function commandForKey(key: string, keymap: KeyMap, classCount: number): KeyCommand | null {
  if (DIGIT.test(key)) {
    const classIndex = Number(key) - 1;
    return classIndex < Math.min(classCount, MAX_KEYED_CLASSES) ? { type: 'class', classIndex } : null;
  }
  const k = key.length === 1 ? key.toLowerCase() : key;
  for (const action of KeyActionSchema.options) {
    if (keymap[action].some((bound) => (bound.length === 1 ? bound.toLowerCase() : bound) === k)) return { type: action };
  }
  return null;
}

/** Rebinds one action to a single key; refuses digits (classes) and keys another action uses. */
export function rebind(keymap: KeyMap, action: KeyAction, key: string): KeyMap | { error: string } {
  const k = key.length === 1 ? key.toLowerCase() : key;
  if (RESERVED.has(k)) return { error: `${key} labels a class` };
  for (const other of KeyActionSchema.options) {
    if (other !== action && keymap[other].includes(k)) return { error: `${key} is already bound to “${ACTION_LABEL[other]}”` };
  }
  return { ...keymap, [action]: [k] };
}

export function keyCaption(key: string): string {
  const names: Record<string, string> = { ArrowRight: '→', ArrowLeft: '←', ArrowUp: '↑', ArrowDown: '↓', ' ': 'Space' };
  return names[key] ?? (key.length === 1 ? key.toUpperCase() : key);
}
