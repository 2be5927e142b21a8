/**
 * Columns before running (issue 15): `pipeline.schema` through the in-memory transport names the
 * columns of every table a 9-node pipeline on penguins.csv will produce, and the metric names a
 * gate can check; a real run then produces exactly those columns (one-hot adds the ones it says
 * it will, named after the values). Hostile paths (a FIFO, a folder, a missing file) give a located
 * error at once and read nothing.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMemoryApi, type MemoryApi } from '../helpers/memory-api';
import type { RunEvent } from '../../shared/run';

const root = resolve(__dirname, '..', '..');

const PIPELINE = `apiVersion: pipewright/v1
kind: Pipeline
metadata:
  name: penguins-story
nodes:
  penguins:
    type: data.csv
    params:
      path: data/my-penguins.csv
  keep:
    type: features.select
    inputs: { table: penguins.table }
    params:
      exclude: [sex]
  fill:
    type: features.impute
    inputs: { table: keep.table }
    params:
      columns: [beak_length_mm, beak_depth_mm, flipper_length_mm, body_mass_g]
  encode:
    type: features.one_hot
    inputs: { table: fill.table }
    params:
      columns: [island]
  split:
    type: features.split
    inputs: { table: encode.table }
    params:
      stratifyBy: species
  scale:
    type: features.standardize
    inputs: { train: split.train, test: split.test }
  train:
    type: train.logistic_regression
    inputs: { train: scale.train }
    params:
      label: species
      epochs: 40
  evaluate:
    type: evaluate.classification
    inputs: { model: train.model, test: scale.test }
    params:
      label: species
  gate:
    type: gate.metric
    inputs: { metrics: evaluate.metrics }
    params:
      metric: accuracy
      min: 0.8
`;

let dir: string;
let api: MemoryApi;
let client: MemoryApi['client'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-schema-'));
  mkdirSync(join(dir, 'data'));
  copyFileSync(join(root, 'resources', 'data', 'penguins.csv'), join(dir, 'data', 'my-penguins.csv'));
  api = startMemoryApi({ mode: 'memory', configDir: join(dir, 'home') });
  client = api.client;
});

afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

const names = (cols: { name: string }[] | undefined) => cols?.map((c) => c.name);

/** Runs the pipeline through the API; gives a function reading the columns of a node's output. */
async function runColumns(file: string, text: string): Promise<(node: string, port: string) => Promise<{ name: string; type: string }[]>> {
  const project = join(dir, file);
  const events: RunEvent[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const off = client.on('run.events', (batch) => {
    for (const e of batch) {
      events.push(e);
      if (e.type === 'run.finished') done();
    }
  });
  await client.call('run.start', { project, text, baseDir: dir });
  await finished;
  off();
  expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'succeeded' });
  const { summary } = await client.call('run.get', { project, runId: events[0].runId });
  return async (node, port) => (await client.call('artifact.preview', { project, hash: summary.nodes[node].outputs![port].hash, limit: 1 })).columns;
}

/** Two views of one CSV (their "speed" clashes), materialised, joined onto labels. */
const FEATURES = `apiVersion: pipewright/v1
kind: Pipeline
metadata:
  name: feature-columns
nodes:
  stats:
    type: data.csv
    params:
      path: data/stats.csv
  labels:
    type: data.csv
    params:
      path: data/labels.csv
  fast:
    type: features.view
    inputs: { table: stats.table }
    params:
      name: fast
      entity: driver
      timestamp: ts
      createdTimestamp: created
      ttl: 2h
  slow:
    type: features.view
    inputs: { table: stats.table }
    params:
      name: slow
      entity: driver
      timestamp: ts
      features: [speed]
  online:
    type: features.materialize
    inputs: { view: slow.view }
    params:
      asOf: "2024-01-01 05:00:00"
  join:
    type: features.join
    inputs: { labels: labels.table, view: fast.view, view2: online.view }
    params:
      timestamp: label_time
`;

