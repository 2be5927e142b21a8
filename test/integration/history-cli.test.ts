/**
 * `pipewright show`, `diff`, `lineage` and `runs` filters (contract sections 2b and 9) on project
 * files made by really running the breast-cancer example twice: the second run with another seed
 * (`--param`) and another data file (20 rows fewer), so params, graph, data and metrics differ.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli-main';
import type { Lineage, RunDiff, RunShow } from '../../main/store/history';
import type { GcResult } from '../../main/cli/commands/gc';
import type { RunListItem, RunSummary } from '../../shared/run';

const ROOT = resolve(__dirname, '../..');
const TSX = pathToFileURL(createRequire(__filename).resolve('tsx')).href;
const DATA = join(ROOT, 'resources', 'data', 'breast_cancer.csv');
const EXAMPLE = readFileSync(resolve(ROOT, '..', 'shared', 'spec', 'examples', 'breast-cancer.pipeline.yaml'), 'utf8');

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

let dir: string;
let smaller: string;
let run1: RunSummary;
let run2: RunSummary;
const P = (): string[] => ['--project', join(dir, 'bc.pwproj')];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-history-cli-'));
  smaller = join(dir, 'smaller.csv');
  const lines = readFileSync(DATA, 'utf8').split('\n');
  writeFileSync(smaller, lines.slice(0, lines.length - 21).join('\n') + '\n');
  writeFileSync(join(dir, 'bc.pipeline.yaml'), EXAMPLE.replace('../../data/breast_cancer.csv', DATA));
  const r1 = await cli(['run', 'bc.pipeline.yaml', '--json'], dir);
  expect(r1.code).toBe(0);
  run1 = JSON.parse(r1.stdout) as RunSummary;
  writeFileSync(join(dir, 'bc.pipeline.yaml'), EXAMPLE.replace('../../data/breast_cancer.csv', smaller));
  const r2 = await cli(['run', 'bc.pipeline.yaml', '--param', 'seed=7', '--json'], dir);
  expect(r2.code).toBe(0);
  run2 = JSON.parse(r2.stdout) as RunSummary;
  // a third run, failed, of another pipeline in the same project (for the filters)
  writeFileSync(join(dir, 'other.pipeline.yaml'), EXAMPLE.replace('../../data/breast_cancer.csv', DATA).replace('name: breast-cancer', 'name: other').replace('stratifyBy: diagnosis', 'stratifyBy: no_such_column'));
  const r3 = await cli(['run', 'other.pipeline.yaml', '--project', 'bc.pwproj', '--json'], dir);
  expect(r3.code).toBe(1);
}, 240_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pipewright show', () => {
  it('shows one run: params, version hash, environment, nodes with reasons, metrics and outputs', async () => {
    const r = await cli(['show', run2.run.id, ...P(), '--json'], dir);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as RunShow;
    expect(s.run).toMatchObject({ id: run2.run.id, status: 'succeeded', pipeline: 'breast-cancer' });
    expect(s.params).toEqual({ seed: 7, minAccuracy: 0.9 });
    expect(s.pipelineVersion?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(s.environment).toMatchObject({ appVersion: expect.any(String), nodejs: process.version });
    expect(Object.keys(s.nodes)).toEqual(['load', 'split', 'scale', 'train', 'evaluate', 'gate']);
    expect(s.nodes.load).toMatchObject({ type: 'data.csv', status: 'succeeded', reason: 're-run: param path changed' });
    expect(s.nodes.load.outputs.table).toMatchObject({ hash: run2.nodes.load.outputs!.table.hash, kind: 'table', rows: 549 });
    expect(s.nodes.load.outputs.table.columns).toHaveLength(31);
    expect(s.nodes.evaluate.metrics).toEqual(run2.nodes.evaluate.metrics);
    const text = await cli(['show', run2.run.id, ...P()], dir);
    expect(text.stdout).toMatch(/^run \d+ {2}succeeded {2}breast-cancer/);
    expect(text.stdout).toContain(`table table ${run2.nodes.load.outputs!.table.hash} 549 rows × 31 columns`);
  });
});

describe('pipewright diff', () => {
  it('shows only what differs: params, graph fields, data hashes, metrics with delta; every key present', async () => {
    const r = await cli(['diff', run1.run.id, run2.run.id, ...P(), '--json'], dir);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as RunDiff;
    expect(Object.keys(d)).toEqual(['a', 'b', 'params', 'graph', 'data', 'metrics', 'environment']);
    expect(d).toMatchObject({ a: run1.run.id, b: run2.run.id });
    expect(d.params).toEqual({ seed: { a: 42, b: 7 } });
    expect(d.graph).toEqual({ added: [], removed: [], changed: [{ node: 'load', fields: ['params.path'] }] });
    expect(d.data['load.table']).toEqual({ a: run1.nodes.load.outputs!.table.hash, b: run2.nodes.load.outputs!.table.hash });
    expect(d.data['train.model'].a).not.toBe(d.data['train.model'].b);
    const acc = d.metrics['evaluate.accuracy'];
    expect(acc).toEqual({ a: run1.nodes.evaluate.metrics.accuracy, b: run2.nodes.evaluate.metrics.accuracy, delta: run2.nodes.evaluate.metrics.accuracy - run1.nodes.evaluate.metrics.accuracy });
    expect(d.environment).toEqual({});

    const self = JSON.parse((await cli(['diff', run1.run.id, run1.run.id, ...P(), '--json'], dir)).stdout) as RunDiff;
    expect(self).toEqual({ a: run1.run.id, b: run1.run.id, params: {}, graph: { added: [], removed: [], changed: [] }, data: {}, metrics: {}, environment: {} });

    const text = await cli(['diff', run1.run.id, run2.run.id, ...P()], dir);
    expect(text.stdout).toContain('seed: 42 → 7');
    expect(text.stdout).toContain('~ load: params.path');
    // 6 significant digits, the change as formatDelta writes it (the JSON above keeps every digit)
    expect(text.stdout).toMatch(/evaluate\.accuracy: 0\.\d{1,6} → 0\.\d{1,6} \([+-]0\.\d{3}\)\n/);
    expect(text.stdout).toContain('environment: no difference');
  });
});

describe('pipewright lineage', () => {
  it('traces a model from RUN:NODE.PORT through every node down to the CSV file and its sha256', async () => {
    const r = await cli(['lineage', `${run2.run.id}:train.model`, ...P(), '--json'], dir);
    expect(r.code).toBe(0);
    const l = JSON.parse(r.stdout) as Lineage;
    expect(l).toMatchObject({ ref: `${run2.run.id}:train.model`, kind: 'model', hash: run2.nodes.train.outputs!.model.hash });
    expect(l.producedBy).toMatchObject({ run: run2.run.id, node: 'train', type: 'train.logistic_regression', params: expect.objectContaining({ label: 'diagnosis' }) });
    expect(l.files).toEqual([{ path: smaller, sha256: sha256(smaller), changedSince: false }]);
    // model <- scale.train <- split.{train,test} <- load.table <- the CSV file
    const scale = l.inputs.find((i) => i.port === 'train')!;
    expect(scale.producedBy).toMatchObject({ node: 'scale', type: 'features.standardize' });
    const split = scale.inputs.find((i) => i.port === 'train')!;
    expect(split.producedBy).toMatchObject({ node: 'split', params: expect.objectContaining({ seed: 7 }) });
    const load = split.inputs[0];
    expect(load).toMatchObject({ port: 'table', kind: 'table', hash: run2.nodes.load.outputs!.table.hash, producedBy: { node: 'load', type: 'data.csv', run: run2.run.id } });
    expect(load.inputs).toEqual([]);
    expect(load.files).toEqual([{ path: smaller, sha256: sha256(smaller), changedSince: false }]);
  });

  it('hashes a relative data path from the folder the run resolved it against, whatever the cwd', async () => {
    const rel = join(dir, 'rel');
    mkdirSync(join(rel, 'pipelines'), { recursive: true });
    mkdirSync(join(rel, 'data'), { recursive: true });
    writeFileSync(join(rel, 'data', 'bc.csv'), readFileSync(DATA));
    writeFileSync(join(rel, 'pipelines', 'bc.pipeline.yaml'), EXAMPLE.replace('../../data/breast_cancer.csv', '../data/bc.csv'));
    const run = JSON.parse((await cli(['run', 'bc.pipeline.yaml', '--json'], join(rel, 'pipelines'))).stdout) as RunSummary;
    expect(run.run.status).toBe('succeeded');
    const r = await cli(['lineage', `${run.run.id}:train.model`, '--project', join(rel, 'pipelines', 'bc.pwproj'), '--json'], tmpdir());
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Lineage).files).toEqual([{ path: '../data/bc.csv', sha256: sha256(DATA), changedSince: false }]);
  });

  it('takes an artifact hash, and follows a cached node to the run that produced it', async () => {
    const again = await cli(['run', 'bc.pipeline.yaml', '--param', 'seed=7', '--json'], dir);
    const run4 = JSON.parse(again.stdout) as RunSummary;
    expect(run4.nodes.train.cached).toBe(true);
    const viaRun = JSON.parse((await cli(['lineage', `${run4.run.id}:evaluate.metrics`, ...P(), '--json'], dir)).stdout) as Lineage;
    expect(viaRun.producedBy).toMatchObject({ run: run2.run.id, node: 'evaluate' });
    const hash = run1.nodes.evaluate.outputs!.metrics.hash;
    const byHash = JSON.parse((await cli(['lineage', hash, ...P(), '--json'], dir)).stdout) as Lineage;
    expect(byHash).toMatchObject({ ref: hash, kind: 'metrics', producedBy: { run: run1.run.id, node: 'evaluate' } });
    expect(byHash.files).toEqual([{ path: DATA, sha256: sha256(DATA), changedSince: false }]);
    const text = await cli(['lineage', hash, ...P()], dir);
    expect(text.stdout).toContain(`${DATA}  sha256 ${sha256(DATA)}`);
  });
});

describe('pipewright runs filters', () => {
  it('filters by pipeline and status and limits, newest first', async () => {
    const list = async (...a: string[]): Promise<RunListItem[]> => (JSON.parse((await cli(['runs', ...P(), '--json', ...a], dir)).stdout) as { runs: RunListItem[] }).runs;
    const all = await list();
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect((await list('--pipeline', 'other')).map((r) => r.status)).toEqual(['failed']);
    expect((await list('--status', 'failed')).map((r) => r.pipeline)).toEqual(['other']);
    const bc = await list('--pipeline', 'breast-cancer', '--status', 'succeeded');
    expect(bc.every((r) => r.pipeline === 'breast-cancer' && r.status === 'succeeded')).toBe(true);
    expect(await list('--pipeline', 'breast-cancer', '--limit', '1')).toEqual([bc[0]]);
    expect(Number(bc[0].id)).toBeGreaterThan(Number(bc[1].id));
    expect((await cli(['runs', ...P(), '--pipeline', 'nope'], dir)).stdout).toBe('no run matches\n');
  });
});

describe('bad input: exit 2 naming what does not exist', () => {
  it.each([
    [['show', '999'], /run 999 does not exist/],
    [['diff', '1', '999'], /run 999 does not exist/],
    [['show', 'abc'], /run abc does not exist/],
    [['lineage', 'f'.repeat(64)], new RegExp(`artifact ${'f'.repeat(64)} does not exist`)],
    [['lineage', '999:train.model'], /run 999 does not exist/],
    [['lineage', '1:nosuch.model'], /run 1 has no node nosuch/],
    [['lineage', '1:train.nosuch'], /node train of run 1 has no output nosuch/],
    [['lineage', 'cancer:2'], /model version cancer:2 does not exist/],
    [['lineage', 'what?'], /what\?: not an artifact hash/],
  ])('%j', async (argv, message) => {
    const text = await cli([...argv, ...P()], dir);
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(message);
    expect(text.stdout).toBe('');
    const json = await cli([...argv, ...P(), '--json'], dir);
    expect(json.code).toBe(2);
    expect((JSON.parse(json.stdout) as { errors: { message: string }[] }).errors[0].message).toMatch(message);
  });

  it('a missing project, a missing argument, a bad filter are exit 2', async () => {
    expect((await cli(['show', '1', '--project', join(dir, 'nope.pwproj')], dir)).stderr).toMatch(/nope\.pwproj: no such project file/);
    expect((await cli(['show', '--project', 'bc.pwproj'], dir)).code).toBe(2);
    expect((await cli(['diff', '1', '--project', 'bc.pwproj'], dir)).code).toBe(2);
    expect((await cli(['show', '1'], dir)).stderr).toMatch(/--project/);
    expect((await cli(['runs', ...P(), '--status', 'done'], dir)).stderr).toMatch(/--status done: not a run status/);
    expect((await cli(['runs', ...P(), '--limit', '0'], dir)).code).toBe(2);
    expect((await cli(['runs', ...P(), '--limit', 'x'], dir)).code).toBe(2);
  });
});

const artifactCount = (file: string): number => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM artifacts').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('pipewright gc (last: it deletes from the shared project)', () => {
  it('refuses, deleting nothing, while another process runs; then keeps the newest N per pipeline and what they reused', async () => {
    const project = join(dir, 'bc.pwproj');
    // a real run in another process, kept busy with --no-cache
    const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'main/engine/fixtures/cli-entry.ts'), 'run', 'bc.pipeline.yaml', '--no-cache', '--json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let childOut = '';
    child.stdout.on('data', (b: Buffer) => void (childOut += b.toString()));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    let running: RunListItem[] = [];
    for (let i = 0; i < 600 && running.length === 0; i++) {
      running = (JSON.parse((await cli(['runs', ...P(), '--status', 'running', '--json'], dir)).stdout) as { runs: RunListItem[] }).runs;
      if (running.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(running).toHaveLength(1);
    const before = artifactCount(project);
    const refused = await cli(['gc', ...P(), '--keep-last', '1'], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`run ${running[0].id} is running \\(process ${child.pid}.*gc deletes nothing while a run is running`));
    expect(artifactCount(project)).toBeGreaterThanOrEqual(before);
    expect((await cli(['show', '1', ...P()], dir)).code).toBe(0);
    expect(await exited).toBe(0);
    const run5 = JSON.parse(childOut) as RunSummary;
    expect(run5.run.status).toBe('succeeded');

    // runs now: 1 (full CSV), 2 (smaller CSV, seed 7), 3 (other pipeline, failed, its load reused from 1),
    // 4 (= 2, cached from it), 5 (smaller CSV, seed 42, --no-cache). Keep the newest 1 per pipeline:
    // 5 and 3, and 1 because 3 reused its load; 2 and 4 go, and with them what only they made.
    const seven = run2.nodes.train.outputs!.model.hash;
    const dry = JSON.parse((await cli(['gc', ...P(), '--keep-last', '1', '--dry-run', '--json'], dir)).stdout) as GcResult;
    expect(dry).toMatchObject({ dryRun: true, deletedRuns: [Number(run2.run.id), 4], keptRuns: 3, running: [] });
    expect(dry.artifacts.count).toBeGreaterThan(0);
    expect(artifactCount(project)).toBeGreaterThanOrEqual(before);
    expect((await cli(['lineage', seven, ...P()], dir)).code).toBe(0);

    const done = await cli(['gc', ...P(), '--keep-last', '1', '--json'], dir);
    expect(done.code).toBe(0);
    const g = JSON.parse(done.stdout) as GcResult;
    expect(g).toMatchObject({ dryRun: false, deletedRuns: dry.deletedRuns, artifacts: dry.artifacts, compacted: true });
    expect(g.fileBytes.after).toBeLessThan(g.fileBytes.before);
    expect((await cli(['show', run2.run.id, ...P()], dir)).stderr).toMatch(new RegExp(`run ${run2.run.id} does not exist`));
    expect((await cli(['lineage', seven, ...P()], dir)).stderr).toMatch(new RegExp(`artifact ${seven} does not exist`));
    // what the kept runs need is all there: run 5 whole, run 3's load through run 1 down to the CSV
    const l5 = JSON.parse((await cli(['lineage', `${run5.run.id}:train.model`, ...P(), '--json'], dir)).stdout) as Lineage;
    expect(l5.files).toEqual([{ path: smaller, sha256: sha256(smaller), changedSince: false }]);
    const l3 = JSON.parse((await cli(['lineage', '3:load.table', ...P(), '--json'], dir)).stdout) as Lineage;
    expect(l3.producedBy).toMatchObject({ run: run1.run.id, node: 'load' });
    expect(l3.files).toEqual([{ path: DATA, sha256: sha256(DATA), changedSince: false }]);

    const again = await cli(['gc', ...P()], dir);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^deleted 0 runs, kept 3\ndeleted 0 artifacts/);
  }, 180_000);
});
