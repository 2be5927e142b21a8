/**
 * Main's API handlers driven through the in-memory transport (the same JSON round trip as a real
 * socket), on a real SQLite project file and real data.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, serve, type ApiClient } from '../../shared/api/rpc';
import { createMemoryPair } from '../../shared/api/transport';
import { registry } from '../../nodes/registry';
import { startMemoryApi, type MemoryApi } from '../helpers/memory-api';
import { openProject } from '../../main/store';
import { createDataEngine } from '../../main/data/duck-engine';
import type { RunEvent } from '../../shared/run';
import { methods, type Params } from '../../shared/api/contract';

const root = resolve(__dirname, '..', '..');
const dataDir = join(root, 'resources', 'data');
const exampleFile = join(root, 'resources', 'examples', 'breast-cancer.pipeline.yaml');

let dir: string;
let api: MemoryApi;
let handlers: MemoryApi['handlers'];
let client: ApiClient;
let projectPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-api-'));
  projectPath = join(dir, 'demo.pwproj');
  api = startMemoryApi({ mode: 'memory', configDir: join(dir, 'home'), projectPath, examplePath: exampleFile });
  ({ handlers, client } = api);
});

afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('pipeline methods', () => {
  it('has a handler for every method of the contract', () => {
    for (const name of Object.keys(methods)) expect(typeof (handlers as unknown as Record<string, unknown>)[name], name).toBe('function');
  });

  it('describes the app and lists the whole catalogue', async () => {
    const info = await client.call('app.info', {});
    expect(info).toMatchObject({ name: 'Pipewright', mode: 'memory', projectPath, examplePath: exampleFile });
    const { nodes } = await client.call('catalog.list', {});
    expect(nodes.map((n) => n.type).sort()).toEqual(registry.list().map((d) => d.type).sort());
    expect(nodes.find((n) => n.type === 'features.split')?.paramsSchema).toMatchObject({ type: 'object' });
  });

  it('validates the bundled example without errors and reports located errors in a broken one', async () => {
    const text = readFileSync(exampleFile, 'utf8');
    const ok = await client.call('pipeline.validate', { text });
    expect(ok.errors).toEqual([]);
    expect(ok.pipeline?.metadata.name).toBe('breast-cancer');

    const broken = text.replace(/testFraction: [0-9.]+/, 'testFraction: 7');
    expect(broken).not.toBe(text);
    const bad = await client.call('pipeline.validate', { text: broken });
    expect(bad.errors.some((e) => /^nodes\.[^.]+\.params\.testFraction$/.test(e.place) && typeof e.line === 'number')).toBe(true);
    // the editor still gets the model it can draw
    expect(bad.pipeline?.nodes.length).toBe(ok.pipeline?.nodes.length);
  });

  it('formats and serializes canonically', async () => {
    const text = readFileSync(exampleFile, 'utf8');
    expect(await client.call('pipeline.format', { text })).toEqual({ text, changed: false });
    const messy = text.replace('kind: Pipeline\n', 'kind:    Pipeline\n');
    expect(await client.call('pipeline.format', { text: messy })).toEqual({ text, changed: true });
    await expect(client.call('pipeline.format', { text: 'apiVersion: nope\n' })).rejects.toThrow(/error/);

    const { pipeline } = await client.call('pipeline.validate', { text });
    const { text: written } = await client.call('pipeline.serialize', { pipeline: pipeline! });
    const again = await client.call('pipeline.validate', { text: written });
    expect(again.pipeline).toEqual(pipeline);
  });

  it('reads pipeline files only', async () => {
    const r = await client.call('file.read', { path: exampleFile });
    expect(r.text).toBe(readFileSync(exampleFile, 'utf8'));
    await expect(client.call('file.read', { path: join(dataDir, 'iris.csv') })).rejects.toThrow(/only .pipeline.yaml/);
    await expect(client.call('file.read', { path: join(dir, 'missing.pipeline.yaml') })).rejects.toThrow(/no such file/);
    await expect(client.call('file.read', { path: dir + '/x.yaml/' })).rejects.toThrow();
  });
});

describe('projects', () => {
  it('opens (creating) a project, saves versions once per content, returns the latest, remembers it', async () => {
    await expect(client.call('project.open', { path: projectPath })).rejects.toThrow(/no such project file/);
    const info = await client.call('project.open', { path: projectPath, create: true });
    expect(info).toMatchObject({ path: projectPath, name: 'demo', pipelines: [] });

    const text = readFileSync(exampleFile, 'utf8');
    const first = await client.call('pipeline.save', { project: projectPath, text });
    expect(first.created).toBe(true);
    expect(first.version).toMatchObject({ pipeline: 'breast-cancer', text });
    expect((await client.call('pipeline.save', { project: projectPath, text })).created).toBe(false);

    // an edit in progress that does not validate is still kept
    const draft = text.replace(/testFraction: [0-9.]+/, 'testFraction: 7');
    const second = await client.call('pipeline.save', { project: projectPath, text: draft });
    expect(second.created).toBe(true);
    const latest = await client.call('pipeline.latest', { project: projectPath, pipeline: 'breast-cancer' });
    expect(latest.version?.text).toBe(draft);
    expect((await client.call('project.open', { path: projectPath })).pipelines).toEqual([
      expect.objectContaining({ name: 'breast-cancer', versions: 2 }),
    ]);
    expect((await client.call('project.recent', {})).paths).toEqual([projectPath]);
    await expect(client.call('pipeline.save', { project: projectPath, text: 'just: text\n' })).rejects.toThrow(/metadata.name/);
  });

  it('refuses a file that is not a Pipewright project', async () => {
    const fake = join(dir, 'fake.pwproj');
    writeFileSync(fake, 'not a database at all, just text');
    await expect(client.call('project.open', { path: fake })).rejects.toThrow(/not a Pipewright project/);
    await expect(client.call('project.open', { path: join(dir, 'notes.txt'), create: true })).rejects.toThrow(/\.pwproj/);
  });
});

describe('artifacts', () => {
  it('previews a table artifact with types, rows, histograms and top values; reads JSON artifacts', async () => {
    // A real Parquet artifact made by the data engine from the penguins CSV, stored in the project.
    const work = join(dir, 'duck');
    mkdirSync(work, { recursive: true });
    const csv = join(work, 'penguins.csv');
    copyFileSync(join(dataDir, 'penguins.csv'), csv);
    const engine = await createDataEngine({ tmpDir: work, threads: 1 });
    let file: string;
    let expected: Record<string, unknown>;
    try {
      file = await engine.writeTable(`SELECT * FROM read_csv(${engine.literal(csv)})`);
      [expected] = await engine.query(
        `SELECT count(*) AS n, count(beak_length_mm) AS beaks, count(*) - count(beak_length_mm) AS beak_nulls, min(beak_length_mm) AS lo, max(beak_length_mm) AS hi FROM read_parquet(${engine.literal(file)})`,
      );
    } finally {
      await engine.close();
    }
    const store = openProject(join(dir, 'artifacts.pwproj'), { create: true });
    const hash = store.putArtifact(file, 'table', {});
    const jsonHash = store.putArtifactBytes(Buffer.from(JSON.stringify({ accuracy: 0.97 })), 'metrics');
    store.close();
    const project = join(dir, 'artifacts.pwproj');

    const preview = await client.call('artifact.preview', { project, hash, limit: 5 });
    expect(preview.totalRows).toBe(expected.n);
    expect(preview.rows).toHaveLength(5);
    const names = preview.columns.map((c) => c.name);
    expect(names).toContain('species');
    expect(preview.columns.find((c) => c.name === 'beak_length_mm')?.type).toBe('DOUBLE');
    expect(preview.rows[0]).toHaveLength(names.length);

    const beak = preview.stats.find((s) => s.name === 'beak_length_mm')!;
    expect(beak.nulls).toBe(expected.beak_nulls);
    expect(beak.bins!.reduce((a, b) => a + b.count, 0)).toBe(expected.beaks);
    expect(beak.bins![0].x0).toBe(expected.lo);
    expect(beak.bins!.at(-1)!.x1).toBe(expected.hi);
    const species = preview.stats.find((s) => s.name === 'species')!;
    expect(species.top!.map((t) => t.value).sort()).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    expect(species.top!.reduce((a, t) => a + t.count, 0) + species.nulls).toBe(expected.n);

    const page2 = await client.call('artifact.preview', { project, hash, offset: 5, limit: 5 });
    expect(page2.rows[0]).not.toEqual(preview.rows[0]);

    expect(await client.call('artifact.json', { project, hash: jsonHash })).toEqual({ json: { accuracy: 0.97 } });
    await expect(client.call('artifact.json', { project, hash })).rejects.toThrow(/is a table/);
    await expect(client.call('artifact.preview', { project, hash: jsonHash })).rejects.toThrow(/not a table/);
    await expect(client.call('artifact.preview', { project, hash: 'f'.repeat(64) })).rejects.toThrow(/not in/);
  });
});

const FEATURES_PIPELINE = `apiVersion: pipewright/v1
kind: Pipeline
metadata:
  name: iris-features
params:
  seed: 3
nodes:
  load:
    type: data.csv
    params:
      path: ../data/iris.csv
  split:
    type: features.split
    inputs:
      table: load.table
    params:
      testFraction: 0.25
      seed: \${params.seed}
  scale:
    type: features.standardize
    inputs:
      train: split.train
      test: split.test
    params:
      exclude: [species]
`;

/** Collects run events from now on; `finished` resolves at the first run.finished. */
function collectRunEvents(): { events: RunEvent[]; finished: Promise<void>; off: () => void } {
  const events: RunEvent[] = [];
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const off = client.on('run.events', (batch) => {
    for (const e of batch) {
      events.push(e);
      if (e.type === 'run.finished') finish();
    }
  });
  return { events, finished, off };
}

