// A note on the image in view: saved when the field loses focus and after a pause in typing,
// so nothing typed is lost when the clinician moves on. Label keys do not fire while typing.
import { useEffect, useRef, useState } from 'react';
import { MAX_NOTE_LENGTH, saveNote } from '../db/notes';
import { useLiveQuery } from '../hooks/useLiveQuery';
import { useWorkspace } from '../workspace/WorkspaceContext';

const SAVE_AFTER_MS = 800;

export function NoteField({ sampleId }: { sampleId: string }) {
  const ws = useWorkspace();
  const stored = useLiveQuery(() => ws.db.notes.get(sampleId), [ws.db, sampleId]);
  const [text, setText] = useState('');
  const [state, setState] = useState<'saved' | 'editing' | 'error'>('saved');
  const [error, setError] = useState<string | null>(null);
  const editing = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  // Another image, or the stored note changed elsewhere: show it unless the clinician is typing.
  useEffect(() => {
    if (!editing.current) setText(stored?.text ?? '');
  }, [stored, sampleId]);

  const save = async (value: string) => {
    if (timer.current) clearTimeout(timer.current);
    try {
      await saveNote(ws.db, sampleId, value, ws.annotatorName);
      setState('saved');
      setError(null);
    } catch (err) {
      setState('error');
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <div className="note-field">
      <label className="panel-title" htmlFor={`note-${sampleId}`}>Note</label>
      <textarea
        id={`note-${sampleId}`}
        className="note-input"
        rows={3}
        maxLength={MAX_NOTE_LENGTH}
        placeholder="e.g. lesion partly out of frame, ask Dr. B"
        value={text}
        onFocus={() => (editing.current = true)}
        onChange={(e) => {
          setText(e.target.value);
          setState('editing');
          if (timer.current) clearTimeout(timer.current);
          const value = e.target.value;
          timer.current = setTimeout(() => void save(value), SAVE_AFTER_MS);
        }}
        onBlur={() => {
          editing.current = false;
          void save(text);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') (e.target as HTMLTextAreaElement).blur();
        }}
        data-testid="note-input"
      />
      <div className={`muted small note-state note-${state}`} data-testid="note-state" data-state={state} aria-live="polite">
        {state === 'error' ? `Not saved: ${error}` : state === 'editing' ? 'Typing…' : stored ? 'Note saved on this workstation' : 'Notes are exported with the labels'}
      </div>
    </div>
  );
}
