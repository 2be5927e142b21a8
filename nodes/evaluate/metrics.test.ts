import { pythonWith } from '../../test/helpers/python';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/random';
import { classificationMetrics, logLoss, regressionMetrics, rocAuc, rocCurve } from './metrics';

type Case =
  | { kind: 'classification'; k: number; yTrue: number[]; prob: number[] }
  | { kind: 'regression'; yTrue: number[]; yPred: number[] };

interface Ref {
  accuracy?: number;
  precision?: number;
  recall?: number;
  f1?: number;
  logLoss?: number;
  rocAuc?: number;
  confusion?: number[][];
  fpr?: number[];
  tpr?: number[];
  mse?: number;
  rmse?: number;
  mae?: number;
  r2?: number;
}

const HERE = __dirname;
const FIXTURE = join(HERE, 'sklearn-reference.json');

/** Cases with the awkward parts: tied scores, a class never predicted, 0 and 1 probabilities. */
function makeCases(seed: number): Case[] {
  const rand = seededRandom(seed);
  const cases: Case[] = [];
  for (const k of [2, 2, 3, 4]) {
    const n = 40 + Math.floor(rand() * 40);
    const yTrue: number[] = [];
    const prob: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = Math.floor(rand() * k);
      yTrue.push(t);
      const raw = Array.from({ length: k }, (_, c) => rand() + (c === t ? rand() * 1.5 : 0));
      const s = raw.reduce((a, b) => a + b, 0);
      // Two decimals make ties in the scores, which ROC has to group.
      let row = raw.map((v) => Math.round((v / s) * 100) / 100);
      if (k === 2) row = [1 - row[1], row[1]];
      if (i === 0) row = row.map((_, c) => (c === t ? 1 : 0));
      if (i === 1) row = row.map((_, c) => (c === t ? 0 : 1 / (k - 1)));
      prob.push(...row);
    }
    cases.push({ kind: 'classification', k, yTrue, prob });
  }
  // A class that is never predicted: precision 0 for it (zero_division).
  cases.push({ kind: 'classification', k: 3, yTrue: [0, 1, 2, 2, 1, 0], prob: [0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.3, 0.6, 0.1, 0.5, 0.4, 0.1, 0.1, 0.8, 0.1, 0.6, 0.3, 0.1] });
  for (let j = 0; j < 2; j++) {
    const n = 50;
    const yTrue: number[] = [];
    const yPred: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = rand() * 100 - 30;
      yTrue.push(t);
      yPred.push(t + (rand() - 0.5) * 20);
    }
    cases.push({ kind: 'regression', yTrue, yPred });
  }
  return cases;
}

function ours(c: Case): Ref {
  if (c.kind === 'regression') return regressionMetrics(c.yTrue, c.yPred);
  const m = classificationMetrics(c.yTrue, c.prob, c.k);
  const r: Ref = { accuracy: m.accuracy, precision: m.precision, recall: m.recall, f1: m.f1, logLoss: m.logLoss, confusion: m.confusion };
  if (c.k === 2) {
    r.rocAuc = m.rocAuc;
    r.fpr = m.roc?.fpr;
    r.tpr = m.roc?.tpr;
  }
  return r;
}

function compare(a: Ref, b: Ref): void {
  for (const key of Object.keys(b) as (keyof Ref)[]) {
    const want = b[key];
    const got = a[key];
    if (Array.isArray(want)) {
      expect(got, key).toBeDefined();
      expect(JSON.stringify(got).length > 0).toBe(true);
      const flatW = (want as (number | number[])[]).flat();
      const flatG = (got as (number | number[])[]).flat();
      expect(flatG.length, key).toBe(flatW.length);
      flatW.forEach((w, i) => expect(Math.abs(flatG[i] - w), `${key}[${i}]`).toBeLessThan(1e-6));
    } else if (typeof want === 'number') {
      expect(Math.abs((got as number) - want), key).toBeLessThan(1e-6);
    }
  }
}

function sklearn(py: string, cases: Case[]): Ref[] {
  const out = execFileSync(py, [join(HERE, 'sklearn-reference.py')], { input: JSON.stringify(cases), encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out) as Ref[];
}

describe('metrics against scikit-learn', () => {
  it('match the committed scikit-learn reference values to 1e-6', () => {
    const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { cases: Case[]; expected: Ref[] };
    expect(fixture.cases.length).toBeGreaterThan(5);
    fixture.cases.forEach((c, i) => compare(ours(c), fixture.expected[i]));
  });

  const py = pythonWith('sklearn');
  it.skipIf(!py)('match scikit-learn run now on fresh cases to 1e-6', () => {
    const cases = makeCases(20261126);
    const ref = sklearn(py as string, cases);
    cases.forEach((c, i) => compare(ours(c), ref[i]));
    if (process.env.PIPEWRIGHT_WRITE_SKLEARN_FIXTURE) {
      const fixed = makeCases(42);
      writeFileSync(FIXTURE, `${JSON.stringify({ generatedBy: 'nodes/evaluate/sklearn-reference.py (scikit-learn)', cases: fixed, expected: sklearn(py as string, fixed) })}\n`);
    }
  });
});

describe('metrics by hand', () => {
  it('ROC groups tied scores and starts at (0, 0)', () => {
    const c = rocCurve([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]);
    expect(c.fpr).toEqual([0, 0, 0.5, 1]);
    expect(c.tpr).toEqual([0, 0.5, 1, 1]);
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9])).toBeCloseTo(0.875, 12);
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNaN();
  });

  it('log loss clips certain mistakes instead of returning Infinity', () => {
    expect(Number.isFinite(logLoss([0], [0, 1], 2))).toBe(true);
    expect(logLoss([1, 0], [0.2, 0.8, 0.6, 0.4], 2)).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12);
  });

  it('r2 of a constant target is 1 when perfect and 0 otherwise', () => {
    expect(regressionMetrics([3, 3], [3, 3]).r2).toBe(1);
    expect(regressionMetrics([3, 3], [2, 3]).r2).toBe(0);
  });
});
