// One import's life in the UI: start it, follow its progress events, fetch its summary
// (duplicates and rejected files with reasons) when it ends.
import { useCallback, useEffect, useState } from 'react';
import type { ImportId, ImportProgress, ImportSummary } from '../../../../shared/api';
import { useApi } from '../../api/ApiContext';

export interface ImportRun {
  importId: ImportId | null;
  progress: ImportProgress | null;
  summary: ImportSummary | null;
  error: string | null;
  start(paths: string[]): Promise<void>;
  cancel(): Promise<void>;
  resume(id: ImportId): Promise<void>;
}

export function useImport(): ImportRun {
  const api = useApi();
  const [importId, setImportId] = useState<ImportId | null>(null);
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  const [summary, setSummary] = useState<ImportSummary | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!importId) return;
    const offP = api.vault.on('importProgress', (p) => p.importId === importId && setProgress(p));
    const offF = api.vault.on('importFinished', (s) => {
      if (s.importId !== importId) return;
      setProgress(s);
      setSummary(s);
    });
    // Events may have gone by before we subscribed: ask once.
    void api.vault.getImport({ importId }).then((s) => {
      setProgress((p) => p ?? s);
      if (['finished', 'cancelled', 'failed'].includes(s.state)) setSummary(s);
    }, () => {});
    return () => {
      offP();
      offF();
    };
  }, [api, importId]);

  const begin = useCallback(async (run: () => Promise<{ importId: ImportId }>) => {
    setError(null);
    setSummary(null);
    setProgress(null);
    try {
      setImportId((await run()).importId);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, []);

  return {
    importId,
    progress,
    summary,
    error,
    start: (paths) => begin(() => api.vault.importPaths({ paths })),
    resume: (id) => begin(() => api.vault.resumeImport({ importId: id })),
    cancel: async () => {
      if (importId) await api.vault.cancelImport({ importId }).then(setProgress, (err: unknown) => setError(String(err)));
    },
  };
}

export function formatEta(seconds: number | null): string {
  if (seconds === null) return 'estimating…';
  if (seconds < 1) return 'under a second';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
