/**
 * train.sweep through the real engine and a real project file: every trial becomes a child
 * execution of the sweep's execution, with its params and metrics; a cached sweep adds none.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pipeline, PipelineNode } from '../../shared/pipeline/model';
import type { RunEvent, TrialRecord } from '../../shared/run';
import type { MetricsDoc } from '../../nodes/artifacts';
import { openProject, type ProjectStore } from '../store';
import { runPipeline } from './engine';
import { WorkerPool } from './pool';

// Set before the pool starts its worker (a worker copies the environment when it starts): the
// trials run in parallel trial workers even on this tiny data, so their reports must be put in order.
process.env.PIPEWRIGHT_BACKEND ??= 'wasm';
process.env.PIPEWRIGHT_PARALLEL = '2';
process.env.PIPEWRIGHT_PARALLEL_MIN_COST = '0';

const DATA = resolve(__dirname, '..', '..', 'resources', 'data');
const SPACE = { learningRate: [0.0001, 0.05], epochs: [2, 20] };

function sweepPipeline(): Pipeline {
  const nodes: Record<string, Omit<PipelineNode, 'id' | 'extensions'>> = {
    load: { type: 'data.csv', inputs: {}, params: { path: join(DATA, 'iris.csv') } },
    split: { type: 'features.split', inputs: { table: 'load.table' }, params: { testFraction: 0.2, stratifyBy: 'species', seed: 42 } },
    scale: { type: 'features.standardize', inputs: { train: 'split.train', test: 'split.test' }, params: { exclude: ['species'] } },
    sweep: {
      type: 'train.sweep',
      inputs: { train: 'scale.train', test: 'scale.test' },
      params: { trainer: 'train.logistic_regression', label: 'species', space: SPACE, metric: 'accuracy' },
    },
  };
  return {
    apiVersion: 'pipewright/v1',
    kind: 'Pipeline',
    metadata: { name: 'sweep-trials', extensions: {} },
    params: {},
    nodes: Object.entries(nodes).map(([id, n]) => ({ id, ...n, extensions: {} })),
    extensions: {},
    layout: {},
  };
}

let dir: string;
let store: ProjectStore;
let pool: WorkerPool;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-sweep-trials-'));
  store = openProject(join(dir, 'p.pwproj'), { create: true });
  pool = new WorkerPool(1);
});
afterAll(async () => {
  await pool.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const childCount = (): number => (store.db.prepare('SELECT count(*) AS n FROM trial_executions').get() as { n: number }).n;

describe('train.sweep trials as child executions', () => {
  it('records each trial with its params and metrics, in order; a cached run adds none', async () => {
    const events: RunEvent[] = [];
    const first = await runPipeline({ store, pipeline: sweepPipeline(), baseDir: DATA, pool, onEvent: (e) => events.push(e) });
    expect(first.run.status).toBe('succeeded');
    // Children are not nodes.
    expect(Object.keys(first.nodes)).toEqual(['load', 'split', 'scale', 'sweep']);
    const sweep = first.nodes.sweep;
    expect(sweep.cached).toBe(false);

    expect(store.getLogs(Number(first.run.id)).some((l) => /ran 4 trials in parallel workers/.test(l.message))).toBe(true);
    const exec = store.getExecutions(Number(first.run.id)).find((e) => e.nodeId === 'sweep')!;
    const trials = store.listTrials(exec.id);
    // grid order: the first param varies slowest
    expect(trials.map((t) => [t.index, t.params])).toEqual([
      [1, { learningRate: 0.0001, epochs: 2 }],
      [2, { learningRate: 0.0001, epochs: 20 }],
      [3, { learningRate: 0.05, epochs: 2 }],
      [4, { learningRate: 0.05, epochs: 20 }],
    ]);
    for (const t of trials) {
      expect(t.status).toBe('succeeded');
      expect(t.durationMs).toBeGreaterThan(0);
      expect(t.metrics.accuracy).toBeGreaterThanOrEqual(0);
      expect(t.metrics.accuracy).toBeLessThanOrEqual(1);
      expect(Object.keys(t.metrics)).toEqual(expect.arrayContaining(['accuracy', 'f1', 'logLoss']));
    }
    // The parent's best is the best child, and the trials table says the same as the children.
    const best = trials.reduce((a, b) => (b.metrics.accuracy > a.metrics.accuracy ? b : a));
    expect(sweep.metrics.accuracy).toBe(best.metrics.accuracy);
    expect(sweep.metrics.bestTrial).toBe(best.index);
    expect(sweep.metrics.trials).toBe(4);
    const doc = store.artifactJson(sweep.outputs!.metrics.hash) as MetricsDoc;
    const table = doc.tables!.trials;
    const acc = table.columns.indexOf('accuracy');
    expect(table.rows.map((r) => r[acc])).toEqual(trials.map((t) => t.metrics.accuracy));
    // Well above chance (1/3), and the trials differ, so picking the best is a real choice.
    expect(sweep.metrics.accuracy).toBeGreaterThan(0.6);
    expect(new Set(trials.map((t) => t.metrics.logLoss)).size).toBe(4);

    // Streamed live, in index order, as node.trial events.
    const live = events.filter((e): e is Extract<RunEvent, { type: 'node.trial' }> => e.type === 'node.trial');
    expect(live.map((e) => [e.nodeId, e.trial.index])).toEqual([1, 2, 3, 4].map((i) => ['sweep', i]));
    expect(live.map((e) => e.trial)).toEqual(trials);
    const finishedAt = events.findIndex((e) => e.type === 'node.finished' && e.nodeId === 'sweep');
    expect(events.indexOf(live[3])).toBeLessThan(finishedAt);

    // run.get: the same children, the summary unchanged in shape.
    const got = store.getRun(Number(first.run.id))!;
    expect(got.trials).toEqual({ sweep: trials });
    expect(Object.keys(got.summary.nodes)).toEqual(['load', 'split', 'scale', 'sweep']);
    expect(got.summary.nodes.sweep).not.toHaveProperty('trials');
    expect(got.events.filter((e) => e.type === 'node.trial')).toHaveLength(4);
    expect(childCount()).toBe(4);

    // Second run: the sweep is reused; no new children, its trials are those of the execution that ran them.
    const events2: RunEvent[] = [];
    const second = await runPipeline({ store, pipeline: sweepPipeline(), baseDir: DATA, pool, onEvent: (e) => events2.push(e) });
    expect(second.nodes.sweep.cached).toBe(true);
    expect(second.nodes.sweep.metrics).toEqual(sweep.metrics);
    expect(events2.some((e) => e.type === 'node.trial')).toBe(false);
    expect(childCount()).toBe(4);
    const exec2 = store.getExecutions(Number(second.run.id)).find((e) => e.nodeId === 'sweep')!;
    expect(exec2.reusedFrom).toBe(exec.id);
    expect(store.listTrials(exec2.id)).toEqual([]);
    const got2 = store.getRun(Number(second.run.id))!;
    expect(got2.trials.sweep).toEqual(trials);
    expect(got2.events.some((e) => e.type === 'node.trial')).toBe(false);

    // Run lists keep their shape: no child shows up there.
    const list = store.listRuns();
    expect(list.map((r) => r.id)).toEqual([second.run.id, first.run.id]);
    for (const r of list) expect(Object.keys(r).sort()).toEqual(['durationMs', 'id', 'metrics', 'pipeline', 'startedAt', 'status']);

    expect(store.integrityCheck()).toEqual(['ok']);
    expect(store.db.pragma('foreign_key_check')).toEqual([]);
  }, 120_000);

  it('--no-cache runs the sweep again: new children on the new execution, the same records', async () => {
    const before = childCount();
    const runs = store.listRuns();
    const firstId = Number(runs[runs.length - 1].id);
    const third = await runPipeline({ store, pipeline: sweepPipeline(), baseDir: DATA, pool, noCache: true });
    expect(third.nodes.sweep.cached).toBe(false);
    expect(childCount()).toBe(before + 4);
    const strip = (ts: TrialRecord[]): Omit<TrialRecord, 'durationMs'>[] => ts.map(({ durationMs: _d, ...t }) => t);
    expect(strip(store.getRun(Number(third.run.id))!.trials.sweep)).toEqual(strip(store.getRun(firstId)!.trials.sweep));
  }, 120_000);
});
