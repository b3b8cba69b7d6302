// Where the federation credential lives at rest. The Electron shell injects an implementation
// backed by the OS keychain (safeStorage); headless hosts use a file only this user can read.
import { readFileSync, rmSync } from 'node:fs';
import { writeFileAtomicSync } from '../../../platform/private-fs';
import path from 'node:path';

export interface SecretStore {
  /** Shown in the connection status: 'safe-storage', 'file-0600', ... */
  readonly kind: string;
  load(name: string): Promise<string | null>;
  save(name: string, value: string): Promise<void>;
  remove(name: string): Promise<void>;
}

const NAME = /^[a-z0-9-]{1,64}$/;

function checkName(name: string): string {
  if (!NAME.test(name)) throw new Error(`secret name '${name}' must be lowercase letters, digits and dashes`);
  return name;
}

/**
 * Headless: one file per secret in a 0700 folder, each file 0600. Not encrypted (there is no
 * key to encrypt it with that would not sit next to it); the OS account is the protection.
 */
export class FileSecretStore implements SecretStore {
  readonly kind = 'file-0600';
  constructor(private readonly dir: string) {}

  private file(name: string): string {
    return path.join(this.dir, `${checkName(name)}.secret`);
  }

  async load(name: string): Promise<string | null> {
    try {
      return readFileSync(this.file(name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async save(name: string, value: string): Promise<void> {
    writeFileAtomicSync(this.file(name), value);
  }

  async remove(name: string): Promise<void> {
    rmSync(this.file(name), { force: true });
  }
}

/** Encrypts with an injected cipher (Electron: safeStorage) and keeps the ciphertext in 0600 files. */
export class CipherSecretStore implements SecretStore {
  private readonly files: FileSecretStore;
  constructor(
    readonly kind: string,
    dir: string,
    private readonly cipher: { encrypt(plain: string): Buffer; decrypt(data: Buffer): string },
  ) {
    this.files = new FileSecretStore(dir);
  }

  async load(name: string): Promise<string | null> {
    const b64 = await this.files.load(name);
    return b64 === null ? null : this.cipher.decrypt(Buffer.from(b64, 'base64'));
  }

  async save(name: string, value: string): Promise<void> {
    await this.files.save(name, this.cipher.encrypt(value).toString('base64'));
  }

  remove(name: string): Promise<void> {
    return this.files.remove(name);
  }
}
