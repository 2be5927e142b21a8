/**
 * Persistence is a function of the events: a real run (worker and inline nodes, a failure and
 * its skipped downstream, a gate, series points, logs) recorded by the engine into one project,
 * and the same events given to a RunRecorder on a fresh project, leave the same records — runs,
 * executions (keys, reasons, reuse, inputs, outputs), metrics, series and logs. A second, fully
 * cached run replays the same way, its reuse pointing at the same executions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Pipeline, PipelineNode } from '../../shared/pipeline/model';
import type { RunEvent } from '../../shared/run';
import { openProject, type ProjectStore } from '../store';
import { runPipeline } from './engine';
import { planPipeline, type Plan } from './planner';
import { WorkerPool } from './pool';
import { createRunRecord, RunRecorder } from './run-recorder';

const PLUGIN = join(__dirname, 'fixtures', 'test-nodes.ts');
const dir = mkdtempSync(join(tmpdir(), 'pw-run-recorder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const node = (id: string, type: string, inputs: Record<string, string> = {}, params: PipelineNode['params'] = {}): PipelineNode => ({ id, type, inputs, params, extensions: {} });
const pipeline: Pipeline = {
  apiVersion: 'pipewright/v1',
  kind: 'Pipeline',
  metadata: { name: 'replay', extensions: {} },
  params: {},
  nodes: [
    node('a', 'test.const', {}, { value: 2 }),
    node('b', 'test.add', { a: 'a.out' }, { by: 3 }),
    node('i', 'test.add_inline', { a: 'b.out' }, { by: 1 }),
    node('gate', 'test.gate', { metrics: 'i.out' }, { min: 1000 }),
    node('bad', 'test.add', { a: 'a.out' }, { fail: true }),
    node('after', 'test.add', { a: 'bad.out' }),
  ],
  extensions: {},
  layout: {},
};

/** What a project file says about a run, without the times the database stamps itself. */
function recordsOf(store: ProjectStore, runId: number) {
  const got = store.getRun(runId)!;
  const { startedAt: _s, finishedAt: _f, ...run } = got.run;
  const executions = got.executions.map(({ finishedAt: _x, ...e }) => ({
    ...e,
    // a node that started carries its start time in its event; the store stamps the others
    startedAt: e.cached || e.cacheKey === null ? 'stamped' : e.startedAt,
    inputs: store.executionInputs(e.id),
    outputs: store.executionOutputs(e.id),
    series: store.metricSeries(e.id),
  }));
  return { summary: got.summary, run, executions, logs: store.getLogs(runId) };
}

async function replay(into: ProjectStore, from: ProjectStore, plan: Plan, events: RunEvent[]): Promise<number> {
  const started = events.find((e) => e.type === 'run.started') as Extract<RunEvent, { type: 'run.started' }>;
  const runNo = createRunRecord(into, { plan, nodes: started.nodes, versioned: true, options: { noCache: false, upTo: null, from: null, overrides: {}, baseDir: __dirname } });
  const recorder = new RunRecorder(into, plan, runNo, { producedFile: (hash) => from.extractArtifact(hash, join(dir, 'files', hash)) });
  for (const e of events) recorder.record(e);
  expect(await recorder.close()).toBeNull();
  return runNo;
}

describe('RunRecorder', () => {
  it('records from the events alone what the engine recorded', async () => {
    const engineStore = openProject(join(dir, 'engine.pwproj'), { create: true });
    const replayStore = openProject(join(dir, 'replay.pwproj'), { create: true });
    const pool = new WorkerPool(2);
    try {
      const plan = await planPipeline(pipeline, { plugins: [PLUGIN] });
      for (const expectCached of [false, true]) {
        const events: RunEvent[] = [];
        const s = await runPipeline({ store: engineStore, plan, baseDir: __dirname, pool, onEvent: (e) => events.push(e) });
        expect(s.run.status).toBe('failed');
        expect(s.nodes.gate).toMatchObject({ status: 'failed', gateFailed: true });
        expect(s.nodes.after.status).toBe('skipped');
        expect(s.nodes.i.cached).toBe(expectCached);
        const runNo = await replay(replayStore, engineStore, plan, events);
        expect(runNo).toBe(Number(s.run.id));
        expect(recordsOf(replayStore, runNo)).toEqual(recordsOf(engineStore, runNo));
      }
      // the series points and the reuse links are really there (not two empty records compared)
      const first = recordsOf(replayStore, 1).executions.find((e) => e.nodeId === 'b')!;
      expect(first.series).toEqual({ loss: [0, 1, 2].map((step) => ({ step, value: expect.any(Number) })) });
      const second = recordsOf(replayStore, 2).executions.find((e) => e.nodeId === 'b')!;
      expect(second).toMatchObject({ cached: true, reusedFrom: first.id });
    } finally {
      await pool.close();
      engineStore.close();
      replayStore.close();
    }
  });
});
