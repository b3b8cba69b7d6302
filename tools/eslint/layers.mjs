// The layering table of docs/ARCHITECTURE.md, as data. The lint rule in
// layering-rule.mjs enforces it; tests/layering.test.ts proves it bites.

/** Which src/ layers each layer may import (imports only point down the plan). */
export const LAYER_IMPORTS = {
  core: ['core'],
  shared: ['core', 'shared'],
  engine: ['core', 'shared', 'engine'],
  // Node plumbing main, server and cli share: SQLite + migrations, owner-only durable files, blobs, hashing.
  platform: ['core', 'platform'],
  server: ['core', 'shared', 'engine', 'platform', 'server'],
  // main hosts the server's domain for standalone mode: one clinic is a federation of one (issue 15).
  main: ['core', 'shared', 'engine', 'platform', 'server', 'main'],
  preload: ['shared', 'preload'],
  renderer: ['core', 'shared', 'renderer'],
  cli: ['core', 'shared', 'engine', 'platform', 'server', 'main', 'cli'],
};

/**
 * Bare (package) imports each layer may use. `null` = any package.
 * core is pure TypeScript over typed arrays: no packages at all, no node:*.
 */
export const LAYER_PACKAGES = {
  core: [],
  shared: ['zod'],
  engine: null,
  platform: null,
  server: null,
  main: null,
  preload: ['electron', 'zod'],
  renderer: ['react', 'react-dom', 'react/jsx-runtime', 'react-dom/client', 'dexie', 'zod'],
  cli: null,
};

/** Packages no layer may import, except where listed (Electron stays in the thin shell). */
export const PACKAGE_HOMES = {
  electron: ['src/main/electron/', 'src/preload/'],
};
