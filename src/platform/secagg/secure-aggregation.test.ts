// Issue 19, secure aggregation (the round's cryptography; transport and server integration come
// next): the unmasked sum equals the plaintext sum within the fixed-point tolerance, one stored
// upload is indistinguishable from noise, 2 of 10 clients dropping (after or before upload) still
// give the right sum, fewer survivors than the threshold unmask nothing, a tampered share is refused.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng';
import { checkCapacity, decodeFixed, encodeFixed, FixedPointError, type FixedPointSpec } from './fixed-point';
import { newClientSecrets, SecAggClient, unmaskSum, type ShareBundle } from './round';

const SPEC: FixedPointSpec = { scaleBits: 16, range: 8 };
const LENGTH = 4000;

function vectors(n: number, seed: number): Float32Array[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: LENGTH }, () => (rng.next() - 0.5) * 4));
}

interface RoundOptions {
  n: number;
  threshold: number;
  dropBeforeUpload?: number[];
  dropAfterUpload?: number[];
  tamper?: boolean;
}

async function runRound(values: Float32Array[], o: RoundOptions) {
  const round = 'federation-1/round-7';
  const clients = Array.from({ length: o.n }, (_, i) => new SecAggClient(i, round));
  const indices = clients.map((c) => c.index);
  const advertisements = clients.map((c) => c.advertise());
  const held = new Map<number, ShareBundle[]>(indices.map((i) => [i, []]));
  for (const c of clients) for (const b of await c.shares(indices, o.threshold)) held.get(b.to)!.push(b);
  const keys = new Map(advertisements.map((a) => [a.index, a.publicKey]));
  const before = new Set(o.dropBeforeUpload ?? []);
  const after = new Set(o.dropAfterUpload ?? []);
  const uploads = new Map<number, Uint32Array>();
  for (const c of clients) if (!before.has(c.index)) uploads.set(c.index, c.maskedInput(encodeFixed(values[c.index]!, SPEC), { keys }));
  const survivors = indices.filter((i) => uploads.has(i) && !after.has(i));
  const selfSeedShares = new Map<number, Uint8Array[]>();
  const privateKeyShares = new Map<number, Uint8Array[]>();
  for (const i of indices) {
    const from = survivors.map((s) => held.get(s)!.find((b) => b.from === i)!);
    if (uploads.has(i)) selfSeedShares.set(i, from.map((b) => b.selfSeed));
    else privateKeyShares.set(i, from.map((b) => b.privateKey));
  }
  if (o.tamper) {
    const first = selfSeedShares.get(0)![0]!;
    first[3] = (first[3]! ^ 0x5a) & 255;
  }
  const sum = await unmaskSum({ round, threshold: o.threshold, length: LENGTH, advertisements, uploads, selfSeedShares, privateKeyShares });
  return { sum: decodeFixed(sum, SPEC), uploads };
}

function plainSum(values: Float32Array[], included: number[]): Float64Array {
  const s = new Float64Array(LENGTH);
  for (const i of included) values[i]!.forEach((v, k) => (s[k] = (s[k] as number) + v));
  return s;
}

const maxDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);

