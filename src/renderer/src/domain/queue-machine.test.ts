import { describe, expect, it } from 'vitest';
import { DEFAULT_KEYMAP, commandForKey, rebind } from './keymap';
import { currentItem, initialQueueState, queueReducer, type QueueEvent, type QueueItem, type QueueState } from './queue-machine';

const items = (n: number): QueueItem[] => Array.from({ length: n }, (_, i) => ({ sampleId: `s${i}`, label: null }));
function run(s: QueueState, ...evs: QueueEvent[]) {
  const effects = [];
  for (const ev of evs) {
    const t = queueReducer(s, ev);
    s = t.state;
    effects.push(...t.effects);
  }
  return { s, effects };
}

describe('keyboard map', () => {
  it('maps 1-9 to classes only up to the class count, letters case-insensitively, arrows and zoom keys', () => {
    expect(commandForKey('1', DEFAULT_KEYMAP, 7)).toEqual({ type: 'class', classIndex: 0 });
    expect(commandForKey('7', DEFAULT_KEYMAP, 7)).toEqual({ type: 'class', classIndex: 6 });
    expect(commandForKey('8', DEFAULT_KEYMAP, 7)).toBeNull();
    expect(commandForKey('U', DEFAULT_KEYMAP, 7)).toEqual({ type: 'unsure' });
    expect(commandForKey('z', DEFAULT_KEYMAP, 7)).toEqual({ type: 'undo' });
    expect(commandForKey('ArrowRight', DEFAULT_KEYMAP, 7)).toEqual({ type: 'next' });
    expect(commandForKey('+', DEFAULT_KEYMAP, 7)).toEqual({ type: 'zoomIn' });
    expect(commandForKey('0', DEFAULT_KEYMAP, 7)).toEqual({ type: 'fit' });
    expect(commandForKey('q', DEFAULT_KEYMAP, 7)).toBeNull();
  });

  it('rebinding refuses digits and keys another action holds', () => {
    expect(rebind(DEFAULT_KEYMAP, 'skip', '3')).toEqual({ error: expect.stringMatching(/class/) });
    expect(rebind(DEFAULT_KEYMAP, 'skip', 'U')).toEqual({ error: expect.stringMatching(/Unsure/) });
    const next = rebind(DEFAULT_KEYMAP, 'skip', 'K');
    expect('error' in next).toBe(false);
    expect(commandForKey('k', next as typeof DEFAULT_KEYMAP, 7)).toEqual({ type: 'skip' });
  });
});

