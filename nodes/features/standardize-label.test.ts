/**
 * Issue 15, item 4: a yes/no label is never standardized. Breast-cancer's diagnosis as a BOOLEAN
 * `malignant` column (as DuckDB reads a true/false CSV column): standardize leaves it as it is,
 * a trainer learns two classes from it, and a label that an older pipeline did scale (a 0/1
 * integer, not excluded) is refused by the trainer with the fix.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_DIR, makeTestContext, outputArtifact, runNode, tableArtifact, type TestContext } from '../../test/helpers/node-context';
import type { ArtifactRef } from '../types';
import split from './split.node';
import standardize from './standardize.node';
import logistic from '../train/logistic-regression.node';

describe('standardize and a yes/no label', () => {
  let ctx: TestContext;
  let boolTable: ArtifactRef;
  let intTable: ArtifactRef;
  beforeAll(async () => {
    ctx = await makeTestContext({ nodeId: 'scale' });
    const [head, ...rows] = readFileSync(join(DATA_DIR, 'breast_cancer.csv'), 'utf8').trim().split('\n');
    const cols = head.split(',');
    const d = cols.indexOf('diagnosis');
    const recode = (yes: string, no: string) =>
      [cols.map((c, i) => (i === d ? 'malignant' : c)).join(','), ...rows.map((r) => r.split(',').map((v, i) => (i === d ? (v === 'malignant' ? yes : no) : v)).join(','))].join('\n');
    writeFileSync(join(ctx.tmpDir, 'bool.csv'), recode('true', 'false'));
    writeFileSync(join(ctx.tmpDir, 'int.csv'), recode('1', '0'));
    boolTable = await tableArtifact(join(ctx.tmpDir, 'bool.csv'), ctx);
    intTable = await tableArtifact(join(ctx.tmpDir, 'int.csv'), ctx);
  });
  afterAll(() => ctx.cleanup());

  const splitAndScale = async (t: ArtifactRef, exclude: string[] = []) => {
    const parts = await runNode(split, ctx, { table: t }, { testFraction: 0.25, seed: 1 });
    const scaled = await runNode(standardize, ctx, { train: await outputArtifact(parts.train, ctx), test: await outputArtifact(parts.test, ctx) }, { exclude });
    return { train: await outputArtifact(scaled.train, ctx), test: await outputArtifact(scaled.test, ctx) };
  };

  it('leaves a BOOLEAN column as it is and a trainer learns its two classes', async () => {
    expect((boolTable.meta.columns as { name: string; type: string }[]).find((c) => c.name === 'malignant')?.type).toBe('BOOLEAN');
    const { train } = await splitAndScale(boolTable);
    const values = await ctx.data.query('SELECT DISTINCT malignant AS v FROM t ORDER BY v', { t: train });
    expect(values.map((r) => r.v)).toEqual([false, true]);
    expect(ctx.logs.some((l) => /left yes\/no column malignant/.test(l.message))).toBe(true);
    const model = (await runNode(logistic, ctx, { train }, { label: 'malignant', epochs: 20 })).model as { json: { classes: string[] | null } };
    expect(model.json.classes).toHaveLength(2);
  }, 60_000);

  it('refuses to train on a label that was standardized upstream, naming the fix', async () => {
    const { train } = await splitAndScale(intTable);
    await expect(runNode(logistic, ctx, { train }, { label: 'malignant', epochs: 5 })).rejects.toThrow(
      /the label malignant was standardized upstream \(mean 0\.\d+, scale 0\.\d+\).*add malignant to exclude of the features\.standardize node/,
    );
    // excluded: trains
    const ok = await splitAndScale(intTable, ['malignant']);
    const model = (await runNode(logistic, ctx, { train: ok.train }, { label: 'malignant', epochs: 5 })).model as { json: { classes: string[] | null } };
    expect(model.json.classes).toEqual(['0', '1']);
  }, 60_000);
});