describe('secure aggregation', () => {
  it('the unmasked sum equals the plaintext sum within the fixed-point tolerance', async () => {
    const values = vectors(10, 1);
    const { sum } = await runRound(values, { n: 10, threshold: 6 });
    // Each value rounds by at most 2^-17: ten of them, 10 x 2^-17 = 7.6e-5.
    expect(maxDiff(sum, plainSum(values, [...Array(10).keys()]))).toBeLessThan(10 * 2 ** -17 + 1e-9);
  }, 60_000);

  it('a stored upload is indistinguishable from random: no correlation with the update', async () => {
    const values = vectors(10, 2);
    const { uploads } = await runRound(values, { n: 10, threshold: 6 });
    const y = Array.from(uploads.get(3)!, (v) => v / 2 ** 32);
    const x = Array.from(values[3]!);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    const [mx, my] = [mean(x), mean(y)];
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    x.forEach((xv, i) => {
      sxy += (xv - mx) * ((y[i] as number) - my);
      sxx += (xv - mx) ** 2;
      syy += ((y[i] as number) - my) ** 2;
    });
    expect(Math.abs(sxy / Math.sqrt(sxx * syy))).toBeLessThan(0.06); // 4000 values: 4 standard errors
    expect(Math.abs(my - 0.5)).toBeLessThan(0.02); // uniform over the ring
  }, 60_000);

  it('2 of 10 clients dropping after their upload still give the full sum; 2 dropping before it, the others', async () => {
    const values = vectors(10, 3);
    const after = await runRound(values, { n: 10, threshold: 6, dropAfterUpload: [2, 7] });
    expect(maxDiff(after.sum, plainSum(values, [...Array(10).keys()]))).toBeLessThan(1e-4);
    const before = await runRound(values, { n: 10, threshold: 6, dropBeforeUpload: [4, 9] });
    expect(maxDiff(before.sum, plainSum(values, [0, 1, 2, 3, 5, 6, 7, 8]))).toBeLessThan(1e-4);
  }, 60_000);

  it('fails safely below the threshold and refuses a tampered share', async () => {
    const values = vectors(10, 4);
    await expect(runRound(values, { n: 10, threshold: 6, dropAfterUpload: [0, 1, 2, 3, 4] })).rejects.toThrow(/5 shares, the threshold is 6: the round cannot be unmasked/);
    // Exactly t shares, one tampered: no seed matches its commitment, nothing is unmasked.
    await expect(runRound(values, { n: 10, threshold: 6, dropAfterUpload: [5, 6, 7, 8], tamper: true })).rejects.toThrow(/tampered with or belongs to another seed/);
    // Ten shares, one tampered: it is refused and the other nine recover the seed.
    const robust = await runRound(values, { n: 10, threshold: 6, tamper: true });
    expect(maxDiff(robust.sum, plainSum(values, [...Array(10).keys()]))).toBeLessThan(1e-4);
  }, 60_000);

  it('fixed-point encoding refuses values outside its range and sums that could overflow', () => {
    expect(() => encodeFixed([9], SPEC)).toThrow(/outside the stated range/);
    expect(() => encodeFixed([Number.NaN], SPEC)).toThrow(/not finite/);
    expect(() => checkCapacity(SPEC, 10)).not.toThrow();
    expect(() => checkCapacity(SPEC, 5000)).toThrow(FixedPointError);
  });

  it('a sealed share opens only for its recipient, in its round and direction: replayed or tampered, it is refused', async () => {
    const secrets = [newClientSecrets(), newClientSecrets(), newClientSecrets()];
    const [a, b, c] = secrets.map((s, i) => new SecAggClient(i + 1, 'fed round 4 attempt 0', s)) as [SecAggClient, SecAggClient, SecAggClient];
    const members = [a.advertise(), b.advertise(), c.advertise()];
    const sealed = await a.sealedShares(members, 2);
    const toB = sealed.find((s) => s.to === 2)!;
    expect(b.openShares(members, [toB])[0]).toMatchObject({ from: 1, to: 2 });
    // The same ciphertext replayed into another attempt does not open, even between the same keys.
    const bNext = new SecAggClient(2, 'fed round 4 attempt 1', secrets[1]);
    expect(() => bNext.openShares(members, [toB])).toThrow(/does not open/);
    // Handed to another member, or with one flipped bit, it is refused.
    expect(() => c.openShares(members, [{ ...toB, to: 3 }])).toThrow(/does not open/);
    const flipped = Uint8Array.from(toB.sealed);
    flipped[40] = (flipped[40] as number) ^ 1;
    expect(() => b.openShares(members, [{ ...toB, sealed: flipped }])).toThrow(/does not open/);
    expect(() => b.openShares(members, [{ ...toB, to: 3 }])).toThrow(/was handed to client 2/);
  });
});
