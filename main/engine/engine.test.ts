import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParamValue, Pipeline, PipelineNode } from '../../shared/pipeline/model';
import type { RunEvent } from '../../shared/run';
import { openProject, type ProjectStore } from '../store';
import { InvalidPipelineError, preparePipeline, runPipeline, startRun, type RunOptions } from './engine';
import { topologicalOrder } from '../../shared/pipeline';
import { WorkerPool } from './pool';

const PLUGIN = join(__dirname, 'fixtures', 'test-nodes.ts');

type N = { type: string; inputs?: Record<string, string>; params?: Record<string, ParamValue>; cache?: boolean };
function pipeline(nodes: Record<string, N>, params: Record<string, ParamValue> = {}): Pipeline {
  return {
    apiVersion: 'pipewright/v1',
    kind: 'Pipeline',
    metadata: { name: 'engine-test', extensions: {} },
    params,
    nodes: Object.entries(nodes).map(([id, n]): PipelineNode => ({ id, type: n.type, inputs: n.inputs ?? {}, params: n.params ?? {}, cache: n.cache, extensions: {} })),
    extensions: {},
    layout: {},
  };
}

/** a -> b -> c, and an independent x -> y */
const graph = (by = 1, extra: Record<string, N> = {}): Pipeline =>
  pipeline(
    {
      a: { type: 'test.const', params: { value: '${params.start}' } },
      b: { type: 'test.add', inputs: { a: 'a.out' }, params: { by } },
      c: { type: 'test.add', inputs: { a: 'b.out' }, params: { by: 10 } },
      x: { type: 'test.const', params: { value: 100 } },
      y: { type: 'test.add', inputs: { a: 'x.out' } },
      ...extra,
    },
    { start: 1 },
  );