describe('pipeline.schema', () => {
  it('names every column and metric of the 9-node pipeline before it runs, and the run agrees', async () => {
    const { nodes } = await client.call('pipeline.schema', { text: PIPELINE, baseDir: dir });
    const raw = ['species', 'island', 'beak_length_mm', 'beak_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex'];
    expect(names(nodes.penguins.outputs.table.columns)).toEqual(raw);
    expect(nodes.penguins.outputs.table.columns?.find((c) => c.name === 'body_mass_g')?.type).toBe('DOUBLE');
    expect(names(nodes.keep.outputs.table.columns)).toEqual(raw.slice(0, 6));
    expect(names(nodes.encode.outputs.table.columns)).toEqual(['species', 'beak_length_mm', 'beak_depth_mm', 'flipper_length_mm', 'body_mass_g']);
    expect(nodes.encode.outputs.table.partial).toMatch(/per value of "island"/);
    expect(names(nodes.scale.outputs.test.columns)).toEqual(names(nodes.encode.outputs.table.columns));
    expect(nodes.scale.outputs.train.columns?.find((c) => c.name === 'species')?.type).toBe('VARCHAR');
    expect(nodes.evaluate.outputs.metrics.metrics).toContain('accuracy');
    expect(nodes.gate.choices?.metric).toEqual(nodes.evaluate.outputs.metrics.metrics);
    for (const [id, s] of Object.entries(nodes)) expect(s.error, id).toBeUndefined();

    // The real run: the same columns and types, plus one-hot's one per island.
    const real = await runColumns('story.pwproj', PIPELINE);
    for (const [node, port] of [['penguins', 'table'], ['keep', 'table'], ['fill', 'table'], ['split', 'train'], ['scale', 'test']] as const) {
      const inferred = nodes[node].outputs[port].columns!;
      const got = await real(node, port);
      if (node === 'split' || node === 'scale') {
        // after one-hot: the inferred columns in order, then what one-hot named after the values
        expect(got.filter((c) => inferred.some((i) => i.name === c.name))).toEqual(inferred);
        expect(got.filter((c) => !inferred.some((i) => i.name === c.name)).map((c) => c.name)).toEqual(['island_Biscoe', 'island_Dream', 'island_Torgersen']);
      } else expect(got, `${node}.${port}`).toEqual(inferred);
    }
  });

  it('a FIFO, a folder or a missing file is a located error at once, and nothing is read', async () => {
    const fifo = join(dir, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    const with_ = (path: string) => PIPELINE.replace('data/my-penguins.csv', path);
    for (const [path, message] of [
      [fifo, /named pipe \(FIFO\)/],
      [join(dir, 'data'), /is a folder/],
      [join(dir, 'nope.csv'), /file not found/],
    ] as const) {
      const { nodes } = await client.call('pipeline.schema', { text: with_(path), baseDir: dir });
      expect(nodes.penguins.error).toMatch(message);
      expect(nodes.penguins.error).toContain(path);
      // downstream: unknown, not guessed
      expect(nodes.keep.outputs.table.columns).toBeUndefined();
    }
    // a relative path without the pipeline's folder is refused rather than read from the cwd
    const { nodes } = await client.call('pipeline.schema', { text: PIPELINE });
    expect(nodes.penguins.error).toMatch(/relative path needs the pipeline's folder/);
    // describing wrote no table: the scratch folder holds no Parquet file from it
    const scratch = readdirSync(tmpdir()).filter((f) => f.startsWith('pipewright-api-'));
    for (const s of scratch) expect(readdirSync(join(tmpdir(), s)).filter((f) => f.endsWith('.parquet'))).toEqual([]);
  });

  it('names the columns of a feature view and of the point-in-time join after it before running, and the run agrees', async () => {
    const stats = ['driver,ts,created,speed,trips'];
    for (let h = 0; h < 6; h++) for (const d of [1, 2]) stats.push(`${d},2024-01-01 0${h}:00:00,2024-01-01 0${h}:01:00,${d * 10 + h}.5,${h}`);
    writeFileSync(join(dir, 'data', 'stats.csv'), `${stats.join('\n')}\n`);
    writeFileSync(join(dir, 'data', 'labels.csv'), 'driver,label_time,label\n1,2024-01-01 03:30:00,true\n3,2024-01-01 04:00:00,false\n2,2024-01-01 09:00:00,true\n');
    const { nodes } = await client.call('pipeline.schema', { text: FEATURES, baseDir: dir });
    for (const [id, s] of Object.entries(nodes)) expect(s.error, id).toBeUndefined();
    expect(names(nodes.fast.outputs.view.columns)).toEqual(['driver', 'ts', 'created', 'speed', 'trips']);
    expect(names(nodes.online.outputs.view.columns)).toEqual(['driver', 'ts', 'speed']);
    expect(names(nodes.join.outputs.table.columns)).toEqual(['driver', 'label_time', 'label', 'fast__speed', 'trips', 'slow__speed']);
    const real = await runColumns('features.pwproj', FEATURES);
    for (const [node, port] of [['fast', 'view'], ['online', 'view'], ['join', 'table']] as const) {
      expect(await real(node, port), `${node}.${port}`).toEqual(nodes[node].outputs[port].columns);
    }
  });
});
