// The queue's keyboard/mouse behaviour as a pure state machine: commands in, new state and
// effects out. The screen runs the effects (Dexie writes first, then the outbox), so the
// rules here are testable without a DOM and a key press maps to exactly one decision.
import type { KeyCommand } from './keymap';

/** A sample's label as the annotator sees it: a class, unsure, or nothing yet. */
export type LabelValue = { kind: 'class'; classIndex: number } | { kind: 'unsure' } | null;

export interface QueueItem {
  sampleId: string;
  label: LabelValue;
}

export interface UndoEntry {
  sampleId: string;
  /** Where the cursor stood when the decision was made; undo returns there. */
  index: number;
  previous: LabelValue;
  decision: 'label' | 'unsure' | 'skip';
}

export interface QueueState {
  items: QueueItem[];
  index: number;
  undo: UndoEntry[];
  skipped: string[];
}

export type QueueEffect =
  | { type: 'setLabel'; sampleId: string; value: Exclude<LabelValue, null>; previous: LabelValue }
  | { type: 'revert'; sampleId: string; value: LabelValue; undone: UndoEntry['decision'] }
  | { type: 'skip'; sampleId: string }
  | { type: 'zoom'; command: 'zoomIn' | 'zoomOut' | 'fit' };

export type QueueEvent = (
  | KeyCommand
  | { type: 'goto'; index: number }
  | { type: 'sync'; items: QueueItem[] }
) & {
  /**
   * The sample the annotator was looking at when acting. A decision (class, unsure, skip) about
   * another sample than the current one is dropped: a double-click or a repeated key must not
   * label the next image before anyone has seen it.
   */
  seen?: string;
};

export interface Transition {
  state: QueueState;
  effects: QueueEffect[];
}

const UNDO_DEPTH = 200;

export function initialQueueState(items: QueueItem[]): QueueState {
  return { items, index: firstOpen(items, 0, []), undo: [], skipped: [] };
}

export function currentItem(s: QueueState): QueueItem | null {
  return s.items[s.index] ?? null;
}

/** The next item after `from` that still needs a decision (skipped ones come last). */
function firstOpen(items: QueueItem[], from: number, skipped: string[]): number {
  for (let i = from; i < items.length; i++) if (!items[i]!.label && !skipped.includes(items[i]!.sampleId)) return i;
  for (let i = 0; i < items.length; i++) if (!items[i]!.label && !skipped.includes(items[i]!.sampleId)) return i;
  for (let i = 0; i < items.length; i++) if (!items[i]!.label) return i;
  return items.length;
}

function withLabel(items: QueueItem[], index: number, label: LabelValue): QueueItem[] {
  return items.map((it, i) => (i === index ? { ...it, label } : it));
}

function pushUndo(s: QueueState, entry: UndoEntry): UndoEntry[] {
  return [...s.undo, entry].slice(-UNDO_DEPTH);
}

function sameLabel(a: LabelValue, b: LabelValue): boolean {
  if (!a || !b) return a === b;
  return a.kind === b.kind && (a.kind !== 'class' || (b.kind === 'class' && a.classIndex === b.classIndex));
}

export function queueReducer(s: QueueState, ev: QueueEvent): Transition {
  const item = currentItem(s);
  const decision = ev.type === 'class' || ev.type === 'unsure' || ev.type === 'skip';
  if (decision && ev.seen !== undefined && ev.seen !== item?.sampleId) return { state: s, effects: [] };
  switch (ev.type) {
    case 'class':
    case 'unsure': {
      if (!item) return { state: s, effects: [] };
      const value: Exclude<LabelValue, null> = ev.type === 'class' ? { kind: 'class', classIndex: ev.classIndex } : { kind: 'unsure' };
      // The same call again is no revision: nothing is written, the cursor moves on.
      if (sameLabel(item.label, value)) return { state: { ...s, index: firstOpen(s.items, s.index + 1, s.skipped) }, effects: [] };
      const items = withLabel(s.items, s.index, value);
      const skipped = s.skipped.filter((id) => id !== item.sampleId);
      const undo = pushUndo(s, { sampleId: item.sampleId, index: s.index, previous: item.label, decision: ev.type === 'class' ? 'label' : 'unsure' });
      return {
        state: { items, skipped, undo, index: firstOpen(items, s.index + 1, skipped) },
        effects: [{ type: 'setLabel', sampleId: item.sampleId, value, previous: item.label }],
      };
    }
    case 'skip': {
      if (!item) return { state: s, effects: [] };
      const skipped = s.skipped.includes(item.sampleId) ? s.skipped : [...s.skipped, item.sampleId];
      const undo = pushUndo(s, { sampleId: item.sampleId, index: s.index, previous: item.label, decision: 'skip' });
      // On to the next image still waiting for a decision; never onto one already labeled.
      const nextIndex = firstOpen(s.items, s.index + 1, skipped);
      return { state: { ...s, skipped, undo, index: nextIndex }, effects: [{ type: 'skip', sampleId: item.sampleId }] };
    }
    case 'undo': {
      const entry = s.undo[s.undo.length - 1];
      if (!entry) return { state: s, effects: [] };
      const at = s.items.findIndex((it) => it.sampleId === entry.sampleId);
      const undo = s.undo.slice(0, -1);
      if (entry.decision === 'skip') {
        return {
          state: { ...s, undo, skipped: s.skipped.filter((id) => id !== entry.sampleId), index: at >= 0 ? at : s.index },
          effects: [],
        };
      }
      const items = at >= 0 ? withLabel(s.items, at, entry.previous) : s.items;
      return {
        state: { ...s, items, undo, index: at >= 0 ? at : s.index },
        effects: [{ type: 'revert', sampleId: entry.sampleId, value: entry.previous, undone: entry.decision }],
      };
    }
    case 'next':
      return { state: { ...s, index: Math.min(s.index + 1, s.items.length) }, effects: [] };
    case 'previous':
      return { state: { ...s, index: Math.max(s.index - 1, 0) }, effects: [] };
    case 'goto':
      return { state: { ...s, index: Math.max(0, Math.min(ev.index, s.items.length)) }, effects: [] };
    case 'zoomIn':
    case 'zoomOut':
    case 'fit':
      return { state: s, effects: [{ type: 'zoom', command: ev.type }] };
    case 'sync': {
      // Live data changed (another window, a relabel in the gallery, a new query): keep the
      // cursor on the same sample where it still exists.
      const currentId = item?.sampleId;
      const kept = currentId ? ev.items.findIndex((it) => it.sampleId === currentId) : -1;
      const index = kept >= 0 ? kept : firstOpen(ev.items, Math.min(s.index, ev.items.length), s.skipped);
      return { state: { ...s, items: ev.items, index }, effects: [] };
    }
  }
}
