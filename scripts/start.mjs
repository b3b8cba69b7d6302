#!/usr/bin/env node
// `npm start`: build, then launch the desktop app. Where the Electron binary is missing (it
// cannot be downloaded on every machine) or no display exists, say so and start the web host,
// which serves the same UI and API on loopback and prints the URL to open.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const forceWeb = args.includes('--web');
const passThrough = args.filter((a) => a !== '--web');

function run(cmd, cmdArgs) {
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function electronBinary() {
  try {
    const path = require('electron'); // the package exports the binary's path, or throws
    return typeof path === 'string' && existsSync(path) ? { path } : { why: 'the Electron binary is not installed' };
  } catch {
    // electron's index.js throws "Electron failed to install correctly..." when the binary is missing.
    return { why: 'the Electron binary is not installed' };
  }
}

/** Users get the binary on first start; machines without internet fail fast. Quiet: the caller says one line. */
function tryDownloadElectron() {
  const installer = join(root, 'node_modules/electron/install.js');
  const r = spawnSync(process.execPath, [installer], { stdio: 'pipe', timeout: 120_000, encoding: 'utf8' });
  return r.status === 0;
}

console.log('Building FairFAL Annotator…');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
run(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build']);

let electron = forceWeb ? { why: '--web was given' } : electronBinary();
if (!forceWeb && !electron.path && !process.env.FAIRFAL_NO_ELECTRON_DOWNLOAD) {
  if (tryDownloadElectron()) electron = electronBinary();
  else electron = { why: 'the Electron binary is not installed and could not be downloaded here' };
}
const noDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;

if (electron.path && !noDisplay) {
  const child = spawn(electron.path, ['.', ...passThrough], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  const why = electron.path ? 'no display is available' : electron.why;
  console.log(`No desktop window (${why}): starting the web host, the same app in your browser.`);
  const child = spawn(process.execPath, ['out/main/webhost.js', ...passThrough], { stdio: 'inherit' });
  const stop = () => {
    child.kill('SIGTERM');
    // The host closes its connections and exits at once; never leave it running behind the user.
    setTimeout(() => child.kill('SIGKILL'), 2000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  child.on('exit', (code) => process.exit(code ?? 0));
}
