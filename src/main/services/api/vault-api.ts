// Implements the `vault` contract over the Vault; the folder picker is the host's (Electron
// dialog), absent in the web host and the CLI.
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { ApiError, type ApiImpl, type ImportId } from '../../../shared/api';
import type { Vault } from '../vault/vault';

export interface VaultApiDeps {
  vault: Vault;
  /** Native folder picker; undefined where the host has none. */
  pickFolder?: () => Promise<string | null>;
}

export function createVaultApi(deps: VaultApiDeps): ApiImpl['vault'] {
  const { vault } = deps;
  return {
    async chooseFolder() {
      if (!deps.pickFolder) return { supported: false, path: null };
      return { supported: true, path: await deps.pickFolder() };
    },
    async importPaths({ paths }) {
      for (const p of paths) checkImportPath(p);
      const job = vault.startImport(paths);
      return { importId: job.id as ImportId };
    },
    async cancelImport({ importId }) {
      return vault.cancelImport(importId);
    },
    async resumeImport({ importId }) {
      const job = vault.resumeImport(importId);
      return { importId: job.id as ImportId };
    },
    async getImport({ importId }) {
      return vault.summary(importId);
    },
    async getImportReview({ importId }) {
      if (!vault.index.getImport(importId)) throw new ApiError('not-found', `no import ${importId}`);
      return { importId, ...vault.review.get(importId) };
    },
    async resolveHeld({ sampleIds, keep }) {
      return { resolved: vault.review.resolve(sampleIds, keep) };
    },
    async listImports() {
      return vault.listImports();
    },
    async listSamples(input) {
      const { offset, limit, ...filter } = input;
      return vault.listSamples(filter, offset, limit);
    },
    async getStats() {
      return vault.stats();
    },
  };
}

export function assertVaultNotEmpty(vault: Vault): void {
  if (vault.index.count() === 0) throw new ApiError('conflict', 'the vault is empty: import images first');
}

/**
 * A path typed into the import screen must name an existing, readable file or folder by its
 * full path: a relative one would be read inside the app's own folder, and a typo would
 * otherwise surface as a "1 of 1 processed, rejected" import.
 */
export function checkImportPath(p: string): void {
  if (!path.isAbsolute(p)) {
    throw new ApiError('invalid-input', `"${p}" is not a full path: give the whole path of the folder, e.g. /home/me/images or C:\\Images`);
  }
  let isDir: boolean;
  try {
    isDir = statSync(p).isDirectory();
  } catch {
    throw new ApiError('not-found', `there is no file or folder at ${p}`);
  }
  try {
    accessSync(p, constants.R_OK | (isDir ? constants.X_OK : 0));
  } catch {
    throw new ApiError('invalid-input', `${p} cannot be read with this account's permissions`);
  }
}

