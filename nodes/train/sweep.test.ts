import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/random';
import { DATA_DIR, makeTestContext, runNode, type TestContext } from '../../test/helpers/node-context';
import type { MetricsDoc } from '../artifacts';
import type { ArtifactRef } from '../types';
import type { TrialRecord } from '../../shared/run';
import type { ModelDoc } from './model';
import { gridTrials, randomTrials } from './sweep';
import { registry } from '../registry';
import type { NodeDefinition } from '../types';
import { irisTrainTest, readCsvColumns, toArtifact } from './test-data';

process.env.PIPEWRIGHT_BACKEND ??= 'wasm';

/** as the registry binds it: offering every registered trainer */
const sweep = registry.get('train.sweep') as NodeDefinition;

let ctx: TestContext;
let train: ArtifactRef;
let test: ArtifactRef;
beforeAll(async () => {
  ctx = await makeTestContext();
  ({ train, test } = await irisTrainTest(ctx, join(DATA_DIR, 'iris.csv')));
});
afterAll(() => ctx.cleanup());

describe('trial generation', () => {
  it('grid: every combination, first param slowest', () => {
    expect(gridTrials({ a: [1, 2], b: ['x', 'y'] })).toEqual([
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
    ]);
  });

  it('random: distinct, seeded, never more than the grid', () => {
    const space = { a: [1, 2, 3], b: [0.1, 0.01] };
    const one = randomTrials(space, 4, seededRandom(9));
    expect(one).toEqual(randomTrials(space, 4, seededRandom(9)));
    expect(new Set(one.map((t) => JSON.stringify(t))).size).toBe(4);
    expect(randomTrials(space, 50, seededRandom(1))).toHaveLength(6);
  });
});

describe('train.sweep', () => {
  it('grid over the learning rate: records every trial, keeps the best model', async () => {
    ctx.metrics.length = 0;
    const out = await runNode(sweep, ctx, { train, test }, {
      trainer: 'train.logistic_regression',
      label: 'species',
      space: { learningRate: [0.0001, 0.05], epochs: [3, 30] },
      metric: 'accuracy',
    });
    const doc = (out.metrics as { json: MetricsDoc }).json;
    const model = (out.model as { json: ModelDoc }).json;
    const trials = doc.tables?.trials;
    expect(trials?.columns.slice(0, 3)).toEqual(['trial', 'learningRate', 'epochs']);
    expect(trials?.rows).toHaveLength(4);
    const accIdx = trials?.columns.indexOf('accuracy') ?? -1;
    const accs = (trials?.rows ?? []).map((r) => r[accIdx] as number);
    expect(doc.scalars.accuracy).toBe(Math.max(...accs));
    expect(doc.scalars.accuracy).toBeGreaterThanOrEqual(0.9);
    // the tiny learning rate with 3 epochs cannot be the best
    expect(trials?.rows[doc.scalars.bestTrial - 1].slice(1, 3)).not.toEqual([0.0001, 3]);
    expect(model.training.params).toMatchObject({ learningRate: trials?.rows[doc.scalars.bestTrial - 1][1] });
    expect(ctx.metrics.filter((m) => m.key === 'trial.accuracy').map((m) => m.step)).toEqual([1, 2, 3, 4]);
  });

  it('goal min on log loss, random strategy, reproducible', async () => {
    const params = {
      trainer: 'train.mlp',
      label: 'species',
      space: { hiddenUnits: [[4], [8]], learningRate: [0.01, 0.03], epochs: [5] },
      strategy: 'random',
      trials: 2,
      seed: 5,
      metric: 'logLoss',
      goal: 'min',
    };
    const a = (await runNode(sweep, ctx, { train, test }, params)).metrics as { json: MetricsDoc };
    const b = (await runNode(sweep, ctx, { train, test }, params)).metrics as { json: MetricsDoc };
    expect(a.json.tables?.trials.rows).toEqual(b.json.tables?.trials.rows);
    const col = a.json.tables?.trials.columns.indexOf('logLoss') ?? -1;
    expect(a.json.scalars.logLoss).toBe(Math.min(...(a.json.tables?.trials.rows ?? []).map((r) => r[col] as number)));
  });

  it('refuses a param the trainer does not have, and a metric it does not compute', async () => {
    await expect(
      runNode(sweep, ctx, { train, test }, { trainer: 'train.logistic_regression', label: 'species', space: { hiddenUnits: [[4]] }, metric: 'accuracy' }),
    ).rejects.toThrow(/hiddenUnits/);
    await expect(
      runNode(sweep, ctx, { train, test }, { trainer: 'train.logistic_regression', label: 'species', space: { epochs: [1] }, metric: 'r2' }),
    ).rejects.toThrow(/metric r2 .*available: accuracy/);
  });

  it('trials in parallel workers give the same table as trials run inline', async () => {
    const params = {
      trainer: 'train.mlp',
      label: 'species',
      space: { hiddenUnits: [[4], [8]], learningRate: [0.01, 0.05], epochs: [4] },
      metric: 'accuracy',
    };
    const saved = process.env.PIPEWRIGHT_PARALLEL;
    process.env.PIPEWRIGHT_PARALLEL_MIN_COST = '0';
    try {
      process.env.PIPEWRIGHT_PARALLEL = '1';
      ctx.logs.length = 0;
      const inline = ((await runNode(sweep, ctx, { train, test }, params)).metrics as { json: MetricsDoc }).json;
      expect(ctx.logs.some((l) => /parallel workers/.test(l.message))).toBe(false);
      process.env.PIPEWRIGHT_PARALLEL = '2';
      const parallel = ((await runNode(sweep, ctx, { train, test }, params)).metrics as { json: MetricsDoc }).json;
      expect(ctx.logs.some((l) => /ran 4 trials in parallel workers/.test(l.message))).toBe(true);
      expect(parallel.tables?.trials).toEqual(inline.tables?.trials);
      expect(parallel.scalars).toEqual(inline.scalars);
    } finally {
      delete process.env.PIPEWRIGHT_PARALLEL_MIN_COST;
      if (saved === undefined) delete process.env.PIPEWRIGHT_PARALLEL;
      else process.env.PIPEWRIGHT_PARALLEL = saved;
    }
  });
});

