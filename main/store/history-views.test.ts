/**
 * The Runs page's table (history.runs) on a hand-built project: which scalars are a run's
 * headline (its evaluate nodes', a later one winning a name clash; every node's when it has no
 * evaluate node), nulls left out, params as columns, a limited first page agreeing with the whole.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openProject, type ProjectStore } from './index';
import { runsTable } from './history-views';

const dir = mkdtempSync(join(tmpdir(), 'pw-runs-table-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(s: ProjectStore, params: Record<string, unknown>, nodes: { id: string; type: string; metrics: { key: string; value: number | null; step?: number }[] }[], status: 'succeeded' | 'failed' = 'succeeded'): number {
  const r = s.createRun({ pipeline: params.pipeline === 'other' ? 'other' : 'main', params });
  for (const n of nodes) {
    s.append([{ type: 'execution.recorded', execution: { runId: r.id, nodeId: n.id, type: n.type, typeVersion: 1, status: 'succeeded', reason: 'first run', durationMs: 1, metrics: n.metrics.map((m) => ({ key: m.key, value: m.value as number, step: m.step })) } }]);
  }
  s.append([{ type: 'run.finished', runId: r.id, status, durationMs: 5, backend: 'cpu' }]);
  return r.id;
}

it('lists headline scalars per run, newest first, and a first page that agrees with the whole', () => {
  const s = openProject(join(dir, 'p.pwproj'), { create: true });
  const a = run(s, { seed: 1, layers: [8, 4] }, [
    { id: 'train', type: 'train.logistic_regression', metrics: [{ key: 'finalLoss', value: 0.2 }, { key: 'loss', value: 0.9, step: 1 }] },
    { id: 'eval1', type: 'evaluate.classification', metrics: [{ key: 'accuracy', value: 0.8 }, { key: 'f1', value: 0.7 }] },
    // a second evaluate node later in the run: its accuracy wins
    { id: 'eval2', type: 'evaluate.classification', metrics: [{ key: 'accuracy', value: 0.9 }] },
  ]);
  // no evaluate node: every node's scalars (never the series)
  const b = run(s, { seed: 2, layers: [8, 4] }, [{ id: 'train', type: 'train.logistic_regression', metrics: [{ key: 'finalLoss', value: 0.3 }, { key: 'loss', value: 0.5, step: 1 }] }], 'failed');
  // a null scalar is left out; a key only ever null is no column
  const c = run(s, { seed: 3, pipeline: 'other' }, [{ id: 'eval', type: 'evaluate.regression', metrics: [{ key: 'rmse', value: 1.5 }, { key: 'r2', value: null }] }]);
  const t = runsTable(s);
  expect(t.id).toEqual([c, b, a]);
  expect(t.status).toEqual(['succeeded', 'failed', 'succeeded']);
  expect(t.pipeline).toEqual(['other', 'main', 'main']);
  expect(t.metricKeys).toEqual(['accuracy', 'f1', 'finalLoss', 'rmse']);
  expect(t.metrics).toEqual({
    accuracy: [null, null, 0.9],
    f1: [null, null, 0.7],
    // run a's finalLoss is not a headline: a has evaluate nodes
    finalLoss: [null, 0.3, null],
    rmse: [1.5, null, null],
  });
  expect(t.paramKeys).toEqual(['layers', 'pipeline', 'seed']);
  expect(t.params.seed).toEqual([3, 2, 1]);
  expect(t.params.layers).toEqual([null, [8, 4], [8, 4]]);
  expect(t.params.pipeline).toEqual(['other', null, null]);
  expect(t).toMatchObject({ total: 3, all: 3, trigger: ['manual', 'manual', 'manual'], version: ['', '', ''] });

  const page = runsTable(s, 2);
  expect(page).toMatchObject({ total: 2, all: 3, id: [c, b], metricKeys: ['finalLoss', 'rmse'] });
  expect(page.metrics).toEqual({ finalLoss: [null, 0.3], rmse: [1.5, null] });
  s.close();
});
