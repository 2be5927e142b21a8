import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestContext, runNode, type TestContext } from '../../test/helpers/node-context';
import type { MetricsDoc } from '../artifacts';
import logisticRegression from '../train/logistic-regression.node';
import type { ModelDoc } from '../train/model';
import type { ArtifactRef, ColumnData } from '../types';
import classification from './classification.node';
import regression from './regression.node';

process.env.PIPEWRIGHT_BACKEND ??= 'wasm';

let ctx: TestContext;
let model: ArtifactRef;
let modelDoc: ModelDoc;
const num = (name: string, values: number[]): ColumnData => ({ name, type: 'DOUBLE', numeric: true, values: Float64Array.from(values) });
const txt = (name: string, values: string[]): ColumnData => ({ name, type: 'VARCHAR', numeric: false, values });

/** A separable toy problem: y is "hi" when a + b > 0. */
function toy(n: number, offset = 0): ColumnData[] {
  const a: number[] = [];
  const b: number[] = [];
  const y: string[] = [];
  for (let i = 0; i < n; i++) {
    const u = Math.sin(i * 1.7 + offset) * 2;
    const v = Math.cos(i * 0.9 + offset) * 2;
    a.push(u);
    b.push(v);
    y.push(u + v > 0 ? 'hi' : 'lo');
  }
  return [num('a', a), num('b', b), txt('y', y)];
}

beforeAll(async () => {
  ctx = await makeTestContext();
  const train = { kind: 'table' as const, path: await ctx.data.writeColumns(toy(200)), hash: '', meta: {} };
  const out = await runNode(logisticRegression, ctx, { train }, { label: 'y', epochs: 40 });
  modelDoc = (out.model as { json: ModelDoc }).json;
  const path = join(ctx.tmpDir, 'model.json');
  writeFileSync(path, JSON.stringify(modelDoc));
  model = { kind: 'model', path, hash: '', meta: {} };
});
afterAll(() => ctx.cleanup());

async function table(cols: ColumnData[]): Promise<ArtifactRef> {
  return { kind: 'table', path: await ctx.data.writeColumns(cols), hash: '', meta: {} };
}

describe('evaluate.classification', () => {
  it('scores held-out rows: scalars, a 2x2 confusion matrix over the sorted labels, the ROC curve', async () => {
    ctx.metrics.length = 0;
    const out = await runNode(classification, ctx, { model, test: await table(toy(80, 100)) }, { label: 'y' });
    const doc = (out.metrics as { json: MetricsDoc }).json;
    expect(doc.format).toBe('pipewright-metrics/v1');
    expect(Object.keys(doc.scalars)).toEqual(['accuracy', 'precision', 'recall', 'f1', 'rocAuc', 'logLoss']);
    expect(doc.scalars.accuracy).toBeGreaterThan(0.9);
    expect(doc.matrices?.confusion.labels).toEqual(['hi', 'lo']);
    expect(doc.matrices?.confusion.values.flat().reduce((s, v) => s + v, 0)).toBe(80);
    expect(doc.curves?.roc.x[0]).toBe(0);
    expect(doc.curves?.roc.y.at(-1)).toBe(1);
    expect(ctx.metrics.map((m) => m.key)).toEqual(Object.keys(doc.scalars));
  });

  it('the predictor maps classes back to the label values', async () => {
    const { tf } = await ctx.compute();
    const { loadModel } = await import('../train/model');
    const cols = toy(6, 3);
    const pred = loadModel(modelDoc, tf).predict({ a: cols[0].values as Float64Array, b: cols[1].values as Float64Array });
    if (pred.task === 'regression') throw new Error('expected a classifier');
    expect(pred.labels).toEqual(cols[2].values);
  });

  it('a label the model never saw counts as a miss and joins the matrix', async () => {
    const cols = toy(10, 5);
    (cols[2].values as string[])[0] = 'mid';
    const out = await runNode(classification, ctx, { model, test: await table(cols) }, { label: 'y' });
    const doc = (out.metrics as { json: MetricsDoc }).json;
    expect(doc.matrices?.confusion.labels).toEqual(['hi', 'lo', 'mid']);
    expect(doc.scalars.accuracy).toBeLessThanOrEqual(0.9);
    expect(doc.scalars.rocAuc).toBeUndefined();
  });

  it('names the feature columns the test table lacks', async () => {
    const cols = toy(10).filter((c) => c.name !== 'b');
    await expect(runNode(classification, ctx, { model, test: await table(cols) }, { label: 'y' })).rejects.toThrow(/lacks the model's feature column b/);
  });

  it('a classifier given to evaluate.regression says which node to use', async () => {
    await expect(runNode(regression, ctx, { model, test: await table(toy(10)) }, { label: 'y' })).rejects.toThrow(/use evaluate\.classification/);
  });
});

describe('without a model: the predictions the table holds (data.predictions)', () => {
  const table = async (cols: ColumnData[]): Promise<ArtifactRef> => ({ kind: 'table', path: await ctx.data.writeColumns(cols), hash: '', meta: {} });

  it('regression: the metrics of the prediction column against the target', async () => {
    const y = [1, 2, 3, 4, 5];
    const p = [1.5, 2, 2.5, 4, 6];
    const out = await runNode(regression, ctx, { test: await table([num('y', y), num('prediction', p)]) }, { label: 'y' });
    const m = (out.metrics as { json: MetricsDoc }).json.scalars;
    const mse = y.reduce((s, v, i) => s + (v - p[i]) ** 2, 0) / y.length;
    expect(m.mse).toBeCloseTo(mse, 12);
    expect(m.mae).toBeCloseTo(y.reduce((s, v, i) => s + Math.abs(v - p[i]), 0) / y.length, 12);
  });

  it('classification: score_<class> columns give the probabilities; without them the predicted class counts as certain', async () => {
    const y = ['hi', 'lo', 'hi', 'lo', 'hi', 'hi'];
    const pred = ['hi', 'lo', 'lo', 'lo', 'hi', 'lo'];
    const hi = [0.9, 0.2, 0.4, 0.1, 0.8, 0.3];
    const scored = await runNode(classification, ctx, { test: await table([txt('y', y), txt('prediction', pred), num('score_hi', hi), num('score_lo', hi.map((v) => 1 - v))]) }, { label: 'y' });
    const s = (scored.metrics as { json: MetricsDoc }).json.scalars;
    expect(s.accuracy).toBe(4 / 6);
    const logLoss = -y.reduce((acc, v, i) => acc + Math.log(v === 'hi' ? hi[i] : 1 - hi[i]), 0) / y.length;
    expect(s.logLoss).toBeCloseTo(logLoss, 12);
    const bare = await runNode(classification, ctx, { test: await table([txt('y', y), txt('guess', pred)]) }, { label: 'y', prediction: 'guess' });
    expect((bare.metrics as { json: MetricsDoc }).json.scalars.accuracy).toBe(4 / 6);
    await expect(runNode(classification, ctx, { test: await table([txt('y', y)]) }, { label: 'y' })).rejects.toThrow(/no model is connected, so the test table must hold the predictions: column prediction is not in it/);
  });
});
