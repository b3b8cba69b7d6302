/**
 * One secure-aggregation round (Bonawitz et al. 2017) over the primitives in crypto.ts, as the
 * client and the server each run it; how the messages travel (the federation's HTTP API, shares
 * encrypted to their recipient) is the transport's job, not this module's.
 *   1. keys: each client has an X25519 pair for this round and a self-mask seed b_i, and gives
 *      every other client a t-of-n share of both (the server relays them, encrypted).
 *   2. upload: y_i = x_i + PRG(b_i) + sum_{j>i} PRG(s_ij) - sum_{j<i} PRG(s_ij) (mod 2^32).
 *   3. unmask: for every client that uploaded, survivors reveal their share of b_i; for every
 *      client that did not, their share of its private key (never both for one client: that
 *      would expose its x_i). The server removes the masks and learns only the sum.
 * With fewer than t survivors, nothing can be unmasked: the round fails, revealing nothing.
 */
import { addRing, subRing } from './fixed-point';
import { agree, commitment, expandMask, exportPrivateKey, generateKeyPair, importPrivateKey, open, publicKeyOf, randomSeed, recoverSeed, seal, SecAggError, shareSeed, type KeyPair } from './crypto';

export interface PublicKeys {
  /** Client index -> raw X25519 public key. */
  readonly keys: ReadonlyMap<number, Uint8Array>;
}

/** What a client publishes at setup (through the server): its key, commitments to what it shares. */
export interface Advertisement {
  index: number;
  /** The pairwise-mask key. */
  publicKey: Uint8Array;
  /** The key shares are sealed to (a second pair, as in Bonawitz et al.). */
  encryptionKey: Uint8Array;
  selfSeedCommitment: Uint8Array;
  privateKeyCommitment: Uint8Array;
}

/** One client's shares for one recipient. */
export interface ShareBundle {
  from: number;
  to: number;
  selfSeed: Uint8Array;
  privateKey: Uint8Array;
}

/** A client's secrets for one round (what it keeps in its own database between the phases). */
export interface ClientSecrets {
  maskKey: Uint8Array;
  encryptionKey: Uint8Array;
  selfSeed: Uint8Array;
}

export function newClientSecrets(): ClientSecrets {
  return { maskKey: exportPrivateKey(generateKeyPair().privateKey), encryptionKey: exportPrivateKey(generateKeyPair().privateKey), selfSeed: randomSeed() };
}

/** A sealed share bundle on its way through the server. */
export interface SealedShare {
  from: number;
  to: number;
  sealed: Uint8Array;
}

/** What a survivor reveals in the unmask phase: per client index, one share of one secret. */
export interface Reveal {
  selfSeed: Map<number, Uint8Array>;
  privateKey: Map<number, Uint8Array>;
}

export class SecAggClient {
  private readonly pair: KeyPair;
  private readonly encryption: KeyPair;
  private readonly selfSeed: Uint8Array;

  constructor(
    readonly index: number,
    private readonly round: string,
    secrets: ClientSecrets = newClientSecrets(),
  ) {
    const mask = importPrivateKey(secrets.maskKey);
    const enc = importPrivateKey(secrets.encryptionKey);
    this.pair = { privateKey: mask, publicKey: publicKeyOf(mask) };
    this.encryption = { privateKey: enc, publicKey: publicKeyOf(enc) };
    this.selfSeed = secrets.selfSeed;
  }

  advertise(): Advertisement {
    return {
      index: this.index,
      publicKey: this.pair.publicKey,
      encryptionKey: this.encryption.publicKey,
      selfSeedCommitment: commitment(this.selfSeed),
      privateKeyCommitment: commitment(exportPrivateKey(this.pair.privateKey)),
    };
  }

  /** Shares for every member (itself included), each sealed to its recipient's encryption key. */
  async sealedShares(members: readonly Advertisement[], threshold: number): Promise<SealedShare[]> {
    const bundles = await this.shares(members.map((m) => m.index), threshold);
    return bundles.map((b) => {
      const to = members.find((m) => m.index === b.to) as Advertisement;
      return { from: b.from, to: b.to, sealed: seal(this.encryption.privateKey, to.encryptionKey, shareContext(this.round, b.from, b.to), packBundle(b)) };
    });
  }

  /** The bundles sealed to this client, opened and checked (sender, recipient, round). */
  openShares(members: readonly Advertisement[], incoming: readonly SealedShare[]): ShareBundle[] {
    return incoming.map((s) => {
      if (s.to !== this.index) throw new SecAggError(`a share for client ${s.to} was handed to client ${this.index}`);
      const from = members.find((m) => m.index === s.from);
      if (!from) throw new SecAggError(`a share comes from ${s.from}, who is not in this round`);
      const b = unpackBundle(open(this.encryption.privateKey, from.encryptionKey, shareContext(this.round, s.from, s.to), s.sealed));
      if (b.from !== s.from || b.to !== s.to) throw new SecAggError(`a share bundle names ${b.from}->${b.to} inside but travelled as ${s.from}->${s.to}`);
      return b;
    });
  }

  /**
   * The unmask phase: for each survivor its self-seed share, for each dropped client its
   * private-key share, never both for one client (the caller answers once per round).
   */
  reveal(held: readonly ShareBundle[], survivors: readonly number[], dropped: readonly number[], threshold: number): Reveal {
    if (survivors.length < threshold) throw new SecAggError(`${survivors.length} survivors, the threshold is ${threshold}: nothing is revealed`);
    const overlap = survivors.filter((i) => dropped.includes(i));
    if (overlap.length > 0) throw new SecAggError(`client ${overlap[0]} is named both a survivor and dropped: refusing to reveal both of its secrets`);
    if (!survivors.includes(this.index)) throw new SecAggError(`client ${this.index} is not among the survivors it is asked to unmask`);
    const out: Reveal = { selfSeed: new Map(), privateKey: new Map() };
    for (const b of held) {
      if (survivors.includes(b.from)) out.selfSeed.set(b.from, b.selfSeed);
      else if (dropped.includes(b.from)) out.privateKey.set(b.from, b.privateKey);
    }
    return out;
  }

