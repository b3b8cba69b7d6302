import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineEntryMissingError, engineWorkerEntry } from './engine-entry';

const dir = mkdtempSync(path.join(tmpdir(), 'engine-entry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('engine worker entry', () => {
  it('uses the host default from TS sources', () => {
    expect(engineWorkerEntry(pathToFileURL('/src/main/services/app-services.ts').href)).toBeUndefined();
  });

  it('finds out/main/engine-worker.js from the bundle and from a chunk', () => {
    const out = path.join(dir, 'out', 'main');
    mkdirSync(path.join(out, 'chunks'), { recursive: true });
    writeFileSync(path.join(out, 'engine-worker.js'), '');
    const want = pathToFileURL(path.join(out, 'engine-worker.js')).href;
    expect(engineWorkerEntry(pathToFileURL(path.join(out, 'webhost.js')).href)?.href).toBe(want);
    expect(engineWorkerEntry(pathToFileURL(path.join(out, 'chunks', 'app-services-abc.js')).href)?.href).toBe(want);
  });

  it('names the missing file when the bundle has no worker', () => {
    expect(() => engineWorkerEntry(pathToFileURL(path.join(dir, 'elsewhere', 'index.js')).href)).toThrow(EngineEntryMissingError);
  });
});
