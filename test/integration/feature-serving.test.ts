/**
 * A model trained on a features.join output, served by entity id (issue 12 item 4, contract
 * sections 6 and 7): the bundled weather-features example registers its model, whose inputs are
 * the labels' raw columns only (city, predict_at); the join's features are looked up in the
 * online store. Materialised as of a test row's time (so the online row is the one the join
 * picked), a prediction over HTTP (v1 and v2) and through `pipewright predict` equals the run's
 * own evaluation of that row to 1e-6. An unknown entity: 400 naming it when the model does not
 * impute the features (as trained), an imputed prediction when it does.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../main/cli/main';
import type { CliIO } from '../../main/cli/io';
import { openProject, type ProjectStore } from '../../main/store/project-store';
import { ModelTable } from '../../main/serving/model-table';
import { registrySource } from '../../main/serving/registry-source';
import { startModelServer, type ModelServer } from '../../main/serving/server';
import { loadModel } from '../../nodes/train/model';
import { registry } from '../../nodes/registry';
import type { ArtifactRef, ColumnData } from '../../nodes/types';
import type { RunSummary } from '../../shared/run';
import { makeTestContext, runNode, type TestContext } from '../helpers/node-context';

const ROOT = resolve(__dirname, '..', '..');
const EXAMPLE = readFileSync(join(ROOT, 'resources', 'examples', 'weather-features.pipeline.yaml'), 'utf8').replace('../data/seattle-weather.csv', join(ROOT, 'resources', 'data', 'seattle-weather.csv'));
const FEATURES = ['precipitation', 'temp_max', 'temp_min', 'wind', 'week_temp_max', 'week_precipitation', 'week_sunny_days'];

let dir: string;
let ctx: TestContext;

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), isTTY: false, cwd: dir };
  const code = await main(argv, io);
  return { code, out, err };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-feature-serving-'));
  ctx = await makeTestContext({});
});
afterAll(async () => {
  await ctx.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

interface Served {
  store: ProjectStore;
  server: ModelServer;
  table: ModelTable;
  /** the raw label rows the run evaluated, in the evaluation's order */
  raw: ColumnData[];
  expected: { labels: unknown[]; probabilities: Float64Array; classes: string[] };
}

/** Runs the pipeline text as project NAME, rebuilds its evaluation rows, and serves its registry. */
async function runAndServe(name: string, text: string): Promise<Served> {
  writeFileSync(join(dir, `${name}.pipeline.yaml`), text);
  const r = await cli(['run', `${name}.pipeline.yaml`, '--json']);
  expect(r.code, r.err).toBe(0);
  const summary = JSON.parse(r.out) as RunSummary;
  expect(summary.nodes.register.status).toBe('succeeded');
  const store = openProject(join(dir, `${name}.pwproj`), { readonly: true });
  const runId = Number(summary.run.id);
  const execs = store.getExecutions(runId);
  const exec = (id: string) => execs.find((e) => e.nodeId === id)!;
  const extract = (hash: string): ArtifactRef => ({ kind: 'table', path: store.extractArtifact(hash, join(dir, 'x', `${hash}.parquet`)), hash, meta: {} });

  // The run's own evaluation: its model on its test table.
  const evalIn = store.executionInputs(exec('evaluate').id);
  const { tf } = await ctx.compute();
  const predictor = loadModel(store.artifactJson(evalIn.model), tf);
  const testCols = await ctx.data.readColumns(extract(evalIn.test));
  const p = predictor.predict(Object.fromEntries(predictor.model.features.map((f) => [f, (testCols.find((c) => c.name === f) as { values: Float64Array }).values])));
  if (p.task === 'regression') throw new Error('the example classifies');
  // The same rows of the raw labels: the split again, with the run's params, on the join's label input.
  const labels = extract(store.executionOutputs(exec('labels').id).table.hash);
  const split = await runNode(registry.get('features.split')!, ctx, { table: labels }, exec('split').params);
  const raw = await ctx.data.readColumns(split.test as unknown as ArtifactRef);
  expect(raw[0].values.length).toBe(testCols[0].values.length);

  const table = await ModelTable.open(registrySource(store), { pollMs: 60_000 });
  const server = await startModelServer({ table, port: 0, store });
  return { store, server, table, raw, expected: { labels: p.labels, probabilities: p.probabilities, classes: p.classes.map(String) } };
}

