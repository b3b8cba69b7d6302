import { describe, expect, it } from 'vitest';
import { coldStartPicks } from './cold-start';
import { createRng } from './rng';

describe('coldStartPicks', () => {
  it('takes one typical image from every cluster, the rare ones included, where a random draw misses them', () => {
    // 5 well separated groups of 900, 60, 20, 10 and 10 points in 8-D.
    const sizes = [900, 60, 20, 10, 10];
    const dim = 8;
    const rng = createRng(4);
    const group: number[] = [];
    const rows: number[] = [];
    sizes.forEach((size, g) => {
      for (let i = 0; i < size; i++) {
        group.push(g);
        for (let d = 0; d < dim; d++) rows.push((d === g ? 10 : 1) + rng.normal(0, 0.3));
      }
    });
    const n = group.length;
    const picks = coldStartPicks(Float32Array.from(rows), n, dim, 10, 1);
    expect(picks).toHaveLength(10);
    expect(new Set(picks.map((i) => group[i])).size).toBe(5);
    // Ten uniform draws almost never cover all five groups (p about 1%).
    let covered = 0;
    for (let t = 0; t < 200; t++) {
      const draw = new Set(Array.from({ length: 10 }, () => group[rng.int(n)]));
      if (draw.size === 5) covered++;
    }
    expect(covered).toBeLessThan(10);
  });

  it('returns distinct positions, never more than there are images', () => {
    const f = Float32Array.from({ length: 12 }, (_, i) => i % 5);
    const picks = coldStartPicks(f, 4, 3, 10, 2);
    expect(new Set(picks).size).toBe(picks.length);
    expect(picks.length).toBe(4);
    expect(coldStartPicks(f, 0, 3, 5, 1)).toEqual([]);
  });
});
