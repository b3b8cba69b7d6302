// Implements the `vault` contract over the Vault; the folder picker is the host's (Electron
// dialog), absent in the web host and the CLI.
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
