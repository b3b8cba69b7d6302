import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkImportPath } from './vault-api';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('import paths typed by a clinician', () => {
  it('names the problem: a relative path, a folder that does not exist; accepts a real folder and file', () => {
    expect(() => checkImportPath('images/derm')).toThrow(/not a full path/);
    expect(() => checkImportPath('/no/such/folder/anywhere')).toThrow(/there is no file or folder at \/no\/such\/folder\/anywhere/);
    const d = mkdtempSync(join(tmpdir(), 'imp-'));
    dirs.push(d);
    writeFileSync(join(d, 'a.jpg'), 'x');
    expect(() => checkImportPath(d)).not.toThrow();
    expect(() => checkImportPath(join(d, 'a.jpg'))).not.toThrow();
  });

});
