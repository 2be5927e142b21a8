/**
 * The Runs page's API (issue 14) through the in-memory transport, on a real project file and the
 * real breast-cancer example run three times: the runs table, one run with its version text,
 * comparing runs, lineage down to the sha256 the run read (recorded, so a later edit of the CSV
 * is seen as a change), versions with restore and rename, and retention that deletes nothing
 * before it is asked to, nothing while a run is running, and never a registered model's run.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMemoryApi, type MemoryApi } from '../helpers/memory-api';
import type { RunEvent } from '../../shared/run';
import type { Params } from '../../shared/api/contract';
import { openProject } from '../../main/store';
import { registerVersion } from '../../main/registry/store';
import { withoutRegister } from '../helpers/examples';

const root = resolve(__dirname, '..', '..');
// gc plans are checked here: runs register no model unless the test says so
const EXAMPLE = withoutRegister(readFileSync(join(root, 'resources', 'examples', 'breast-cancer.pipeline.yaml'), 'utf8'));

let dir: string;
let api: MemoryApi;
let project: string;
let csv: string;
const runs: string[] = [];
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

async function runToEnd(params: Params<'run.start'>): Promise<string> {
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  let id = '';
  const seen: RunEvent[] = [];
  const off = api.client.on('run.events', (batch) => {
    for (const e of batch) {
      seen.push(e);
      if (e.type === 'run.finished' && e.runId === id) finish();
    }
  });
  try {
    id = (await api.client.call('run.start', params)).runId;
    if (seen.some((e) => e.type === 'run.finished' && e.runId === id)) finish();
    await finished;
    return id;
  } finally {
    off();
  }
}

const variant = (c: number) => EXAMPLE.replace('    params:\n      label: diagnosis\n  evaluate:', `    params:\n      label: diagnosis\n      l2: ${c}\n  evaluate:`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-history-api-'));
  project = join(dir, 'h.pwproj');
  csv = join(dir, 'cancer.csv');
  copyFileSync(join(root, 'resources', 'data', 'breast_cancer.csv'), csv);
  api = startMemoryApi({ mode: 'memory', configDir: join(dir, 'home') });
  const text = (c: number) => variant(c).replace('../data/breast_cancer.csv', csv);
  for (const [c, seed] of [
    [0.01, 42],
    [1, 42],
    [0.01, 7],
  ] as const) {
    await api.client.call('pipeline.save', { project, text: text(c) });
    runs.push(await runToEnd({ project, text: text(c), baseDir: dir, params: { seed } }));
  }
}, 300_000);

afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('history.runs', () => {
  it('lists every run in one answer: status, version, trigger, headline metrics and params', async () => {
    const t = await api.client.call('history.runs', { project });
    expect(t.total).toBe(3);
    expect(t.id.map(String)).toEqual([...runs].reverse());
    expect(t.status).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(t.trigger).toEqual(['manual', 'manual', 'manual']);
    expect(t.version.every((v) => /^[0-9a-f]{8}$/.test(v))).toBe(true);
    expect(t.version[1]).not.toBe(t.version[2]);
    expect(t.metricKeys).toContain('accuracy');
    for (const a of t.metrics.accuracy) expect(a).toBeGreaterThan(0.8);
    expect(t.paramKeys).toEqual(['minAccuracy', 'seed']);
    expect(t.params.seed).toEqual([7, 42, 42]);
    expect(t.all).toBe(3);
    // the first paint's page: the newest runs only, with how many there are in all
    const page = await api.client.call('history.runs', { project, limit: 2 });
    expect(page).toMatchObject({ total: 2, all: 3, id: t.id.slice(0, 2), params: { seed: [7, 42] } });
    expect(page.metrics.accuracy).toEqual(t.metrics.accuracy.slice(0, 2));
  });
});

describe('history.show and history.compare', () => {
  it('shows one run with the text of the version it ran', async () => {
    const r = await api.client.call('history.show', { project, runId: runs[1] });
    expect(r.show.run).toMatchObject({ id: runs[1], status: 'succeeded', pipeline: 'breast-cancer' });
    expect(r.text).toContain('l2: 1\n');
    expect(createHash('sha256').update(r.text!).digest('hex')).toBe(r.show.pipelineVersion!.hash);
    await expect(api.client.call('history.show', { project, runId: '999' })).rejects.toThrow(/run 999 does not exist/);
  });

  it('compares three runs: only differing params, metrics per run, diffs against the first, confusion matrices', async () => {
    const c = await api.client.call('history.compare', { project, runs });
    expect(c.runs.map((r) => r.id)).toEqual(runs);
    expect(c.params).toEqual({ seed: [42, 42, 7] });
    expect(c.metrics['evaluate.accuracy']).toHaveLength(3);
    expect(c.diffs[0].graph).toEqual({ added: [], removed: [], changed: [] });
    expect(c.diffs[1].graph.changed).toEqual([{ node: 'train', fields: ['params.l2'] }]);
    expect(c.diffs[2].params).toEqual({ seed: { a: 42, b: 7 } });
    const cm = c.confusion.evaluate;
    expect(cm).toHaveLength(3);
    const total = cm[0]!.values.flat().reduce((s, v) => s + v, 0);
    expect(total).toBeGreaterThan(100);
    for (const m of cm) expect(m!.values.flat().reduce((s, v) => s + v, 0)).toBe(total);
    expect(c.texts[1]).toContain('l2: 1\n');
    for (const perRun of Object.values(c.curves).flatMap((k) => Object.values(k))) expect(perRun).toHaveLength(3);
    await expect(api.client.call('history.compare', { project, runs: [runs[0], '12345'] })).rejects.toThrow(/run 12345 does not exist/);
    await expect(api.client.call('history.compare', { project, runs: [runs[0]] })).rejects.toThrow();
  });
});

describe('history.lineage', () => {
  it('traces a model to the CSV with the sha256 the run read, and sees a later edit of the file', async () => {
    const before = sha(csv);
    const l = await api.client.call('history.lineage', { project, ref: `${runs[2]}:train.model` });
    expect(l.producedBy).toMatchObject({ run: runs[2], node: 'train', type: 'train.logistic_regression' });
    expect(l.files).toEqual([{ path: csv, sha256: before, changedSince: false }]);
    appendFileSync(csv, '\n');
    const after = await api.client.call('history.lineage', { project, ref: `${runs[2]}:train.model` });
    // the run's own record, not today's file
    expect(after.files).toEqual([{ path: csv, sha256: before, changedSince: true }]);
    await expect(api.client.call('history.lineage', { project, ref: 'nope?' })).rejects.toThrow(/not an artifact hash/);
  });
});

describe('versions', () => {
  it('lists versions with their runs; restoring an old one makes it current until a newer one is saved', async () => {
    const { versions } = await api.client.call('history.versions', { project, pipeline: 'breast-cancer' });
    expect(versions).toHaveLength(2);
    // newest first: l2 1 (run 2), then l2 0.01 (runs 1 and 3: the same text is one version)
    expect(versions[0].runs).toEqual([runs[1]]);
    expect(versions[1].runs).toEqual([runs[2], runs[0]]);
    // saving text(0.01) again before run 3 made version 1 current again (a restore)
    expect((await api.client.call('pipeline.latest', { project, pipeline: 'breast-cancer' })).version!.id).toBe(versions[1].id);
    const old = (await api.client.call('history.version', { project, id: versions[0].id })).version;
    expect(old.text).toContain('l2: 1\n');
    const saved = await api.client.call('pipeline.save', { project, text: old.text });
    expect(saved).toMatchObject({ created: false, version: { id: versions[0].id } });
    expect((await api.client.call('pipeline.latest', { project, pipeline: 'breast-cancer' })).version!.id).toBe(versions[0].id);
    expect((await api.client.call('pipeline.latest', { project })).version!.id).toBe(versions[0].id);
    // a new text is newer than the restored one
    const next = await api.client.call('pipeline.save', { project, text: old.text.replace('l2: 1\n', 'l2: 2\n') });
    expect(next.created).toBe(true);
    expect((await api.client.call('pipeline.latest', { project, pipeline: 'breast-cancer' })).version!.id).toBe(next.version.id);
    await expect(api.client.call('history.version', { project, id: '999' })).rejects.toThrow(/version 999 does not exist/);
  });

  it('renames a pipeline with its versions and runs; a bad or taken name changes nothing', async () => {
    await api.client.call('pipeline.save', { project, text: EXAMPLE.replace('name: breast-cancer', 'name: other') });
    await expect(api.client.call('pipeline.rename', { project, from: 'breast-cancer', to: 'other' })).rejects.toThrow(/already has a pipeline "other"/);
    await expect(api.client.call('pipeline.rename', { project, from: 'breast-cancer', to: '../x' })).rejects.toThrow(/lowercase/);
    await expect(api.client.call('pipeline.rename', { project, from: 'nope', to: 'fresh' })).rejects.toThrow(/pipeline nope does not exist/);
    expect((await api.client.call('history.runs', { project })).pipeline).toEqual(['breast-cancer', 'breast-cancer', 'breast-cancer']);
    expect(await api.client.call('pipeline.rename', { project, from: 'breast-cancer', to: 'cancer' })).toEqual({ name: 'cancer' });
    expect((await api.client.call('history.runs', { project })).pipeline).toEqual(['cancer', 'cancer', 'cancer']);
    expect((await api.client.call('history.versions', { project, pipeline: 'cancer' })).versions).toHaveLength(3);
    await api.client.call('pipeline.rename', { project, from: 'cancer', to: 'breast-cancer' });
  });
});

describe('retention', () => {
  it('plans every policy without deleting; refuses while a run is running; keeps a registered model run', async () => {
    const plan = await api.client.call('history.gcPlan', { project });
    const keep1 = plan.policies.find((p) => p.keepLast === 1)!;
    // run 3 is kept, and run 1 with it: run 3's load node reused run 1's result
    expect(keep1.deletedRuns.map(String)).toEqual([runs[1]]);
    expect(keep1.artifacts.bytes).toBeGreaterThan(0);
    expect(plan.policies.find((p) => p.keepLast === null)!.deletedRuns).toEqual([]);
    expect((await api.client.call('history.runs', { project })).total).toBe(3);

    // a run in progress: nothing deleted
    const text = variant(0.5).replace('../data/breast_cancer.csv', csv);
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const off = api.client.on('run.events', (b) => b.some((e) => e.type === 'run.finished') && done());
    const { runId } = await api.client.call('run.start', { project, text, baseDir: dir });
    await expect(api.client.call('history.gc', { project, keepLast: 1 })).rejects.toThrow(new RegExp(`run ${runId} is running: nothing is deleted`));
    expect((await api.client.call('history.runs', { project })).total).toBe(4);
    await finished;
    off();

    // a registered model version keeps its run
    const s = openProject(project);
    const model = s.db.prepare("SELECT o.artifact_hash AS h FROM execution_outputs o JOIN node_executions e ON e.id = o.execution_id WHERE e.run_id = ? AND e.node_id = 'train'").get(Number(runs[1])) as { h: string };
    registerVersion(
      s,
      { name: 'cancer', modelHash: model.h, bundleHash: model.h, run: Number(runs[1]), node: 'train', pipeline: 'breast-cancer', pipelineVersion: null, dataHashes: {}, metrics: {}, inputs: [], task: 'classification' },
      { via: 'test' },
    );
    s.close();
    expect((await api.client.call('history.models', { project })).models).toEqual([{ name: 'cancer', version: 1, run: runs[1], node: 'train', createdAt: expect.any(String) }]);
    const withModel = (await api.client.call('history.gcPlan', { project })).policies.find((p) => p.keepLast === 1)!;
    expect(withModel.protectedRuns).toEqual([Number(runs[1])]);
    expect(withModel.deletedRuns.map(String)).toEqual([runs[2]]);
    const lineageBefore = await api.client.call('history.lineage', { project, ref: 'cancer:1' });
    expect(lineageBefore.registered).toEqual({ name: 'cancer', version: 1 });

    const r = await api.client.call('history.gc', { project, keepLast: 1 });
    expect(r.deletedRuns.map(String)).toEqual([runs[2]]);
    const left = await api.client.call('history.runs', { project });
    expect(left.id.map(String).sort()).toEqual([runs[0], runs[1], runId].sort());
    const lineage = await api.client.call('history.lineage', { project, ref: 'cancer:1' });
    expect(lineage.producedBy?.run).toBe(runs[1]);
    expect(lineage.files.map((f) => f.path)).toEqual([csv]);
  });
});
