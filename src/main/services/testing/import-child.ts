// Test helper run as a separate process: opens a vault in <dataDir> and imports <paths>,
// printing "progress <done>" lines, so a test can SIGKILL it mid-import (a real crash).
import { openNodeDb } from '../storage/node-db';
import { Vault } from '../vault/vault';
import { webMediaUrl } from '../vault/media-store';

const [dataDir, ...paths] = process.argv.slice(2);
if (!dataDir || paths.length === 0) throw new Error('usage: import-child <dataDir> <path>...');
const db = openNodeDb(dataDir);
const vault = new Vault({
  db,
  dataDir,
  mediaUrl: webMediaUrl,
  concurrency: 2,
  onProgress: (p) => console.log(`progress ${p.done} ${p.state}`),
});
const job = vault.startImport(paths);
console.log(`import ${job.id}`);
const end = await job.done;
console.log(`done ${end.state} ${end.done}`);