  /** t-of-n shares of the self seed and of the private key, one bundle per client (itself included). */
  async shares(clients: readonly number[], threshold: number): Promise<ShareBundle[]> {
    const n = clients.length;
    const [b, k] = await Promise.all([shareSeed(this.selfSeed, n, threshold), shareSeed(exportPrivateKey(this.pair.privateKey), n, threshold)]);
    return clients.map((to, i) => ({ from: this.index, to, selfSeed: b[i] as Uint8Array, privateKey: k[i] as Uint8Array }));
  }

  /** The masked upload of an encoded vector, given every participant's public key. */
  maskedInput(encoded: Uint32Array, peers: PublicKeys): Uint32Array {
    const y = Uint32Array.from(encoded);
    addRing(y, expandMask(this.selfSeed, y.length, `${this.round} self ${this.index}`));
    for (const [j, pk] of peers.keys) {
      if (j === this.index) continue;
      const mask = pairMask(agree(this.pair.privateKey, pk, pairContext(this.round, this.index, j)), y.length, this.round, this.index, j);
      if (j > this.index) addRing(y, mask);
      else subRing(y, mask);
    }
    return y;
  }
}

const shareContext = (round: string, from: number, to: number) => `${round} share ${from}->${to}`;

function packBundle(b: ShareBundle): Uint8Array {
  const out = new Uint8Array(12 + b.selfSeed.length + b.privateKey.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, b.from, true);
  v.setUint32(4, b.to, true);
  v.setUint16(8, b.selfSeed.length, true);
  v.setUint16(10, b.privateKey.length, true);
  out.set(b.selfSeed, 12);
  out.set(b.privateKey, 12 + b.selfSeed.length);
  return out;
}

function unpackBundle(bytes: Uint8Array): ShareBundle {
  if (bytes.length < 12) throw new SecAggError('a share bundle is truncated');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nb = v.getUint16(8, true);
  const nk = v.getUint16(10, true);
  if (bytes.length !== 12 + nb + nk) throw new SecAggError('a share bundle has the wrong length');
  return { from: v.getUint32(0, true), to: v.getUint32(4, true), selfSeed: bytes.slice(12, 12 + nb), privateKey: bytes.slice(12 + nb) };
}

const pairContext = (round: string, a: number, b: number) => `${round} pair ${Math.min(a, b)}-${Math.max(a, b)}`;
const pairMask = (secret: Uint8Array, length: number, round: string, a: number, b: number) => expandMask(secret, length, pairContext(round, a, b));

export interface UnmaskInput {
  round: string;
  threshold: number;
  length: number;
  advertisements: readonly Advertisement[];
  /** Client index -> its masked upload (the clients that uploaded). */
  uploads: ReadonlyMap<number, Uint32Array>;
  /**
   * Shares revealed in the unmask phase by the survivors: for an uploader, shares of its self seed;
   * for a client that never uploaded, shares of its private key. Keyed by the client they belong to.
   */
  selfSeedShares: ReadonlyMap<number, Uint8Array[]>;
  privateKeyShares: ReadonlyMap<number, Uint8Array[]>;
}

/** The server's side: the sum of the uploaded (encoded) vectors, masks removed, or an error. */
export async function unmaskSum(input: UnmaskInput): Promise<Uint32Array> {
  const { round, threshold, length, uploads } = input;
  if (uploads.size < threshold) throw new SecAggError(`${uploads.size} clients uploaded, the threshold is ${threshold}: the round fails without unmasking anything`);
  const ads = new Map(input.advertisements.map((a) => [a.index, a]));
  const sum = new Uint32Array(length);
  for (const y of uploads.values()) {
    if (y.length !== length) throw new SecAggError(`a masked upload has ${y.length} values, the round expects ${length}`);
    addRing(sum, y);
  }
  for (const i of uploads.keys()) {
    const ad = ads.get(i);
    if (!ad) throw new SecAggError(`client ${i} uploaded without taking part in the setup`);
    if (input.privateKeyShares.has(i)) throw new SecAggError(`client ${i} uploaded: revealing its private key as well would expose its update`);
    const seed = await recoverSeed(input.selfSeedShares.get(i) ?? [], threshold, ad.selfSeedCommitment);
    subRing(sum, expandMask(seed, length, `${round} self ${i}`));
  }
  for (const ad of input.advertisements) {
    const d = ad.index;
    if (uploads.has(d)) continue;
    // A client that dropped before uploading: its pairwise masks are in every uploader's vector.
    const der = await recoverSeed(input.privateKeyShares.get(d) ?? [], threshold, ad.privateKeyCommitment);
    const sk = importPrivateKey(der);
    for (const j of uploads.keys()) {
      const peer = ads.get(j) as Advertisement;
      const mask = pairMask(agree(sk, peer.publicKey, pairContext(round, d, j)), length, round, d, j);
      // In y_j the pair (j, d) mask was added when d > j and subtracted when d < j.
      if (d > j) subRing(sum, mask);
      else addRing(sum, mask);
    }
  }
  return sum;
}

/** The label every mask and sealed share of one attempt is bound to (federation, round, attempt). */
export const secAggRoundLabel = (federation: string, roundId: number, attempt: number): string => `${federation.slice(0, 16)} round ${roundId} attempt ${attempt}`;