describe('train.sweep trials as child executions (ctx.trial)', () => {
  /** Runs the sweep with PIPEWRIGHT_PARALLEL set, collecting what it reports through ctx.trial. */
  async function withTrials(parallelWorkers: string, inputs: Record<string, ArtifactRef>, params: Record<string, unknown>): Promise<{ records: TrialRecord[]; doc?: MetricsDoc; error?: Error; inWorkers: boolean }> {
    const saved = process.env.PIPEWRIGHT_PARALLEL;
    const records: TrialRecord[] = [];
    process.env.PIPEWRIGHT_PARALLEL_MIN_COST = '0';
    process.env.PIPEWRIGHT_PARALLEL = parallelWorkers;
    ctx.trial = (r) => records.push(r);
    ctx.logs.length = 0;
    const inWorkers = (): boolean => ctx.logs.some((l) => /trials in parallel workers/.test(l.message));
    try {
      const out = await runNode(sweep, ctx, inputs, params);
      return { records, doc: (out.metrics as { json: MetricsDoc }).json, inWorkers: inWorkers() };
    } catch (e) {
      return { records, error: e as Error, inWorkers: inWorkers() };
    } finally {
      delete ctx.trial;
      delete process.env.PIPEWRIGHT_PARALLEL_MIN_COST;
      if (saved === undefined) delete process.env.PIPEWRIGHT_PARALLEL;
      else process.env.PIPEWRIGHT_PARALLEL = saved;
    }
  }
  const withoutTime = (rs: TrialRecord[]): Omit<TrialRecord, 'durationMs'>[] => rs.map(({ durationMs: _d, ...r }) => r);

  it('reports every trial in index order with its params and metrics, the same inline and in parallel', async () => {
    const params = { trainer: 'train.logistic_regression', label: 'species', space: { learningRate: [0.001, 0.05], epochs: [3, 15] }, metric: 'accuracy' };
    const inline = await withTrials('1', { train, test }, params);
    const parallel = await withTrials('2', { train, test }, params);
    expect(inline.error).toBeUndefined();
    expect([inline.inWorkers, parallel.inWorkers]).toEqual([false, true]);
    expect(inline.records.map((r) => [r.index, r.params, r.status])).toEqual([
      [1, { learningRate: 0.001, epochs: 3 }, 'succeeded'],
      [2, { learningRate: 0.001, epochs: 15 }, 'succeeded'],
      [3, { learningRate: 0.05, epochs: 3 }, 'succeeded'],
      [4, { learningRate: 0.05, epochs: 15 }, 'succeeded'],
    ]);
    for (const r of [...inline.records, ...parallel.records]) expect(r.durationMs).toBeGreaterThan(0);
    expect(withoutTime(parallel.records)).toEqual(withoutTime(inline.records));
    // The children agree with the trials table, and the node's best is the best child.
    const table = inline.doc!.tables!.trials;
    for (const [k, col] of table.columns.entries()) {
      if (k <= 2) continue;
      expect(table.rows.map((row) => row[k])).toEqual(inline.records.map((r) => r.metrics[col] ?? null));
    }
    const best = inline.records.reduce((a, b) => (b.metrics.accuracy > a.metrics.accuracy ? b : a));
    expect(inline.doc!.scalars.bestTrial).toBe(best.index);
    expect(inline.doc!.scalars.accuracy).toBe(best.metrics.accuracy);
  });

  it('a failed trial is recorded with its error, and the sweep fails naming it, the same inline and in parallel', async () => {
    const cols = await readCsvColumns(ctx, join(DATA_DIR, 'iris.csv'));
    const note = { name: 'note', type: 'VARCHAR', numeric: false as const, values: Array.from({ length: cols[0].values.length }, (_, i): string | null => (i % 2 ? 'a' : 'b')) };
    const withText = await toArtifact(ctx, [...cols, note]);
    const params = { trainer: 'train.logistic_regression', label: 'species', space: { learningRate: [0.01, 0.05] }, metric: 'accuracy' };
    const inline = await withTrials('1', { train: withText, test: withText }, params);
    const parallel = await withTrials('2', { train: withText, test: withText }, params);
    expect([inline.inWorkers, parallel.inWorkers]).toEqual([false, true]);
    for (const run of [inline, parallel]) {
      expect(run.error?.message).toMatch(/trial 1 \{"learningRate":0.01\} failed: .*note \(VARCHAR\) is not numeric.*features\.one_hot/);
      expect(run.records).toHaveLength(1);
      expect(run.records[0]).toMatchObject({ index: 1, params: { learningRate: 0.01 }, metrics: {}, status: 'failed' });
      expect(run.records[0].error).toMatch(/note \(VARCHAR\) is not numeric/);
    }
  });
});
