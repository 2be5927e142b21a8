/**
 * Test-only preparation of the real sample data, done in the test so training tests do not
 * depend on the features.* nodes: a seeded stratified split, imputation, one-hot encoding and
 * standardisation fitted on the training rows, with the contract's semantics.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../../shared/random';
import type { ArtifactRef, ColumnData, RunContext } from '../types';

export async function readCsvColumns(ctx: RunContext, path: string): Promise<ColumnData[]> {
  if (!ctx.data.readCsv) throw new Error('the data engine cannot read CSV');
  const file = await ctx.data.readCsv(path, { header: true, types: {} });
  return ctx.data.readColumns({ kind: 'table', path: file, hash: '', meta: {} });
}

function take(c: ColumnData, idx: number[]): ColumnData {
  if (c.numeric) return { ...c, values: Float64Array.from(idx, (i) => c.values[i]) };
  return { ...c, values: idx.map((i) => c.values[i]) };
}

/** Stratified: each class is shuffled (seeded) and its first round(n·f) rows go to test. */
export function stratifiedSplit(columns: ColumnData[], label: string, testFraction: number, seed: number): { train: ColumnData[]; test: ColumnData[] } {
  const y = columns.find((c) => c.name === label);
  if (!y) throw new Error(`no ${label}`);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < y.values.length; i++) {
    const k = String(y.values[i]);
    groups.set(k, [...(groups.get(k) ?? []), i]);
  }
  const rand = seededRandom(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (const k of [...groups.keys()].sort()) {
    const rows = groups.get(k) ?? [];
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [rows[i], rows[j]] = [rows[j], rows[i]];
    }
    const nTest = Math.round(rows.length * testFraction);
    test.push(...rows.slice(0, nTest));
    train.push(...rows.slice(nTest));
  }
  train.sort((a, b) => a - b);
  test.sort((a, b) => a - b);
  return { train: columns.map((c) => take(c, train)), test: columns.map((c) => take(c, test)) };
}

/** Mean for numbers, most frequent for text (fitted on all rows, as the example pipeline does). */
export function impute(columns: ColumnData[]): ColumnData[] {
  return columns.map((c) => {
    if (c.numeric) {
      const ok = [...c.values].filter((v) => !Number.isNaN(v));
      const m = ok.reduce((a, b) => a + b, 0) / ok.length;
      return { ...c, values: c.values.map((v) => (Number.isNaN(v) ? m : v)) };
    }
    const counts = new Map<string, number>();
    for (const v of c.values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0];
    return { ...c, values: c.values.map((v) => v ?? top) };
  });
}

export function oneHot(columns: ColumnData[], names: string[]): ColumnData[] {
  const out: ColumnData[] = [];
  for (const c of columns) {
    if (!names.includes(c.name) || c.numeric) {
      out.push(c);
      continue;
    }
    const values = [...new Set(c.values.filter((v): v is string => v !== null))].sort();
    for (const v of values) out.push({ name: `${c.name}_${v}`, type: 'DOUBLE', numeric: true, values: Float64Array.from(c.values, (x) => (x === v ? 1 : 0)) });
  }
  return out;
}

export function standardize(train: ColumnData[], test: ColumnData[], exclude: string[]): { train: ColumnData[]; test: ColumnData[] } {
  const fit = new Map<string, [number, number]>();
  for (const c of train) {
    if (!c.numeric || exclude.includes(c.name)) continue;
    const n = c.values.length;
    const m = c.values.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(c.values.reduce((a, b) => a + (b - m) ** 2, 0) / n) || 1;
    fit.set(c.name, [m, sd]);
  }
  const apply = (cols: ColumnData[]): ColumnData[] =>
    cols.map((c) => {
      const f = fit.get(c.name);
      return f && c.numeric ? { ...c, values: c.values.map((v) => (v - f[0]) / f[1]) } : c;
    });
  return { train: apply(train), test: apply(test) };
}

export async function toArtifact(ctx: RunContext, columns: ColumnData[]): Promise<ArtifactRef> {
  const path = await ctx.data.writeColumns(columns);
  return { kind: 'table', path, hash: '', meta: {} };
}

/** Writes columns as CSV (for scikit-learn). */
export function writeCsv(dir: string, name: string, columns: ColumnData[]): string {
  const n = columns[0].values.length;
  const lines = [columns.map((c) => c.name).join(',')];
  for (let i = 0; i < n; i++) lines.push(columns.map((c) => String(c.values[i] ?? '')).join(','));
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** Iris, split 80/20 stratified by species (seed 42) and standardised on train: a sweep's inputs. */
export async function irisTrainTest(ctx: RunContext, csvPath: string): Promise<{ train: ArtifactRef; test: ArtifactRef }> {
  const cols = await readCsvColumns(ctx, csvPath);
  const split = stratifiedSplit(cols, 'species', 0.2, 42);
  const s = standardize(split.train, split.test, ['species']);
  return { train: await toArtifact(ctx, s.train), test: await toArtifact(ctx, s.test) };
}
