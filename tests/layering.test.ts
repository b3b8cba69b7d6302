// Proves the layering rule bites: the project's real ESLint config, run on planted files
// inside src/, reports every import the architecture forbids and accepts the allowed ones.
import { ESLint } from 'eslint';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..');
const eslint = new ESLint({ cwd: root });

async function layeringErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'fairfal/layering').map((m) => m.message);
}

describe('fairfal/layering (the ARCHITECTURE.md table as a lint rule)', () => {
  const bad: Array<[string, string, RegExp]> = [
    ['src/renderer/src/planted.ts', "import { x } from '../../main/services/app-services';\nexport const y = x;", /'renderer' may not import layer 'main'/],
    ['src/renderer/src/planted.ts', "import { x } from '../../engine/backend';\nexport const y = x;", /'renderer' may not import layer 'engine'/],
    ['src/core/planted.ts', "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;", /'core' may not import package 'node:fs'/],
    ['src/core/planted.ts', "import * as tf from '@tensorflow/tfjs';\nexport const y = tf;", /'core' may not import package/],
    ['src/core/planted.ts', "import { api } from '../shared/api';\nexport const y = api;", /'core' may not import layer 'shared'/],
    ['src/shared/planted.ts', "import { x } from '../engine/backend';\nexport const y = x;", /'shared' may not import layer 'engine'/],
    ['src/engine/planted.ts', "import { x } from '../server/app';\nexport const y = x;", /'engine' may not import layer 'server'/],
    ['src/preload/planted.ts', "import { x } from '../main/services/app-services';\nexport const y = x;", /'preload' may not import layer 'main'/],
    ['src/main/services/planted.ts', "import { app } from 'electron';\nexport const y = app;", /'electron' may only be imported under/],
    ['src/server/planted.ts', "import { x } from '../main/services/vault';\nexport const y = x;", /'server' may not import layer 'main'/],
    ['src/renderer/src/planted.ts', "const m = await import('../../server/app');\nexport const y = m;", /'renderer' may not import layer 'server'/],
    ['src/renderer/src/planted.ts', "export { x } from '../../cli/simulate';", /'renderer' may not import layer 'cli'/],
    ['src/platform/planted.ts', "import { x } from '../main/services/app-services';\nexport const y = x;", /'platform' may not import layer 'main'/],
    ['src/engine/planted.ts', "import { x } from '../platform/sqlite';\nexport const y = x;", /'engine' may not import layer 'platform'/],
    ['src/renderer/src/planted.ts', "import { x } from '../../platform/hash';\nexport const y = x;", /'renderer' may not import layer 'platform'/],
  ];
  for (const [file, code, message] of bad) {
    it(`reports ${file}: ${code.split('\n')[0]}`, async () => {
      const errors = await layeringErrors(file, code);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.join('\n')).toMatch(message);
    });
  }

  const good: Array<[string, string]> = [
    ['src/renderer/src/planted.ts', "import { api } from '../../shared/api';\nexport const y = api;"],
    ['src/engine/planted.ts', "import { readFileSync } from 'node:fs';\nimport { x } from '../core/rng';\nexport const y = [x, readFileSync];"],
    ['src/main/electron/planted.ts', "import { app } from 'electron';\nexport const y = app;"],
    ['src/cli/planted.ts', "import { x } from '../server/app';\nimport { z } from '../main/services/app-services';\nexport const y = [x, z];"],
    ['src/core/fairfal/planted.ts', "import { x } from '../rng';\nexport const y = x;"],
    ['src/core/planted.test.ts', "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;"],
    ['src/server/planted.ts', "import { openSqlite } from '../platform/sqlite';\nexport const y = openSqlite;"],
    ['src/main/services/planted.ts', "import { sha256Hex } from '../../platform/hash';\nexport const y = sha256Hex;"],
  ];
  for (const [file, code] of good) {
    it(`accepts ${file}: ${code.split('\n')[0]}`, async () => {
      expect(await layeringErrors(file, code)).toEqual([]);
    });
  }
});
