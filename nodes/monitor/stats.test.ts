import { describe, expect, it } from 'vitest';
import { normal, seededRandom } from '../../shared/random';
import { pythonWithVersion } from '../../test/helpers/python';
import { expectClose, scipyAnswers, type Ref } from './scipy-check';
import { chiSquare, jensenShannon, ks2samp, kstwoSf, meanStd, psiNumeric, smirnovSf, sortFloat64, wasserstein, zTest } from './stats';

type Case =
  | { kind: 'ks' | 'wasserstein' | 'psi'; a: number[]; b: number[] }
  | { kind: 'jensenshannon'; p: number[]; q: number[] }
  | { kind: 'chisquare'; ref: number[]; cur: number[] }
  | { kind: 'ztest'; x1: number; n1: number; x2: number; n2: number }
  | { kind: 'kstwo'; d: number; n: number };

function sample(seed: number, n: number, shift = 0, scale = 1, round?: number): number[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const v = shift + scale * normal(r);
    return round ? Math.round(v * round) / round : v;
  });
}

const sorted = (a: number[]): Float64Array => sortFloat64(Float64Array.from(a));

function ours(c: Case): Ref {
  switch (c.kind) {
    case 'ks': {
      const r = ks2samp(sorted(c.a), sorted(c.b));
      return { statistic: r.statistic, pValue: r.pValue };
    }
    case 'wasserstein': {
      const a = sorted(c.a);
      return { statistic: wasserstein(a, sorted(c.b)) / Math.max(meanStd(a).std, 0.001) };
    }
    case 'psi':
      return { statistic: psiNumeric(sorted(c.a), sorted(c.b)) };
    case 'jensenshannon':
      return { statistic: jensenShannon(c.p, c.q) };
    case 'chisquare':
      return chiSquare(c.ref, c.cur) ?? {};
    case 'ztest':
      return zTest(c.x1, c.n1, c.x2, c.n2);
    case 'kstwo':
      return { pValue: kstwoSf(c.d, c.n) };
  }
}

function cases(): Case[] {
  const ks: [number, number, number, number?][] = [
    // [n, m, shift of the second, rounding (ties)]
    [50, 50, 0.3], [30, 47, 0.5], [7, 3, 1], [1000, 800, 0.05], [1000, 1000, 0.1, 10], [400, 9000, 0.2],
    [300, 12000, 0.1], [300, 12000, 0.4], [12000, 5, 0.5], [12000, 60, 0.3], [20000, 15000, 0.02],
    [20000, 15000, 0.3], [11000, 100, 1.5], [10001, 10001, 0.01, 100], [2, 3, 0],
  ];
  const out: Case[] = ks.map(([n, m, shift, round], i) => ({ kind: 'ks', a: sample(100 + i, n, 0, 1, round), b: sample(200 + i, m, shift, 1, round) }));
  for (const [i, [n, m, shift, scale]] of ([[100, 80, 0.5, 2], [5000, 3000, 0.1, 1], [3, 4, 0, 1]] as const).entries()) {
    out.push({ kind: 'wasserstein', a: sample(300 + i, n), b: sample(400 + i, m, shift, scale) });
    out.push({ kind: 'psi', a: sample(500 + i, n, 0, 1, 10), b: sample(600 + i, m, shift, scale, 10) });
  }
  out.push({ kind: 'wasserstein', a: [5, 5, 5], b: [5, 6] });
  out.push({ kind: 'jensenshannon', p: [10, 20, 30], q: [30, 20, 10] }, { kind: 'jensenshannon', p: [5, 0, 1], q: [0, 7, 1] }, { kind: 'jensenshannon', p: [1, 2], q: [1, 2] });
  out.push({ kind: 'chisquare', ref: [100, 50, 25], cur: [90, 60, 30] }, { kind: 'chisquare', ref: [10, 0.0 + 5, 1], cur: [1, 30, 5] }, { kind: 'chisquare', ref: [500, 480, 20, 1, 7], cur: [480, 500, 7, 30, 1] });
  out.push({ kind: 'ztest', x1: 40, n1: 100, x2: 55, n2: 90 }, { kind: 'ztest', x1: 400, n1: 1000, x2: 401, n2: 1000 }, { kind: 'ztest', x1: 3, n1: 900, x2: 80, n2: 700 });
  for (const [d, n] of [[0.3, 10], [0.05, 100], [0.2, 100], [0.6, 50], [0.01, 5000], [0.03, 5000], [0.004, 200000], [0.01, 200000], [0.5, 3], [0.002, 60000]]) out.push({ kind: 'kstwo', d, n });
  return out;
}

describe('drift statistics against scipy 1.10', () => {
  const py = pythonWithVersion('scipy', '1.10');
  it.skipIf(!py)('equal scipy on random normal samples, ties and every KS p-value method', () => {
    const all = cases();
    const want = scipyAnswers(py as string, all);
    all.forEach((c, i) => expectClose(ours(c), want[i], `case ${i} (${c.kind})`));
  }, 600_000);
});

describe('drift statistics by hand', () => {
  it('sorts doubles like Float64Array#sort, negatives, zeros and duplicates included', () => {
    const r = seededRandom(7);
    const a = Float64Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? Math.round(r() * 5) : (r() - 0.5) * 1e6));
    expect([...sortFloat64(a.slice())]).toEqual([...a.slice().sort()]);
  });

  it('KS of identical samples is 0 with p-value 1; of disjoint ones 1', () => {
    const a = sorted([1, 2, 3, 4]);
    expect(ks2samp(a, a)).toMatchObject({ statistic: 0, pValue: 1 });
    expect(ks2samp(sorted([1, 2, 3]), sorted([10, 11, 12, 13])).statistic).toBe(1);
  });

  it('chi-square: a category missing from the reference has no statistic; one category is 0 with p 1', () => {
    expect(chiSquare([10, 0], [5, 5])).toBeNull();
    expect(chiSquare([10], [4])).toEqual({ statistic: 0, pValue: 1 });
  });

  it("Smirnov's one-sided sum: P(D+ ≥ 0) = 1 and tiny far out", () => {
    expect(smirnovSf(10, 0)).toBe(1);
    expect(smirnovSf(100, 0.5)).toBeLessThan(1e-20);
  });
});