/** Starts a run and collects its events until it finishes. */
async function runToEnd(params: Params<'run.start'>): Promise<{ runId: string; events: RunEvent[] }> {
  const { events, finished, off } = collectRunEvents();
  try {
    const { runId } = await client.call('run.start', params);
    await finished;
    return { runId, events: events.filter((e) => e.runId === runId) };
  } finally {
    off();
  }
}

describe('runs', () => {
  const runProject = () => join(dir, 'runs.pwproj');
  const baseDir = join(root, 'resources', 'examples');

  it('starts a run, streams its events, records it; a second run is fully cached', async () => {
    const { runId, events } = await runToEnd({ project: runProject(), text: FEATURES_PIPELINE, baseDir });
    expect(events[0]).toMatchObject({ type: 'run.started', nodes: ['load', 'split', 'scale'] });
    const finished = events.filter((e) => e.type === 'node.finished');
    expect(finished.map((e) => e.nodeId).sort()).toEqual(['load', 'scale', 'split']);
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'succeeded' });

    const { runs } = await client.call('run.list', { project: runProject() });
    expect(runs[0]).toMatchObject({ id: runId, status: 'succeeded', pipeline: 'iris-features' });
    const got = await client.call('run.get', { project: runProject(), runId });
    expect(got.summary.run.status).toBe('succeeded');
    expect(Object.keys(got.summary.nodes).sort()).toEqual(['load', 'scale', 'split']);
    // the run filed its text as a pipeline version
    expect((await client.call('pipeline.latest', { project: runProject(), pipeline: 'iris-features' })).version?.text).toBe(FEATURES_PIPELINE);

    // the output of a finished node can be previewed from the project file
    const trainHash = got.summary.nodes.scale.outputs?.train?.hash;
    expect(trainHash).toMatch(/^[0-9a-f]{64}$/);
    const preview = await client.call('artifact.preview', { project: runProject(), hash: trainHash!, limit: 3 });
    expect(preview.totalRows).toBeGreaterThan(100);
    expect(preview.totalRows).toBeLessThan(150);
    expect(preview.stats.find((c) => c.name === 'species')?.top?.length).toBe(3);

    const second = await runToEnd({ project: runProject(), text: FEATURES_PIPELINE, baseDir });
    const cached = second.events.filter((e) => e.type === 'node.finished');
    expect(cached.every((e) => e.type === 'node.finished' && e.cached)).toBe(true);
    expect((await client.call('run.list', { project: runProject() })).runs.length).toBeGreaterThanOrEqual(2);
  });

  it('sends run events to every attached connection (a second tab follows a run it did not start)', async () => {
    const [a, b] = createMemoryPair();
    const { connection, stop } = serve(b, handlers);
    const detach = handlers.attach(connection);
    const watcher = createClient(a);
    const seen: RunEvent[] = [];
    watcher.on('run.events', (batch) => seen.push(...batch));
    try {
      const { runId, events } = await runToEnd({ project: runProject(), text: FEATURES_PIPELINE, baseDir });
      await new Promise((r) => setTimeout(r, 50));
      expect(seen.filter((e) => e.runId === runId)).toEqual(events);
      detach();
      const before = seen.length;
      await runToEnd({ project: runProject(), text: FEATURES_PIPELINE, baseDir });
      expect(seen.length).toBe(before);
    } finally {
      watcher.dispose();
      stop();
    }
  });

  it('refuses an invalid pipeline with every located error, and unknown runs clearly', async () => {
    const broken = FEATURES_PIPELINE.replace('testFraction: 0.25', 'testFraction: 3');
    const err = await client.call('run.start', { project: runProject(), text: broken, baseDir }).catch((e: Error & { issues?: unknown[] }) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error & { issues?: { place: string }[] }).issues?.map((i) => i.place)).toContain('nodes.split.params.testFraction');
    await expect(client.call('run.get', { project: runProject(), runId: '999' })).rejects.toThrow(/no run 999/);
    expect(await client.call('run.cancel', { runId: '999' })).toEqual({ cancelled: false });
  });

  it('cancels a running run', async () => {
    const { events, finished, off } = collectRunEvents();
    try {
      // --no-cache so the run has real work to be cancelled in
      const { runId } = await client.call('run.start', { project: runProject(), text: FEATURES_PIPELINE, baseDir, noCache: true });
      expect(await client.call('run.cancel', { runId })).toEqual({ cancelled: true });
      await finished;
      expect(events.at(-1)).toMatchObject({ type: 'run.finished', runId, status: 'cancelled' });
    } finally {
      off();
    }
  });
});