describe('queue state machine', () => {
  it('starts at the first open item and advances after each label', () => {
    const start = initialQueueState([{ sampleId: 'done', label: { kind: 'class', classIndex: 1 } }, ...items(3)]);
    expect(currentItem(start)?.sampleId).toBe('s0');
    const { s, effects } = run(start, { type: 'class', classIndex: 2 }, { type: 'class', classIndex: 0 });
    expect(currentItem(s)?.sampleId).toBe('s2');
    expect(effects).toEqual([
      { type: 'setLabel', sampleId: 's0', value: { kind: 'class', classIndex: 2 }, previous: null },
      { type: 'setLabel', sampleId: 's1', value: { kind: 'class', classIndex: 0 }, previous: null },
    ]);
  });

  it('undo reverts the last decision to its previous value and returns the cursor to it', () => {
    const { s, effects } = run(initialQueueState(items(3)), { type: 'class', classIndex: 2 }, { type: 'unsure' }, { type: 'undo' });
    expect(currentItem(s)).toEqual({ sampleId: 's1', label: null });
    expect(effects[2]).toEqual({ type: 'revert', sampleId: 's1', value: null, undone: 'unsure' });
    const again = run(s, { type: 'undo' });
    expect(again.effects).toEqual([{ type: 'revert', sampleId: 's0', value: null, undone: 'label' }]);
    expect(currentItem(again.s)?.sampleId).toBe('s0');
    // Nothing left to undo: no effect.
    expect(run(again.s, { type: 'undo' }).effects).toEqual([]);
  });

  it('relabeling an item (after moving back) records the old class as previous, and undo restores it', () => {
    const { s } = run(initialQueueState(items(2)), { type: 'class', classIndex: 1 }, { type: 'previous' });
    const relabel = run(s, { type: 'class', classIndex: 4 });
    expect(relabel.effects[0]).toMatchObject({ previous: { kind: 'class', classIndex: 1 } });
    const undo = run(relabel.s, { type: 'undo' });
    expect(undo.effects[0]).toEqual({ type: 'revert', sampleId: 's0', value: { kind: 'class', classIndex: 1 }, undone: 'label' });
  });

  it('skip moves on without writing anything; skipped items come back after the others', () => {
    const { s, effects } = run(initialQueueState(items(3)), { type: 'skip' }, { type: 'class', classIndex: 0 }, { type: 'class', classIndex: 0 });
    expect(effects.filter((e) => e.type === 'setLabel').map((e) => e.sampleId)).toEqual(['s1', 's2']);
    expect(currentItem(s)?.sampleId).toBe('s0');
    const u = run(s, { type: 'undo' });
    expect(u.effects[0]).toMatchObject({ type: 'revert', sampleId: 's2' });
  });

  it('arrows stay within bounds and the end of the queue has no current item', () => {
    const { s } = run(initialQueueState(items(2)), { type: 'previous' }, { type: 'next' }, { type: 'next' }, { type: 'next' });
    expect(s.index).toBe(2);
    expect(currentItem(s)).toBeNull();
    expect(run(s, { type: 'class', classIndex: 0 }).effects).toEqual([]);
  });

  it('zoom keys only emit zoom effects', () => {
    expect(run(initialQueueState(items(1)), { type: 'zoomIn' }, { type: 'fit' }).effects).toEqual([
      { type: 'zoom', command: 'zoomIn' },
      { type: 'zoom', command: 'fit' },
    ]);
  });

  it('live updates keep the cursor on the same sample', () => {
    const { s } = run(initialQueueState(items(3)), { type: 'next' });
    const synced = run(s, { type: 'sync', items: [{ sampleId: 'new', label: null }, ...items(3)] });
    expect(currentItem(synced.s)?.sampleId).toBe('s1');
  });

  it('one label per deliberate action: a second click meant for the image already labeled does not label the next one', () => {
    const start = initialQueueState(items(3));
    // A double-click: both clicks were aimed at s0, the image on screen.
    const { s, effects } = run(start, { type: 'class', classIndex: 3, seen: 's0' }, { type: 'class', classIndex: 3, seen: 's0' });
    expect(effects).toEqual([{ type: 'setLabel', sampleId: 's0', value: { kind: 'class', classIndex: 3 }, previous: null }]);
    expect(currentItem(s)?.sampleId).toBe('s1');
    expect(run(s, { type: 'skip', seen: 's0' }).effects).toEqual([]);
    expect(run(s, { type: 'unsure', seen: 's0' }).effects).toEqual([]);
    expect(run(s, { type: 'class', classIndex: 1, seen: 's1' }).effects).toHaveLength(1);
  });

  it('the same class again is not a revision: nothing is written and the cursor moves on', () => {
    const labeled = initialQueueState([{ sampleId: 'a', label: { kind: 'class', classIndex: 3 } }, ...items(2)]);
    const back = { ...labeled, index: 0 };
    const same = run(back, { type: 'class', classIndex: 3 });
    expect(same.effects).toEqual([]);
    expect(currentItem(same.s)?.sampleId).toBe('s0');
    expect(same.s.undo).toEqual([]);
    expect(run(back, { type: 'class', classIndex: 2 }).effects[0]).toMatchObject({ previous: { kind: 'class', classIndex: 3 } });
  });

  it('skip never lands on an image that is already labeled, at the end of the queue either', () => {
    const mixed: QueueItem[] = [
      { sampleId: 'o1', label: null },
      { sampleId: 'l1', label: { kind: 'class', classIndex: 0 } },
      { sampleId: 'o2', label: null },
      { sampleId: 'l2', label: { kind: 'class', classIndex: 1 } },
    ];
    const s0 = initialQueueState(mixed);
    const a = run(s0, { type: 'skip' });
    expect(currentItem(a.s)?.sampleId).toBe('o2');
    const b = run(a.s, { type: 'skip' });
    // Only skipped open images are left: back to the first of those, never to l1 or l2.
    expect(currentItem(b.s)?.sampleId).toBe('o1');
    const c = run(b.s, { type: 'skip' });
    expect(currentItem(c.s)?.label).toBeNull();
  });
});
