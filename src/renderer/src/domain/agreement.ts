// Agreement between two readers (issue 17): Cohen's kappa over the doubly-read images, overall
// and per class (that class against all others), each with its n. Pure, tested on its own.

export interface CallPair {
  /** Class index of each reader's call; null = unsure (its own category). */
  first: number | null;
  second: number | null;
}

export interface Kappa {
  kappa: number | null;
  /** Observed agreement (share of pairs with the same call). */
  observed: number;
  n: number;
}

/** Cohen's kappa over categories (null counts as one more category). null when undefined (n = 0 or chance agreement 1). */
export function cohenKappa(pairs: readonly CallPair[]): Kappa {
  const n = pairs.length;
  if (n === 0) return { kappa: null, observed: 0, n };
  const key = (v: number | null) => (v === null ? 'unsure' : String(v));
  const a = new Map<string, number>();
  const b = new Map<string, number>();
  let agree = 0;
  for (const p of pairs) {
    if (key(p.first) === key(p.second)) agree++;
    a.set(key(p.first), (a.get(key(p.first)) ?? 0) + 1);
    b.set(key(p.second), (b.get(key(p.second)) ?? 0) + 1);
  }
  const po = agree / n;
  let pe = 0;
  for (const [k, na] of a) pe += (na / n) * ((b.get(k) ?? 0) / n);
  return { kappa: pe >= 1 ? null : (po - pe) / (1 - pe), observed: po, n };
}

/** Per class: kappa of "this class or not" between the two readers, over every doubly-read image; n = images either reader put in the class. */
export function perClassKappa(pairs: readonly CallPair[], classCount: number): (Kappa & { classIndex: number })[] {
  return Array.from({ length: classCount }, (_, c) => {
    const binary = pairs.map((p) => ({ first: p.first === c ? 1 : 0, second: p.second === c ? 1 : 0 }));
    const k = cohenKappa(binary);
    return { ...k, n: pairs.filter((p) => p.first === c || p.second === c).length, classIndex: c };
  });
}
