// Secrets: enrolment codes, client credentials and the admin token are random, shown once,
// and stored only as sha256 hashes.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function secretMatches(secret: string, expectedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(expectedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function newClientCredential(): string {
  return `ffc_${randomBytes(32).toString('base64url')}`;
}

export function newAdminToken(): string {
  return `ffa_${randomBytes(32).toString('base64url')}`;
}

export function newClientId(): string {
  return `cl_${randomBytes(8).toString('hex')}`;
}

// 32 symbols without 0/O/1/I, so a byte & 31 picks uniformly. 16 symbols = 80 bits.
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export function newEnrolmentCode(): string {
  const bytes = randomBytes(16);
  const chars = Array.from(bytes, (b) => CODE_ALPHABET[b & 31]);
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
}

/** Extracts the token of `Authorization: Bearer <token>` (the scheme in any case, RFC 9110), or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer +([\x21-\x7e]{1,200})$/i.exec(header.trim());
  return m ? (m[1] ?? null) : null;
}
