/**
 * A big training table is read one feature column at a time (readTraining); what it prepares
 * must be what reading the whole table gives, bit for bit, and it must fail the same way.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_DIR, makeTestContext, tableArtifact, type TestContext } from '../../test/helpers/node-context';
import type { ArtifactRef } from '../types';
import { prepareTraining, readTraining, type PreparedData } from './trainer';

let ctx: TestContext;
let cancer: ArtifactRef;
let penguins: ArtifactRef;
beforeAll(async () => {
  ctx = await makeTestContext();
  cancer = await tableArtifact(join(DATA_DIR, 'breast_cancer.csv'), ctx);
  penguins = await tableArtifact(join(DATA_DIR, 'penguins.csv'), ctx);
});
afterAll(() => ctx.cleanup());

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The same preparation, whole (the threshold above the table) and a column at a time (0). */
async function bothWays(table: ArtifactRef, label: string, task: 'classification' | 'regression'): Promise<[PreparedData, PreparedData]> {
  const whole = prepareTraining(await ctx.data.readColumns(table), label, task);
  const byColumn = await readTraining(ctx.data, table, label, task, 0);
  return [whole, byColumn];
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a failure');
}

describe('readTraining, a column at a time', () => {
  it('prepares the breast-cancer table exactly as a whole read does (classification and regression)', async () => {
    const numeric = await numericLabel();
    for (const [table, label, task] of [
      [cancer, 'diagnosis', 'classification'],
      [numeric, 'mean_radius', 'regression'],
      [numeric, 'malignant', 'classification'],
    ] as const) {
      const [whole, byColumn] = await bothWays(table, label, task);
      expect(byColumn.n).toBe(569);
      expect(byColumn.features).toEqual(whole.features);
      expect(byColumn.features).toHaveLength(30);
      expect(bytes(byColumn.x).equals(bytes(whole.x))).toBe(true);
      expect(bytes(byColumn.y).equals(bytes(whole.y))).toBe(true);
      expect(byColumn.standardize).toEqual(whole.standardize);
      expect(byColumn.target).toEqual(whole.target);
      expect(byColumn.classes).toEqual(whole.classes);
      expect(byColumn.task).toBe(whole.task);
      expect(byColumn.labelType).toBe(whole.labelType);
      // the rows are on shared memory, which the threads of a data-parallel step read in place
      expect(byColumn.x.buffer).toBeInstanceOf(SharedArrayBuffer);
    }
    const [, numericClasses] = await bothWays(numeric, 'malignant', 'classification');
    expect(numericClasses.classes).toEqual(['0', '1']);
    expect(numericClasses.labelType).toBe('numeric');
  });

  it('reads a wide table one column per query, each into the same buffer', async () => {
    const calls: { columns: string[] | undefined; into: (Float64Array | undefined)[] | undefined }[] = [];
    const spy = { ...ctx.data, readColumns: (t: ArtifactRef, columns?: string[], options?: { into?: (Float64Array | undefined)[] }) => {
      calls.push({ columns, into: options?.into });
      return ctx.data.readColumns(t, columns, options);
    } };
    await readTraining(spy, cancer, 'diagnosis', 'classification', 0);
    expect(calls).toHaveLength(31);
    expect(calls.every((c) => c.columns?.length === 1)).toBe(true);
    const buffers = new Set(calls.map((c) => c.into?.[0]));
    expect(buffers.size).toBe(1);
    expect([...buffers][0]).toBeInstanceOf(Float64Array);
    // below the threshold the table is read whole, in one query
    calls.length = 0;
    await readTraining(spy, cancer, 'diagnosis', 'classification');
    expect(calls).toEqual([{ columns: undefined, into: undefined }]);
  });

  it('refuses what a whole read refuses, with the same message, before reading a value when it can', async () => {
    // text features (species is the label, island and sex are text)
    const text = await failure(readTraining(ctx.data, penguins, 'species', 'classification', 0));
    expect(text).toMatch(/feature columns island \(VARCHAR\), sex \(VARCHAR\) are not numeric/);
    expect(text).toBe(await failure(bothWays(penguins, 'species', 'classification')));
    // a missing label column
    const missing = await failure(readTraining(ctx.data, cancer, 'nope', 'classification', 0));
    expect(missing).toMatch(/^label column nope is not in the table/);
    // a missing value in a feature: penguins' measurements are empty in row 4
    const measured = await penguinsMeasurements();
    const gap = await failure(readTraining(ctx.data, measured, 'species', 'classification', 0));
    expect(gap).toBe('feature column beak_length_mm has a missing value in row 4: fill it with features.impute or drop the column with features.select');
    expect(gap).toBe(await failure(bothWays(measured, 'species', 'classification')));
    // a text target for regression
    const target = await failure(readTraining(ctx.data, cancer, 'diagnosis', 'regression', 0));
    expect(target).toMatch(/the regression target diagnosis is not numeric/);
  });
});

async function numericLabel(): Promise<ArtifactRef> {
  const path = await ctx.data.writeTable(`SELECT * EXCLUDE (diagnosis), CASE WHEN diagnosis = 'malignant' THEN 1 ELSE 0 END AS malignant FROM t`, { t: cancer });
  return { kind: 'table', path, hash: '', meta: {} };
}

async function penguinsMeasurements(): Promise<ArtifactRef> {
  const path = await ctx.data.writeTable('SELECT species, beak_length_mm, beak_depth_mm, flipper_length_mm, body_mass_g FROM t', { t: penguins });
  return { kind: 'table', path, hash: '', meta: {} };
}
