// The web host's port, chosen once per data folder: the browser keeps the annotation
// workspace (IndexedDB) per origin, so a folder must come back on the same port, but a
// well-known port shared by every install would let any page guess where to knock.
import { readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../../platform/private-fs';
import { join } from 'node:path';

const FILE = 'web-port';

export function readRememberedPort(dataDir: string): number | null {
  let text: string;
  try {
    text = readFileSync(join(dataDir, FILE), 'utf8').trim();
  } catch {
    return null;
  }
  const port = Number(text);
  return /^\d+$/.test(text) && port >= 1024 && port <= 65535 ? port : null;
}

export function rememberPort(dataDir: string, port: number): void {
  writeFileAtomicSync(join(dataDir, FILE), `${port}\n`);
}

/**
 * Starts on `explicit` when given; else on the folder's remembered port; else on a free port
 * that is then remembered. A remembered port taken by another program gives a free port for
 * this launch only (said in the log), and the folder keeps its own.
 */
export async function startOnFolderPort<T extends { port: number }>(
  dataDir: string,
  explicit: number | null,
  start: (port: number) => Promise<T>,
  log: (line: string) => void,
): Promise<T> {
  if (explicit !== null) return start(explicit);
  const remembered = readRememberedPort(dataDir);
  if (remembered !== null) {
    try {
      return await start(remembered);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      log(`port ${remembered} (this data folder's) is in use; using a free port for this launch: labels made in the browser here stay with that address`);
      return start(0);
    }
  }
  const started = await start(0);
  rememberPort(dataDir, started.port);
  return started;
}