async function stop(s: Served): Promise<void> {
  await s.server.close();
  s.table.close();
  s.store.close();
}

async function post(s: Served, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${s.server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

type V1Prediction = { label: unknown; scores: Record<string, number> };
const v1 = async (s: Served, instances: Record<string, unknown>[]): Promise<{ status: number; json: Record<string, unknown> }> => post(s, '/v1/models/sunny:predict', { instances });

describe('a model trained on features.join, served by entity id', () => {
  it('equals the run’s evaluation where the online row is the one the join picked (v1, v2, pipewright predict); an unknown entity is a 400 naming it', async () => {
    const s = await runAndServe('weather', EXAMPLE);
    try {
      const meta = await (await fetch(`${s.server.url}/v2/models/sunny`)).json() as { inputs: { name: string }[] };
      expect(meta.inputs.map((i) => i.name)).toEqual(['city', 'predict_at']);

      const times = s.raw.find((c) => c.name === 'predict_at')!.values as string[];
      const order = times.map((t, i) => [t, i] as const).sort((a, b) => a[0].localeCompare(b[0]));
      const picks = [order[0][1], order[Math.floor(order.length / 2)][1], order[order.length - 1][1]];
      const k = s.expected.classes.length;
      for (const i of picks) {
        const m = await cli(['features', 'materialize', '--project', 'weather.pwproj', '--as-of', times[i], '--reset', '--json']);
        expect(m.code, m.out + m.err).toBe(0);
        expect((JSON.parse(m.out) as { materialized: { entitiesWritten: number }[] }).materialized.map((x) => x.entitiesWritten)).toEqual([1, 1]);
        const got = await v1(s, [{ city: 'seattle', predict_at: times[i] }]);
        expect(got.status, JSON.stringify(got.json)).toBe(200);
        const pred = (got.json.predictions as V1Prediction[])[0];
        expect(String(pred.label)).toBe(String(s.expected.labels[i]));
        s.expected.classes.forEach((c, j) => expect(Math.abs(pred.scores[c] - s.expected.probabilities[i * k + j])).toBeLessThanOrEqual(1e-6));

        const v2 = await post(s, '/v2/models/sunny/infer', {
          inputs: [
            { name: 'city', shape: [1], datatype: 'BYTES', data: ['seattle'] },
            { name: 'predict_at', shape: [1], datatype: 'BYTES', data: [times[i]] },
          ],
        });
        expect(v2.status, JSON.stringify(v2.json)).toBe(200);
        const scores = (v2.json.outputs as { name: string; data: number[] }[]).find((o) => o.name === 'scores')!;
        s.expected.classes.forEach((_, j) => expect(Math.abs(scores.data[j] - s.expected.probabilities[i * k + j])).toBeLessThanOrEqual(1e-6));
      }

      // pipewright predict on the last pick (the online store is as of its time), as a CSV of raw rows.
      const last = picks[picks.length - 1];
      writeFileSync(join(dir, 'rows.csv'), `city,predict_at\nseattle,${times[last]}\n`);
      const batch = await cli(['predict', '--project', 'weather.pwproj', '--model', 'sunny@champion', '--in', 'rows.csv', '--out', 'pred.csv', '--json']);
      expect(batch.code, batch.out + batch.err).toBe(0);
      const lines = readFileSync(join(dir, 'pred.csv'), 'utf8').trim().split('\n');
      const head = lines[0].split(',');
      const first = lines[1].split(',');
      s.expected.classes.forEach((c, j) => expect(Math.abs(Number(first[head.indexOf(`score_${c}`)]) - s.expected.probabilities[last * k + j])).toBeLessThanOrEqual(1e-6));
      // No time: now, years after the stored rows, so outside the views' TTL (OUTSIDE_MAX_AGE).
      writeFileSync(join(dir, 'now.csv'), 'city,predict_at\nseattle,\n');
      const now = await cli(['predict', '--project', 'weather.pwproj', '--model', 'sunny@champion', '--in', 'now.csv', '--out', 'pred-now.csv', '--json']);
      expect(now.code).toBe(2);
      expect(JSON.parse(now.out).errors[0]).toMatchObject({ place: 'columns.city', message: expect.stringMatching(/^row 0: no features of view "daily_weather" for city "seattle": its row of \S+ is older than the TTL before \S+ \(OUTSIDE_MAX_AGE\)/) });

      // Unknown city: the example's impute filled nothing in training (every label row found
      // features), so the model cannot take nulls there: 400 naming the view, the entity and why.
      const unknown = await v1(s, [{ city: 'seattle', predict_at: times[last] }, { city: 'boston', predict_at: times[last] }]);
      expect(unknown).toEqual({
        status: 400,
        json: { error: `row 1: no features of view "daily_weather" for city "boston": not in the online store (NOT_FOUND), and the model does not impute ${FEATURES.slice(0, 4).join(', ')}` },
      });
      // A time before the stored row: the store no longer knows what was known then.
      const early = await v1(s, [{ city: 'seattle', predict_at: '2012-02-01 00:00:00' }]);
      expect(early.status).toBe(400);
      expect(early.json.error).toMatch(/^row 0: the online store holds view "daily_weather" for city "seattle" as of \d{4}-\d\d-\d\dT00:00:00Z, after the row's predict_at 2012-02-01T00:00:00Z/);
      const bad = await v1(s, [{ city: 'seattle', predict_at: 'yesterday' }]);
      expect(bad).toEqual({ status: 400, json: { error: 'column "predict_at", row 0: "yesterday" is not a time (use ISO 8601 such as 2024-01-31 12:00:00 or 2024-01-31T12:00:00Z; null: now)' } });

      // Without the project there is no online store: an exported model file says so.
      expect((await cli(['models', 'export', 'sunny:1', '--project', 'weather.pwproj', '-o', 'sunny.json'])).code).toBe(0);
      const file = await cli(['predict', '--model-file', 'sunny.json', '--in', 'rows.csv', '--out', 'pred2.csv', '--json']);
      expect(file.code).toBe(2);
      expect(file.out).toContain('looks up its features in a project\'s online store');
    } finally {
      await stop(s);
    }
  }, 300_000);

  it('fills an unknown entity’s features as training did when the chain imputes them (as a row whose features are too old)', async () => {
    const text = EXAMPLE.replace(/ {2}impute:\n {4}type: features.impute\n {4}inputs:\n {6}table: drop_keys.table\n/, (m) => `${m}    params:\n      columns: [${FEATURES.join(', ')}]\n`);
    expect(text).toContain(`columns: [${FEATURES.join(', ')}]`);
    const s = await runAndServe('imputed', text);
    try {
      const times = s.raw.find((c) => c.name === 'predict_at')!.values as string[];
      const i = 0;
      expect((await cli(['features', 'materialize', '--project', 'imputed.pwproj', '--as-of', times[i], '--reset'])).code).toBe(0);
      const r = await v1(s, [
        { city: 'seattle', predict_at: times[i] },
        { city: 'boston', predict_at: times[i] },
        { city: 'seattle', predict_at: '2030-01-01T00:00:00Z' },
      ]);
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      const [present, unknown, tooOld] = r.json.predictions as V1Prediction[];
      const k = s.expected.classes.length;
      s.expected.classes.forEach((c, j) => expect(Math.abs(present.scores[c] - s.expected.probabilities[i * k + j])).toBeLessThanOrEqual(1e-6));
      // NOT_FOUND and OUTSIDE_MAX_AGE both give nulls, filled with the training fills: the same row.
      expect(unknown).toEqual(tooOld);
      expect(unknown.scores).not.toEqual(present.scores);
    } finally {
      await stop(s);
    }
  }, 300_000);
});
