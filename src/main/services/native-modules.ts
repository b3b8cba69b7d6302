// Native modules (better-sqlite3) are compiled for one ABI: `npm install` builds them for Node,
// and Electron's main process has another. Loaded in the wrong one they throw a long dlopen
// error; this turns it into one sentence that says what to run.
export const ELECTRON_REBUILD_COMMAND = 'npm run rebuild:electron';

/** null when `load()` works; else what is wrong and how to fix it, in words. */
export function nativeModuleProblem(name: string, load: () => unknown, runtime: 'electron' | 'node'): string | null {
  try {
    load();
    return null;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const abi = /NODE_MODULE_VERSION (\d+)[\s\S]*?NODE_MODULE_VERSION (\d+)/.exec(message);
    if (abi) {
      const fix = runtime === 'electron' ? `run \`${ELECTRON_REBUILD_COMMAND}\` once (it rebuilds ${name} for Electron)` : `run \`npm rebuild ${name}\` (it rebuilds ${name} for this Node)`;
      return `${name} was built for another runtime (module ABI ${abi[1]}, this ${runtime} needs ${abi[2]}): ${fix}, then start again.`;
    }
    if (/Cannot find module|MODULE_NOT_FOUND/.test(message)) return `${name} is not installed: run \`npm install\`, then start again.`;
    return `${name} could not be loaded: ${message.split('\n')[0]}`;
  }
}
