/**
 * The engine on the contract's real example pipelines and data: caching with reasons, one
 * changed param re-running exactly its node and downstream, and run-node's bit-identical outputs.
 */
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPipeline, serializePipeline } from '../../shared/pipeline';
import { createChecker } from '../../nodes/checker';
import { registry } from '../../nodes/registry';
import { runPipeline } from '../../main/engine/engine';
import { executeNodeStandalone } from '../../main/engine/standalone';
import { WorkerPool } from '../../main/engine/pool';
import { openProject, type ProjectStore } from '../../main/store';

const EXAMPLES = resolve(__dirname, '..', '..', '..', 'shared', 'spec', 'examples');
const BC = join(EXAMPLES, 'breast-cancer.pipeline.yaml');

function load(file: string) {
  const text = readFileSync(file, 'utf8');
  const r = loadPipeline(text, createChecker(registry));
  if (!r.pipeline) throw new Error(JSON.stringify(r.errors));
  return { pipeline: r.pipeline, text: serializePipeline(r.pipeline, text) };
}

let store: ProjectStore;
let pool: WorkerPool;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-engine-real-'));
  store = openProject(join(dir, 'bc.pwproj'), { create: true });
  pool = new WorkerPool(2);
});
afterAll(async () => {
  await pool.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('breast-cancer example', () => {
  it('runs, then is fully cached, then re-runs exactly what a param change touches', async () => {
    const { pipeline, text } = load(BC);
    const run = (overrides = {}) => runPipeline({ store, pipeline, text, baseDir: EXAMPLES, pool, overrides });
    const first = await run();
    expect(first.run.status).toBe('succeeded');
    expect(first.nodes.evaluate.metrics.accuracy).toBeGreaterThan(0.9);
    expect(Object.values(first.nodes).every((n) => n.reason === 'first run')).toBe(true);

    const second = await run();
    expect(second.run.status).toBe('succeeded');
    for (const n of Object.values(second.nodes)) expect(n).toMatchObject({ cached: true, reason: `reused from run ${first.run.id}: unchanged` });
    expect(second.nodes.evaluate.metrics).toEqual(first.nodes.evaluate.metrics);

    const third = await run({ seed: 7 });
    expect(third.nodes.load).toMatchObject({ cached: true });
    expect(third.nodes.split).toMatchObject({ cached: false, reason: 're-run: param seed changed' });
    expect(third.nodes.scale).toMatchObject({ cached: false, reason: 're-run: inputs test, train changed' });
    expect(third.nodes.train).toMatchObject({ cached: false, reason: 're-run: input train changed' });
    expect(third.nodes.evaluate).toMatchObject({ cached: false });
    expect(third.nodes.gate).toMatchObject({ cached: false, reason: 're-run: input metrics changed' });

    // the run is recorded whole: a version of the pipeline, lineage, environment
    const rec = store.getRun(Number(third.run.id))!;
    expect(rec.run.pipelineVersionId).toBe(store.latestPipelineVersion('breast-cancer')!.id);
    expect(rec.run.environment).toMatchObject({ appVersion: expect.any(String), backend: third.run.backend });
    const split = rec.executions.find((e) => e.nodeId === 'split')!;
    const scale = rec.executions.find((e) => e.nodeId === 'scale')!;
    expect(store.executionInputs(scale.id).train).toBe(store.executionOutputs(split.id).train.hash);
    expect(store.listRuns()[0]).toMatchObject({ id: third.run.id, metrics: { accuracy: expect.any(Number) } });

    // run-node on the recorded inputs gives the same bytes as the engine did
    for (const nodeId of ['split', 'scale', 'evaluate']) {
      const exec = rec.executions.find((e) => e.nodeId === nodeId)!;
      const inDir = join(dir, `in-${nodeId}`);
      mkdirSync(inDir, { recursive: true });
      for (const [port, hash] of Object.entries(store.executionInputs(exec.id))) store.extractArtifact(hash, join(inDir, port));
      const outDir = join(dir, `out-${nodeId}`);
      const alone = await executeNodeStandalone({ pipelineFile: BC, nodeId, inDir, outDir, overrides: { seed: 7 } });
      expect(alone.summary.run.status).toBe('succeeded');
      for (const [port, a] of Object.entries(store.executionOutputs(exec.id))) {
        expect(alone.outputs[port].hash).toBe(a.hash);
        expect(readFileSync(join(outDir, `${port}.sha256`), 'utf8')).toBe(a.hash);
      }
    }
  });

  it('a bad input fails its node, keeps earlier results recorded and reusable', async () => {
    const { pipeline } = load(BC);
    const p = structuredClone(pipeline);
    p.nodes.find((n) => n.id === 'split')!.params.stratifyBy = 'no_such_column';
    const s = await runPipeline({ store, pipeline: p, baseDir: EXAMPLES, pool });
    expect(s.run.status).toBe('failed');
    expect(s.nodes.load.status).toBe('succeeded');
    expect(s.nodes.split).toMatchObject({ status: 'failed', error: expect.stringMatching(/no_such_column/) });
    expect(s.nodes.gate.status).toBe('skipped');
    // what had succeeded stays recorded and is reused; the failed node is tried again, with its reason
    const again = await runPipeline({ store, pipeline: p, baseDir: EXAMPLES, pool });
    expect(again.nodes.load).toMatchObject({ status: 'succeeded', cached: true });
    expect(again.nodes.split).toMatchObject({ status: 'failed', cached: false, reason: 're-run: the last attempt failed' });
    expect(store.getRun(Number(s.run.id))!.summary.nodes.split.error).toMatch(/no_such_column/);
  });

  it('a missing data file fails the first node with the file name', async () => {
    const d = join(dir, 'missing');
    mkdirSync(d);
    const file = join(d, 'm.pipeline.yaml');
    writeFileSync(file, readFileSync(BC, 'utf8').replace('../../data/breast_cancer.csv', 'nowhere.csv'));
    const { pipeline } = load(file);
    const s = await runPipeline({ store, pipeline, baseDir: dirname(file), pool });
    expect(s.nodes.load).toMatchObject({ status: 'failed', error: expect.stringMatching(/nowhere\.csv/) });
  });
});
