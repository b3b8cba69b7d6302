// The federation credential encrypted with the OS keychain (Electron safeStorage); the
// ciphertext sits in a 0600 file under userData. Falls back to nothing: if the OS offers no
// encryption the app says so instead of silently storing plaintext.
import { safeStorage } from 'electron';
import path from 'node:path';
import { CipherSecretStore, type SecretStore } from '../services/federation/secret-store';

export function safeStorageSecrets(userData: string): SecretStore {
  return new CipherSecretStore('safe-storage', path.join(userData, 'secrets'), {
    encrypt: (plain) => {
      if (!safeStorage.isEncryptionAvailable()) throw new Error('the OS keychain is not available: cannot store the federation credential safely');
      return safeStorage.encryptString(plain);
    },
    decrypt: (data) => safeStorage.decryptString(data),
  });
}
