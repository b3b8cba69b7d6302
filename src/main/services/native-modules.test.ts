import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { nativeModuleProblem } from './native-modules';

const require = createRequire(import.meta.url);

describe('native module start-up check', () => {
  it('better-sqlite3 loads under the Node that runs the tests', () => {
    expect(nativeModuleProblem('better-sqlite3', () => require('better-sqlite3'), 'node')).toBeNull();
  });

  it('an ABI mismatch becomes one sentence naming the command to run', () => {
    const dlopen = () => {
      throw new Error(
        "The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 133. Please try re-compiling or re-installing",
      );
    };
    const msg = nativeModuleProblem('better-sqlite3', dlopen, 'electron');
    expect(msg).toBe('better-sqlite3 was built for another runtime (module ABI 115, this electron needs 133): run `npm run rebuild:electron` once (it rebuilds better-sqlite3 for Electron), then start again.');
    expect(nativeModuleProblem('better-sqlite3', () => require('./no-such-native-module.node'), 'node')).toMatch(/is not installed: run `npm install`/);
  });
});
