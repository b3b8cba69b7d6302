/**
 * The primitives secure aggregation is built from, all from Node's crypto (OpenSSL) and one
 * audited Shamir implementation (shamir-secret-sharing, audited by Cure53 and Zellic): X25519
 * key agreement, HKDF-SHA256, ChaCha20 as the PRG that expands a 32-byte seed into a mask, and
 * t-of-n secret sharing of seeds with a SHA-256 commitment checked after reconstruction (the
 * library does not authenticate shares: a tampered or foreign share must not pass unnoticed).
 */
import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { combine, split } from 'shamir-secret-sharing';

export class SecAggError extends Error {
  override readonly name = 'SecAggError';
}

export interface KeyPair {
  publicKey: Uint8Array;
  privateKey: KeyObject;
}

/** A fresh X25519 key pair; the public half as its 32 raw bytes. */
export function generateKeyPair(): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { publicKey: new Uint8Array(der.subarray(der.length - 32)), privateKey };
}

/** The raw 32-byte public half of a private key. */
export function publicKeyOf(privateKey: KeyObject): Uint8Array {
  const der = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

const SPKI_X25519_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

/** X25519 shared secret with a peer's raw public key, through HKDF bound to `context`. */
export function agree(privateKey: KeyObject, peerPublicKey: Uint8Array, context: string): Uint8Array {
  if (peerPublicKey.length !== 32) throw new SecAggError(`a public key has 32 bytes, got ${peerPublicKey.length}`);
  const peer = createPublicKey({ key: Buffer.concat([SPKI_X25519_PREFIX, peerPublicKey]), format: 'der', type: 'spki' });
  const shared = diffieHellman({ privateKey, publicKey: peer });
  return new Uint8Array(hkdfSync('sha256', shared, Buffer.alloc(0), `fairfal-secagg pair ${context}`, 32));
}

/** A private key's PKCS#8 bytes (what a client keeps in its database between phases). */
export function exportPrivateKey(k: KeyObject): Uint8Array {
  return new Uint8Array(k.export({ format: 'der', type: 'pkcs8' }));
}

export function importPrivateKey(der: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
}

export const randomSeed = (): Uint8Array => new Uint8Array(randomBytes(32));

/** `length` uniform 32-bit words from a 32-byte seed: ChaCha20 keystream (key from HKDF). */
export function expandMask(seed: Uint8Array, length: number, context: string): Uint32Array {
  if (seed.length !== 32) throw new SecAggError(`a mask seed has 32 bytes, got ${seed.length}`);
  const key = Buffer.from(hkdfSync('sha256', seed, Buffer.alloc(0), `fairfal-secagg mask ${context}`, 32));
  const cipher = createCipheriv('chacha20', key, Buffer.alloc(16));
  const stream = cipher.update(Buffer.alloc(length * 4));
  return new Uint32Array(stream.buffer.slice(stream.byteOffset, stream.byteOffset + length * 4));
}

export function commitment(seed: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update('fairfal-secagg commit').update(seed).digest());
}

/** t-of-n shares of a seed. */
export async function shareSeed(seed: Uint8Array, n: number, t: number): Promise<Uint8Array[]> {
  if (!(t >= 2 && t <= n)) throw new SecAggError(`threshold must be between 2 and the ${n} clients, got ${t}`);
  return split(seed, n, t);
}

/**
 * The seed from at least t shares, checked against its commitment. A bad share (tampered,
 * replayed from another seed) fails the check; with more than t shares, windows of t that leave
 * each share out in turn are tried, so one bad share among t + 1 or more cannot stop the round.
 */
export async function recoverSeed(shares: Uint8Array[], t: number, expected: Uint8Array): Promise<Uint8Array> {
  if (shares.length < t) throw new SecAggError(`${shares.length} shares, the threshold is ${t}: the round cannot be unmasked`);
  const tries = shares.length === t ? 1 : shares.length;
  let last = 'the recovered seed does not match its commitment';
  for (let start = 0; start < tries; start++) {
    const window = Array.from({ length: t }, (_, i) => shares[(start + i) % shares.length] as Uint8Array);
    let seed: Uint8Array;
    try {
      seed = await combine(window);
    } catch (e) {
      last = `shares do not combine: ${(e as Error).message}`;
      continue;
    }
    const c = commitment(seed);
    if (c.length === expected.length && timingSafeEqual(c, expected)) return seed;
  }
  throw new SecAggError(`a share was tampered with or belongs to another seed (${last}): no ${t} of the ${shares.length} shares recover a seed that matches its commitment`);
}

/**
 * Authenticated encryption of a message to one peer (a share bundle the server relays): key from
 * X25519 + HKDF under `context`, ChaCha20-Poly1305 with a random nonce, `context` also bound as
 * associated data, so a ciphertext replayed into another round, pair or direction fails to open.
 */
export function seal(privateKey: KeyObject, peerPublicKey: Uint8Array, context: string, plaintext: Uint8Array): Uint8Array {
  const key = Buffer.from(agree(privateKey, peerPublicKey, `seal ${context}`));
  const nonce = randomBytes(12);
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(context), { plaintextLength: plaintext.length });
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return new Uint8Array(Buffer.concat([nonce, cipher.getAuthTag(), body]));
}

export function open(privateKey: KeyObject, peerPublicKey: Uint8Array, context: string, sealed: Uint8Array): Uint8Array {
  if (sealed.length < 28) throw new SecAggError('a sealed share is too short to be one');
  const key = Buffer.from(agree(privateKey, peerPublicKey, `seal ${context}`));
  const b = Buffer.from(sealed);
  const decipher = createDecipheriv('chacha20-poly1305', key, b.subarray(0, 12), { authTagLength: 16 });
  decipher.setAAD(Buffer.from(context), { plaintextLength: sealed.length - 28 });
  decipher.setAuthTag(b.subarray(12, 28));
  try {
    return new Uint8Array(Buffer.concat([decipher.update(b.subarray(28)), decipher.final()]));
  } catch {
    throw new SecAggError(`a sealed share does not open (${context}): tampered with, replayed from another round, or not meant for this client`);
  }
}
