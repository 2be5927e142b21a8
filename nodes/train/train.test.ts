import { pythonWith } from '../../test/helpers/python';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_DIR, makeTestContext, runNode, type TestContext } from '../../test/helpers/node-context';
import type { MetricsDoc } from '../artifacts';
import evaluateClassification from '../evaluate/classification.node';
import evaluateRegression from '../evaluate/regression.node';
import type { ArtifactRef, ColumnData, NodeOutput } from '../types';
import linearRegression from './linear-regression.node';
import logisticRegression from './logistic-regression.node';
import mlp from './mlp.node';
import { loadModel, type ModelDoc } from './model';
import { impute, oneHot, readCsvColumns, standardize, stratifiedSplit, toArtifact, writeCsv } from './test-data';

process.env.PIPEWRIGHT_BACKEND ??= 'wasm';

let ctx: TestContext;
let scratch: string;
beforeAll(async () => {
  ctx = await makeTestContext();
  scratch = mkdtempSync(join(tmpdir(), 'pw-train-test-'));
});
afterAll(async () => {
  await ctx.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

interface Prepared {
  train: ArtifactRef;
  test: ArtifactRef;
  trainCols: ColumnData[];
  testCols: ColumnData[];
}

async function prepare(file: string, label: string, opts: { encode?: string[]; testFraction?: number; seed?: number } = {}): Promise<Prepared> {
  let cols = await readCsvColumns(ctx, join(DATA_DIR, file));
  if (opts.encode) cols = oneHot(impute(cols), opts.encode);
  const split = stratifiedSplit(cols, label, opts.testFraction ?? 0.2, opts.seed ?? 42);
  const s = standardize(split.train, split.test, [label]);
  return { train: await toArtifact(ctx, s.train), test: await toArtifact(ctx, s.test), trainCols: s.train, testCols: s.test };
}

async function writeModel(out: Record<string, NodeOutput>): Promise<ArtifactRef> {
  const m = out.model;
  if (m.kind === 'table') throw new Error('expected a model');
  const path = join(scratch, `model-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(m.json));
  return { kind: 'model', path, hash: '', meta: {} };
}

function modelOf(out: Record<string, NodeOutput>): ModelDoc {
  const m = out.model;
  if (m.kind === 'table') throw new Error('expected a model');
  return m.json as ModelDoc;
}

async function evaluate(out: Record<string, NodeOutput>, test: ArtifactRef, label: string): Promise<MetricsDoc> {
  const res = await runNode(evaluateClassification, ctx, { model: await writeModel(out), test }, { label });
  const m = res.metrics;
  if (m.kind === 'table') throw new Error('expected metrics');
  return m.json as MetricsDoc;
}

/** scikit-learn's LogisticRegression (defaults) test accuracy on exactly these rows. */
function sklearnAccuracy(py: string, p: Prepared, label: string): number {
  const train = writeCsv(scratch, 'train.csv', p.trainCols);
  const test = writeCsv(scratch, 'test.csv', p.testCols);
  const code = [
    'import csv, sys',
    'from sklearn.linear_model import LogisticRegression',
    'def load(path, y):',
    '    rows = list(csv.DictReader(open(path)))',
    '    return [[float(r[k]) for k in r if k != y] for r in rows], [r[y] for r in rows]',
    'xa, ya = load(sys.argv[1], sys.argv[3])',
    'xb, yb = load(sys.argv[2], sys.argv[3])',
    'print(LogisticRegression(max_iter=5000).fit(xa, ya).score(xb, yb))',
  ].join('\n');
  return Number(execFileSync(py, ['-c', code, train, test, label], { encoding: 'utf8', timeout: 60_000 }).trim());
}

describe('train.* on real data (quality bar)', () => {
  let bc: Prepared;
  beforeAll(async () => {
    bc = await prepare('breast_cancer.csv', 'diagnosis');
  });

  it('breast cancer: logistic regression and the MLP are within one point of scikit-learn', async () => {
    const t0 = Date.now();
    const lr = await runNode(logisticRegression, ctx, { train: bc.train }, { label: 'diagnosis' });
    const t1 = Date.now();
    const nn = await runNode(mlp, ctx, { train: bc.train }, { label: 'diagnosis' });
    console.log(`breast cancer training: logistic ${t1 - t0} ms, mlp ${Date.now() - t1} ms`);
    const accLr = (await evaluate(lr, bc.test, 'diagnosis')).scalars.accuracy;
    const accNn = (await evaluate(nn, bc.test, 'diagnosis')).scalars.accuracy;
    const py = pythonWith('sklearn');
    const reference = py ? sklearnAccuracy(py, bc, 'diagnosis') : 0.97;
    console.log(`breast cancer test accuracy: logistic ${accLr.toFixed(4)}, mlp ${accNn.toFixed(4)}, scikit-learn LogisticRegression ${reference.toFixed(4)}${py ? '' : ' (assumed)'}`);
    expect(accLr).toBeGreaterThanOrEqual(reference - 0.01);
    expect(accNn).toBeGreaterThanOrEqual(reference - 0.01);
    expect(accLr).toBeGreaterThanOrEqual(0.93);
    expect(modelOf(lr).classes).toEqual(['benign', 'malignant']);
    expect(modelOf(lr).task).toBe('binary');
  });

  it('iris: three classes by softmax, ≥ 0.93 for both trainers', async () => {
    const iris = await prepare('iris.csv', 'species');
    const lr = await runNode(logisticRegression, ctx, { train: iris.train }, { label: 'species' });
    const nn = await runNode(mlp, ctx, { train: iris.train }, { label: 'species', epochs: 100, learningRate: 0.01 });
    expect(modelOf(lr).task).toBe('multiclass');
    expect(modelOf(lr).classes).toEqual(['setosa', 'versicolor', 'virginica']);
    const mLr = await evaluate(lr, iris.test, 'species');
    expect(mLr.scalars.accuracy).toBeGreaterThanOrEqual(0.93);
    expect(mLr.matrices?.confusion.values.length).toBe(3);
    expect(mLr.scalars.rocAuc).toBeUndefined();
    expect((await evaluate(nn, iris.test, 'species')).scalars.accuracy).toBeGreaterThanOrEqual(0.93);
  });

  it('penguins after imputation and one-hot: ≥ 0.93 with the example pipeline params', async () => {
    const p = await prepare('penguins.csv', 'species', { encode: ['island', 'sex'], testFraction: 0.25, seed: 7 });
    const nn = await runNode(mlp, ctx, { train: p.train }, { label: 'species', hiddenUnits: [16], epochs: 100, batchSize: 16, learningRate: 0.01, seed: 1 });
    expect((await evaluate(nn, p.test, 'species')).scalars.accuracy).toBeGreaterThanOrEqual(0.93);
    const lr = await runNode(logisticRegression, ctx, { train: p.train }, { label: 'species' });
    expect((await evaluate(lr, p.test, 'species')).scalars.accuracy).toBeGreaterThanOrEqual(0.93);
  });
});

describe('train.* behaviour', () => {
  let iris: Prepared;
  beforeAll(async () => {
    iris = await prepare('iris.csv', 'species');
  });

  it('is reproducible: the same seed gives the same weights; another seed does not', async () => {
    const params = { label: 'species', epochs: 5, hiddenUnits: [8], dropout: 0.2, seed: 3 };
    const a = modelOf(await runNode(mlp, ctx, { train: iris.train }, params));
    const b = modelOf(await runNode(mlp, ctx, { train: iris.train }, params));
    const c = modelOf(await runNode(mlp, ctx, { train: iris.train }, { ...params, seed: 4 }));
    expect(a.weights).toEqual(b.weights);
    expect(a.weights).not.toEqual(c.weights);
  });

  it('leaves no tensors behind (train and evaluate)', async () => {
    const { tf } = await ctx.compute();
    const before = tf.memory().numTensors;
    const out = await runNode(mlp, ctx, { train: iris.train }, { label: 'species', epochs: 3, dropout: 0.1, validationFraction: 0.2 });
    await evaluate(out, iris.test, 'species');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('streams loss per epoch, and val loss / accuracy with a validation fraction', async () => {
    ctx.metrics.length = 0;
    await runNode(logisticRegression, ctx, { train: iris.train }, { label: 'species', epochs: 4, validationFraction: 0.25 });
    const loss = ctx.metrics.filter((m) => m.key === 'loss');
    expect(loss.map((m) => m.step)).toEqual([1, 2, 3, 4]);
    expect(loss[3].value).toBeLessThan(loss[0].value);
    expect(ctx.metrics.filter((m) => m.key === 'valLoss')).toHaveLength(4);
    expect(ctx.metrics.filter((m) => m.key === 'valAccuracy')).toHaveLength(4);
    expect(ctx.progressReports.at(-1)?.fraction).toBe(1);
  });

  it('stops early when validation loss stops improving and keeps the best epoch', async () => {
    const out = modelOf(await runNode(mlp, ctx, { train: iris.train }, { label: 'species', epochs: 2000, learningRate: 0.05, validationFraction: 0.3, patience: 5 }));
    expect(out.training.stoppedEarly).toBe(true);
    expect(out.training.epochs).toBeLessThan(2000);
    expect(out.training.bestEpoch).toBe(out.training.epochs - 5);
  });

  it('cancel stops within one batch and frees its tensors', async () => {
    const { tf } = await ctx.compute();
    const before = tf.memory().numTensors;
    const ac = new AbortController();
    const c2 = await makeTestContext({ signal: ac.signal });
    try {
      let batches = 0;
      const origin = c2.metric.bind(c2);
      c2.metric = (key, value, step) => {
        origin(key, value, step);
        if (key === 'loss' && step === 2) ac.abort(new Error('cancelled by test'));
      };
      const started = Date.now();
      // iris: 120 rows, batch 8 -> 15 batches per epoch; abort after epoch 2
      const run = runNode(logisticRegression, c2, { train: await toArtifact(c2, iris.trainCols) }, { label: 'species', epochs: 1000, batchSize: 8 });
      await expect(run).rejects.toThrow('cancelled by test');
      batches = c2.metrics.filter((m) => m.key === 'loss').length;
      expect(batches).toBe(2);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await c2.cleanup();
    }
  });

  it('a text feature fails naming the column and the fix', async () => {
    const raw = await readCsvColumns(ctx, join(DATA_DIR, 'penguins.csv'));
    const t = await toArtifact(ctx, impute(raw));
    await expect(runNode(mlp, ctx, { train: t }, { label: 'species', epochs: 1 })).rejects.toThrow(/island.*sex.*not numeric.*features\.one_hot.*features\.select/);
  });

  it('a missing value fails pointing at features.impute', async () => {
    const raw = await readCsvColumns(ctx, join(DATA_DIR, 'penguins.csv'));
    const t = await toArtifact(ctx, raw.filter((c) => c.numeric || c.name === 'species'));
    await expect(runNode(logisticRegression, ctx, { train: t }, { label: 'species', epochs: 1 })).rejects.toThrow(/missing value.*features\.impute/);
  });

  it('linear regression predicts in the original units', async () => {
    const cols = await readCsvColumns(ctx, join(DATA_DIR, 'breast_cancer.csv'));
    // mean_area is nearly a function of mean_radius and mean_perimeter: a real linear target.
    const keep = cols.filter((c) => ['mean_radius', 'mean_perimeter', 'mean_texture', 'mean_area'].includes(c.name));
    const split = stratifiedSplit(keep.map((c) => c), 'mean_texture', 0, 1);
    const train = await toArtifact(ctx, split.train);
    const out = await runNode(linearRegression, ctx, { train }, { label: 'mean_area', epochs: 60, learningRate: 0.05 });
    const model = modelOf(out);
    expect(model.task).toBe('regression');
    expect(model.target?.mean).toBeGreaterThan(500);
    const res = await runNode(evaluateRegression, ctx, { model: await writeModel(out), test: train }, { label: 'mean_area' });
    const doc = (res.metrics as { json: MetricsDoc }).json;
    expect(doc.scalars.r2).toBeGreaterThan(0.97);
    expect(doc.scalars.rmse).toBeCloseTo(Math.sqrt(doc.scalars.mse), 10);
    const { tf } = await ctx.compute();
    const pred = loadModel(JSON.parse(readFileSync((await writeModel(out)).path, 'utf8')), tf).predict(
      Object.fromEntries(split.train.filter((c) => c.numeric).map((c) => [c.name, c.values as Float64Array])),
    );
    expect(pred.task).toBe('regression');
    if (pred.task === 'regression') expect(pred.values[0]).toBeGreaterThan(100);
  });
});