let store: ProjectStore;
let pool: WorkerPool;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-engine-'));
  store = openProject(join(dir, 'e.pwproj'), { create: true });
  pool = new WorkerPool(2);
});
afterAll(async () => {
  await pool.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(p: Pipeline, more: Partial<RunOptions> = {}) {
  return runPipeline({ store, pipeline: p, baseDir: __dirname, plugins: [PLUGIN], pool, ...more });
}

describe('engine', () => {
  it('orders nodes as shared/pipeline does (file order among the ready)', async () => {
    const p = graph(1, { z: { type: 'test.add', inputs: { a: 'y.out', b: 'c.out' } }, w: { type: 'test.const' } });
    p.nodes.reverse();
    const prepared = await preparePipeline(p, {}, [PLUGIN]);
    expect(prepared.order).toEqual(topologicalOrder(p));
  });

  it('runs, caches with reasons, re-runs exactly what changed and its downstream', async () => {
    const events: RunEvent[] = [];
    const first = await run(graph(), { onEvent: (e) => events.push(e) });
    expect(first.run.status).toBe('succeeded');
    expect(first.nodes.c.metrics).toEqual({ value: 12 });
    for (const n of Object.values(first.nodes)) expect(n).toMatchObject({ status: 'succeeded', cached: false, reason: 'first run' });

    // event order: run.started, every node queued, each node started before it finished, run.finished last
    expect(events[0].type).toBe('run.started');
    expect(events.slice(1, 6).map((e) => e.type)).toEqual(Array(5).fill('node.queued'));
    expect(events[events.length - 1]).toMatchObject({ type: 'run.finished', status: 'succeeded' });
    const idx = (t: string, n: string) => events.findIndex((e) => e.type === t && 'nodeId' in e && e.nodeId === n);
    expect(idx('node.started', 'b')).toBeGreaterThan(idx('node.finished', 'a'));
    expect(idx('node.log', 'b')).toBeGreaterThan(idx('node.started', 'b'));
    expect(idx('node.finished', 'b')).toBeGreaterThan(idx('node.metric', 'b'));
    expect(idx('node.started', 'c')).toBeGreaterThan(idx('node.finished', 'b'));

    const second = await run(graph());
    for (const n of Object.values(second.nodes)) expect(n).toMatchObject({ status: 'succeeded', cached: true, reason: `reused from run ${first.run.id}: unchanged` });
    expect(second.nodes.c.metrics).toEqual({ value: 12 });

    const third = await run(graph(2));
    expect(third.nodes.a).toMatchObject({ cached: true });
    expect(third.nodes.b).toMatchObject({ cached: false, reason: 're-run: param by changed' });
    expect(third.nodes.c).toMatchObject({ cached: false, reason: 're-run: input a changed', metrics: { value: 13 } });
    expect(third.nodes.x).toMatchObject({ cached: true });
    expect(third.nodes.y).toMatchObject({ cached: true });

    // a pipeline param override reaches the node that references it
    const fourth = await run(graph(2), { overrides: { start: 5 } });
    expect(fourth.nodes.a).toMatchObject({ cached: false, reason: 're-run: param value changed' });
    expect(fourth.nodes.c.metrics).toEqual({ value: 17 });

    // the store has it all: executions, lineage, series, headline metrics
    const got = store.getRun(Number(first.run.id))!;
    expect(got.summary.nodes.c).toMatchObject({ status: 'succeeded', metrics: { value: 12 } });
    const execB = got.executions.find((e) => e.nodeId === 'b')!;
    expect(store.metricSeries(execB.id).loss.map((p) => p.step)).toEqual([0, 1, 2]);
    expect(Object.keys(store.executionInputs(execB.id))).toEqual(['a']);
    expect(store.getLogs(Number(first.run.id)).some((l) => l.message === 'adding 1' && l.nodeId === 'b')).toBe(true);
    expect(store.getRunRow(Number(first.run.id))?.environment).toMatchObject({ nodeVersions: { 'test.add': 1, 'test.const': 1 }, nodejs: process.version });
  });

  it('starts a worker and its DuckDB engine before the first node, only when a node is likely to run in one', async () => {
    const own = new WorkerPool(2);
    const warmed: number[] = [];
    const events: RunEvent[] = [];
    const real = own.warm.bind(own);
    own.warm = (plugins) => {
      warmed.push(events.length);
      real(plugins);
    };
    const p = pipeline({ a: { type: 'test.const', params: { value: 3 } }, b: { type: 'test.add', inputs: { a: 'a.out' } } });
    p.metadata.name = 'warm-test';
    const go = (more: Partial<RunOptions> = {}) => runPipeline({ store, pipeline: p, baseDir: __dirname, plugins: [PLUGIN], pool: own, onEvent: (e) => events.push(e), ...more });
    try {
      expect((await go()).nodes.b).toMatchObject({ status: 'succeeded', cached: false, reason: 'first run' });
      // once, before any node started
      expect(warmed).toEqual([0]);
      const second = await go();
      expect(second.nodes.b).toMatchObject({ cached: true });
      expect(warmed).toHaveLength(1);
      await go({ noCache: true });
      expect(warmed).toHaveLength(2);
      // inline nodes run on the engine's thread: nothing to warm
      const inline = pipeline({ c: { type: 'test.const_inline', params: { value: 4 } } });
      inline.metadata.name = 'warm-inline';
      expect((await runPipeline({ store, pipeline: inline, baseDir: __dirname, plugins: [PLUGIN], pool: own })).nodes.c.status).toBe('succeeded');
      expect(warmed).toHaveLength(2);
    } finally {
      await own.close();
    }
  });

  it('--no-cache and cache: false force a run', async () => {
    await run(graph());
    const all = await run(graph(), { noCache: true });
    for (const n of Object.values(all.nodes)) expect(n).toMatchObject({ cached: false, reason: 're-run: --no-cache' });
    const p = graph();
    p.nodes.find((n) => n.id === 'b')!.cache = false;
    const one = await run(p);
    expect(one.nodes.b).toMatchObject({ cached: false, reason: 're-run: cache: false' });
    // b's output bytes are the same, so c is still reused
    expect(one.nodes.c).toMatchObject({ cached: true });
  });

  it('a failed node skips its downstream while an independent branch finishes', async () => {
    const p = graph(1, { y: { type: 'test.add', inputs: { a: 'x.out' }, params: { ms: 300 } } });
    p.nodes.find((n) => n.id === 'b')!.params.fail = true;
    const s = await run(p);
    expect(s.run.status).toBe('failed');
    expect(s.nodes.b).toMatchObject({ status: 'failed', error: 'this node was told to fail (input.csv:3)' });
    expect(s.nodes.c).toMatchObject({ status: 'skipped', reason: 'skipped: upstream b failed' });
    expect(s.nodes.y).toMatchObject({ status: 'succeeded' });
    // the failed node is run again next time, with the reason
    const again = await run(p);
    expect(again.nodes.b.reason).toBe('re-run: the last attempt failed');
  });

  it('a missed gate fails the run as gate_failed, and a real failure wins', async () => {
    const gated = graph(1, { gate: { type: 'test.gate', inputs: { metrics: 'c.out' }, params: { min: 1000 } } });
    const s = await run(gated);
    expect(s.run.status).toBe('gate_failed');
    expect(s.nodes.gate).toMatchObject({ status: 'failed', gateFailed: true });
    const both = graph(1, { gate: { type: 'test.gate', inputs: { metrics: 'c.out' }, params: { min: 1000 } }, z: { type: 'test.add', inputs: { a: 'x.out' }, params: { fail: true } } });
    expect((await run(both)).run.status).toBe('failed');
  });

  it('a node type without run() fails with a clear message', async () => {
    const s = await run(pipeline({ m: { type: 'test.missing' } }));
    expect(s.nodes.m).toMatchObject({ status: 'failed', error: 'test.missing is not available yet' });
  });

  it('refuses invalid params after overrides, before recording anything', async () => {
    const before = store.listRuns().length;
    await expect(run(graph(), { overrides: { start: 'text' } })).rejects.toBeInstanceOf(InvalidPipelineError);
    await expect(run(graph(), { overrides: { nope: 1 } })).rejects.toThrow(/not a declared pipeline param/);
    expect(store.listRuns().length).toBe(before);
  });

  it('upTo runs a node and its ancestors only; from forces a node and its downstream', async () => {
    await run(graph());
    const up = await run(graph(), { upTo: 'b' });
    expect(Object.keys(up.nodes).sort()).toEqual(['a', 'b']);
    const from = await run(graph(), { from: 'b' });
    expect(from.nodes.a.cached).toBe(true);
    expect(from.nodes.b).toMatchObject({ cached: false, reason: 're-run: run from b' });
    expect(from.nodes.c).toMatchObject({ cached: false, reason: 're-run: run from b' });
    expect(from.nodes.y.cached).toBe(true);
  });

  for (const stubborn of [false, true]) {
    it(`cancel stops the run within a second (${stubborn ? 'a node that ignores its signal' : 'a node that honours it'})`, async () => {
      const p = graph(1, { c: { type: 'test.add', inputs: { a: 'b.out' }, params: { ms: 5000, stubborn, by: Math.random() } } });
      const events: RunEvent[] = [];
      const r = await startRun({ store, pipeline: p, baseDir: __dirname, plugins: [PLUGIN], pool, onEvent: (e) => events.push(e) });
      await new Promise<void>((res) => {
        const t = setInterval(() => {
          if (events.some((e) => e.type === 'node.started' && e.nodeId === 'c')) {
            clearInterval(t);
            res();
          }
        }, 5);
      });
      const t0 = Date.now();
      r.cancel();
      const s = await r.done;
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(s.run.status).toBe('cancelled');
      expect(s.nodes.c.status).toBe('cancelled');
      expect(store.getRunRow(Number(r.runId))?.status).toBe('cancelled');
    });
  }
});
