// Runs the queue state machine against real data: feeds it live rows, turns key presses
// into commands, and executes its effects in order — the Dexie write starts inside the
// keydown handler, so the decision is durable before the next image is even shown.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { AnnotatorDb } from '../../db/database';
import { writeLabel } from '../../db/label-writes';
import { commandForKey, type KeyCommand, type KeyMap } from '../../domain/keymap';
import { currentItem, initialQueueState, queueReducer, type QueueEffect, type QueueEvent, type QueueItem, type QueueState } from '../../domain/queue-machine';
import type { ZoomCommand } from '../../components/ZoomPanImage';

export interface QueueControllerDeps {
  db: AnnotatorDb;
  items: QueueItem[] | undefined;
  cycle: number | null;
  /** Changes when a different query is shown (new cycle, or a newer query for the cycle). */
  queueKey: string;
  annotator: string;
  sessionId: number | null;
  keymap: KeyMap;
  classCount: number;
}

export interface QueueController {
  state: QueueState;
  send(ev: QueueEvent): void;
  zoom: ZoomCommand | null;
  lastEffect: QueueEffect | null;
  writeError: string | null;
  /** Decisions whose IndexedDB transaction has not committed yet. */
  saving: number;
}

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

export function useQueueController(deps: QueueControllerDeps): QueueController {
  const [state, setState] = useState<QueueState>(() => initialQueueState(deps.items ?? []));
  const stateRef = useRef(state);
  const [zoom, setZoom] = useState<ZoomCommand | null>(null);
  const [lastEffect, setLastEffect] = useState<QueueEffect | null>(null);
  const [writeError, setWriteError] = useState<string | null>(null);
  const [saving, setSaving] = useState(0);
  const depsRef = useRef(deps);
  depsRef.current = deps;
  const initialised = useRef(deps.items !== undefined);

  const execute = useCallback((effect: QueueEffect) => {
    const d = depsRef.current;
    if (effect.type === 'zoom') {
      setZoom((z) => ({ type: effect.command, nonce: (z?.nonce ?? 0) + 1 }));
      return;
    }
    setLastEffect(effect);
    if (effect.type === 'skip' || d.cycle === null) return;
    const cycle = d.cycle;
    const write = () =>
      writeLabel(d.db, {
        sampleId: effect.sampleId,
        value: effect.value,
        annotator: d.annotator,
        cycle,
        sessionId: d.sessionId,
        cause: effect.type === 'revert' ? 'undo' : 'decision',
      });
    // The IndexedDB transaction is created synchronously inside this key handler (no JS
    // queue in front of it); IndexedDB runs overlapping read-write transactions in creation
    // order, so decisions land in key order and none waits in memory.
    setSaving((n) => n + 1);
    void write()
      .then(
        () => setWriteError(null),
        (err: unknown) => setWriteError(err instanceof Error ? err.message : String(err)),
      )
      .finally(() => setSaving((n) => n - 1));
  }, []);

  // The sample on screen, updated as each render commits (before the next input event is
  // handled): a decision names what the annotator saw.
  const displayedRef = useRef<string | null>(null);
  useLayoutEffect(() => {
    displayedRef.current = currentItem(state)?.sampleId ?? null;
  }, [state]);

  const send = useCallback(
    (ev: QueueEvent) => {
      const t = queueReducer(stateRef.current, ev);
      stateRef.current = t.state;
      setState(t.state);
      for (const e of t.effects) execute(e);
    },
    [execute],
  );

  // Live rows in: the first load (and a different query) positions the cursor afresh with an empty
  // undo stack — undo never reaches into a cycle whose labels were already submitted; later
  // updates keep the cursor on its sample.
  const queueKeyRef = useRef(deps.queueKey);
  useEffect(() => {
    if (!deps.items) return;
    if (!initialised.current || queueKeyRef.current !== deps.queueKey) {
      initialised.current = true;
      queueKeyRef.current = deps.queueKey;
      stateRef.current = initialQueueState(deps.items);
      setState(stateRef.current);
      return;
    }
    send({ type: 'sync', items: deps.items });
  }, [deps.items, deps.queueKey, send]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      const cmd: KeyCommand | null = commandForKey(e.key, depsRef.current.keymap, depsRef.current.classCount);
      if (!cmd) return;
      e.preventDefault();
      // A held key repeats: one decision per press. And a press decides about the image on screen.
      const decides = cmd.type === 'class' || cmd.type === 'unsure' || cmd.type === 'skip' || cmd.type === 'undo';
      if (decides && e.repeat) return;
      send(displayedRef.current === null ? cmd : { ...cmd, seen: displayedRef.current });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [send]);

  return { state, send, zoom, lastEffect, writeError, saving };
}
