import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataEngine, type DuckDataEngine } from '../data/duck-engine';
import type { ArtifactRef } from '../../nodes/types';
import { HISTOGRAM_BINS, TOP_VALUES, tableRows, tableStats } from './preview';

let dir: string;
let engine: DuckDataEngine;
let table: ArtifactRef;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-preview-'));
  engine = await createDataEngine({ tmpDir: dir, threads: 1 });
  // 100 rows: x = 0..99 with NaN, +inf and NULL mixed in; a constant; an all-null column; a BIGINT;
  // a text column with 15 distinct values of known frequencies.
  const path = await engine.writeTable(`
    SELECT
      CASE WHEN range = 10 THEN 'NaN'::DOUBLE WHEN range = 20 THEN 'inf'::DOUBLE WHEN range = 30 THEN NULL ELSE range::DOUBLE END AS x,
      7.5::DOUBLE AS k,
      NULL::DOUBLE AS empty,
      (range * 1000)::BIGINT AS big,
      CASE WHEN range < 3 THEN NULL ELSE 'v' || (range % 15)::VARCHAR END AS label
    FROM range(100) ORDER BY range`);
  table = { kind: 'table', path, hash: 'test', meta: {} };
});

afterAll(async () => {
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('table preview', () => {
  it('pages rows in column order with JSON-safe cells', async () => {
    const page = await tableRows(engine, table, 9, 3);
    expect(page.totalRows).toBe(100);
    expect(page.columns.map((c) => c.name)).toEqual(['x', 'k', 'empty', 'big', 'label']);
    expect(page.rows).toEqual([
      [9, 7.5, null, 9000, 'v9'],
      [null, 7.5, null, 10000, 'v10'], // NaN travels as null
      [11, 7.5, null, 11000, 'v11'],
    ]);
  });

  it('bins numbers exactly, leaving NaN/inf/NULL out, and counts top values', async () => {
    const stats = await tableStats(engine, table);
    const x = stats.find((s) => s.name === 'x')!;
    expect(x.bins).toHaveLength(HISTOGRAM_BINS);
    expect(x.bins![0].x0).toBe(0);
    expect(x.bins!.at(-1)!.x1).toBe(99);
    expect(x.bins!.reduce((a, b) => a + b.count, 0)).toBe(97);
    expect(x.nulls).toBe(3);
    // each bin holds the values in [x0, x1): 0..99 in 20 bins of width 4.95
    for (const b of x.bins!) {
      const expected = Array.from({ length: 100 }, (_, i) => i)
        .filter((v) => v !== 10 && v !== 20 && v !== 30)
        .filter((v) => v >= b.x0 && (b === x.bins!.at(-1) ? v <= b.x1 : v < b.x1)).length;
      expect(b.count).toBe(expected);
    }
    expect(stats.find((s) => s.name === 'k')).toEqual({ name: 'k', bins: [{ x0: 7.5, x1: 7.5, count: 100 }], nulls: 0 });
    expect(stats.find((s) => s.name === 'empty')).toEqual({ name: 'empty', bins: [], nulls: 100 });
    expect(stats.find((s) => s.name === 'big')!.bins!.reduce((a, b) => a + b.count, 0)).toBe(100);

    const label = stats.find((s) => s.name === 'label')!;
    expect(label.nulls).toBe(3);
    expect(label.top).toHaveLength(TOP_VALUES);
    // rows 3..99 by range % 15: v3..v9 appear 7 times, the rest 6; ties broken by value
    expect(label.top!.slice(0, 8)).toEqual([
      ...['v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9'].map((value) => ({ value, count: 7 })),
      { value: 'v0', count: 6 },
    ]);
  });
});
