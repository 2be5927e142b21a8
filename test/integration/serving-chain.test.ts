/**
 * Serving replays the training run (contract sections 5 and 6): on every bundled example, a
 * deploy.register node captures the model's row-wise chain; predicting the raw evaluation rows
 * through the registry (typed columns, JSON columns, `pipewright predict`, an exported model
 * file) equals the run's own evaluation predictions to 1e-6. Also: registration is idempotent,
 * never follows a failed gate, waits for approval when asked, and bad rows are refused by name.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import YAML from 'yaml';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPipeline, serializePipeline } from '../../shared/pipeline';
import { createChecker } from '../../nodes/checker';
import { registry } from '../../nodes/registry';
import { loadModel } from '../../nodes/train/model';
import type { ArtifactRef, ColumnData } from '../../nodes/types';
import { runPipeline } from '../../main/engine/engine';
import { WorkerPool } from '../../main/engine/pool';
import { openProject, type ProjectStore } from '../../main/store';
import { main } from '../../main/cli/main';
import type { CliIO } from '../../main/cli/io';
import { loadModelFile, loadServingModelRef, toPredictions } from '../../main/registry/serving-model';
import { registryGeneration, showModel } from '../../main/registry/store';
import { InputError } from '../../main/serving/types';
import { makeTestContext, runNode, type TestContext } from '../helpers/node-context';

const EXAMPLES = resolve(__dirname, '..', '..', 'resources', 'examples');
// A model trained on a features.join output looks its features up in the online store, which
// holds one row per entity: test/integration/feature-serving.test.ts serves it row by row.
// The monitoring loop's pipelines read live traffic (data.predictions): without a server's log
// they have nothing to train or score; test/integration/predictions.test.ts serves them.
const files = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.pipeline.yaml'))
  .filter((f) => !load(readFileSync(join(EXAMPLES, f), 'utf8')).pipeline.nodes.some((n) => registry.get(n.type)?.featureStore === 'join' || n.type === 'data.predictions'))
  .sort();

function load(text: string) {
  const r = loadPipeline(text, createChecker(registry));
  if (!r.pipeline) throw new Error(JSON.stringify(r.errors));
  return { pipeline: r.pipeline, text: serializePipeline(r.pipeline, text) };
}

/**
 * The example with a register node after its trainer: its own (breast-cancer has one) with the
 * name and params given, else one added.
 */
function withRegister(file: string, name: string, params: Record<string, unknown> = {}): string {
  const doc = YAML.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as { nodes: Record<string, { type: string; inputs?: Record<string, string>; params?: Record<string, unknown> }> };
  const own = doc.nodes.register;
  if (own) expect(own).toMatchObject({ type: 'deploy.register', inputs: { model: 'train.model' }, params: { alias: 'champion' } });
  doc.nodes.register = { ...(own ?? { type: 'deploy.register', inputs: { model: 'train.model' } }), params: { ...own?.params, alias: 'champion', name, ...params } };
  return YAML.stringify(doc);
}

function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => (out += t), stderr: (t) => (err += t), isTTY: false, cwd: dir };
  return main(argv, io).then((code) => ({ code, out, err }));
}

let dir: string;
let pool: WorkerPool;
let ctx: TestContext;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-serving-chain-'));
  pool = new WorkerPool(2);
  ctx = await makeTestContext({ baseDir: EXAMPLES });
});
afterAll(async () => {
  await pool.close();
  await ctx.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function extract(store: ProjectStore, hash: string, ext: string): ArtifactRef {
  const path = store.extractArtifact(hash, join(dir, 'x', `${hash}${ext}`));
  return { kind: ext === '.parquet' ? 'table' : 'model', path, hash, meta: {} };
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string): void => {
  expect(a.length, what).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  expect(worst, what).toBeLessThanOrEqual(1e-6);
};

/**
 * A chain with every replaying type: code (a ratio that keeps nulls), impute, one-hot, select,
 * split, standardize; sex stays null where the data has none (one-hot makes it all zeros).
 */
const ALL_STEPS = `apiVersion: pipewright/v1
kind: Pipeline
metadata:
  name: all-steps
nodes:
  load:
    type: data.csv
    params:
      path: ../data/penguins.csv
  ratio:
    type: features.code
    inputs:
      table: load.table
    params:
      code: "(t) => ({ columns: { ...t.columns, ratio: t.columns.beak_length_mm.map((a, i) => a === null || t.columns.beak_depth_mm[i] === null ? null : a / t.columns.beak_depth_mm[i]) } })"
  impute:
    type: features.impute
    inputs:
      table: ratio.table
    params:
      strategy: median
  encode:
    type: features.one_hot
    inputs:
      table: impute.table
    params:
      columns: [island, sex]
  pick:
    type: features.select
    inputs:
      table: encode.table
    params:
      exclude: [body_mass_g]
  split:
    type: features.split
    inputs:
      table: pick.table
    params:
      testFraction: 0.3
      stratifyBy: species
      seed: 3
  scale:
    type: features.standardize
    inputs:
      train: split.train
      test: split.test
    params:
      exclude: [species]
  train:
    type: train.logistic_regression
    inputs:
      train: scale.train
    params:
      label: species
      epochs: 30
  evaluate:
    type: evaluate.classification
    inputs:
      model: train.model
      test: scale.test
    params:
      label: species
`;

/** Every step that compiles row by row (ALL_STEPS without its code node): select, text one-hot with nulls, impute. */
const ROW_STEPS = ALL_STEPS.replace(/ {2}ratio:[\s\S]*?(?= {2}impute:)/, '').replace('table: ratio.table', 'table: load.table').replace('name: all-steps', 'name: row-steps');
const register = (name: string) => `  register:\n    type: deploy.register\n    inputs:\n      model: train.model\n    params:\n      name: ${name}\n      alias: champion\n`;

const CASES: [string, () => string][] = [
  ...files.map((f): [string, () => string] => [f.replace('.pipeline.yaml', ''), () => withRegister(f, f.replace('.pipeline.yaml', ''))]),
  ['all-steps', () => `${ALL_STEPS}${register('all-steps')}`],
  ['row-steps', () => `${ROW_STEPS}${register('row-steps')}`],
];

describe.each(CASES)('%s', (name, pipelineText) => {
  it('predicts the raw evaluation rows as the run evaluated them, through predict, the JSON path and an exported file', async () => {
    const store = openProject(join(dir, `${name}.pwproj`), { create: true });
    try {
      const { pipeline, text } = load(pipelineText());
      const summary = await runPipeline({ store, pipeline, text, baseDir: EXAMPLES, pool });
      expect(summary.run.status).toBe('succeeded');
      expect(summary.nodes.register).toMatchObject({ status: 'succeeded', cached: false, reason: 're-run: never cached (deploy.register)', metrics: { version: 1 } });
      const shown = showModel(store, name);
      expect(shown.aliases).toEqual({ champion: 1 });
      const v = shown.versions[0];
      const evalNode = pipeline.nodes.find((n) => n.type.startsWith('evaluate.'))!;
      expect(v).toMatchObject({ run: Number(summary.run.id), node: 'register', pipeline: name, metrics: summary.nodes[evalNode.id].metrics });
      expect(Object.keys(v.dataHashes).length).toBeGreaterThan(0);

      // The run's own evaluation: the model on the evaluate node's test table, as evaluate computes it.
      const runId = Number(summary.run.id);
      const execs = store.getExecutions(runId);
      const evalExec = execs.find((e) => e.nodeId === evalNode.id)!;
      const evalIn = store.executionInputs(evalExec.id);
      const testTable = extract(store, evalIn.test, '.parquet');
      const { tf } = await ctx.compute();
      const predictor = loadModel(store.artifactJson(evalIn.model), tf);
      const testCols = await ctx.data.readColumns(testTable);
      const features = Object.fromEntries(predictor.model.features.map((f) => [f, (testCols.find((c) => c.name === f) as { values: Float64Array }).values]));
      const expected = predictor.predict(features);

      // The raw rows of the evaluation: walk back from the evaluate node's test input through the
      // replaying nodes to the chain's input; a split on the way is done again on the raw rows.
      const byId = new Map(pipeline.nodes.map((n) => [n.id, n]));
      let [curNode, curPort] = byId.get(evalNode.id)!.inputs.test.split('.');
      let split: { id: string; port: string } | null = null;
      for (;;) {
        const n = byId.get(curNode)!;
        const replay = registry.get(n.type)?.servingReplay;
        if (!replay?.ports[curPort]) break;
        if (replay.mode === 'passthrough') split = { id: curNode, port: curPort };
        [curNode, curPort] = n.inputs[replay.ports[curPort]].split('.');
      }
      const chainExec = execs.find((e) => e.nodeId === curNode)!;
      let raw = extract(store, store.executionOutputs(chainExec.id)[curPort].hash, '.parquet');
      if (split) {
        const s = byId.get(split.id)!;
        // The params the run resolved (`${params.seed}` and the like).
        const out = await runNode(registry.get(s.type)!, ctx, { table: raw }, execs.find((e) => e.nodeId === split!.id)!.params);
        raw = { kind: 'table', path: (out[split.port] as { path: string }).path, hash: '', meta: {} };
      }
      const rawInfo = await ctx.data.describe(raw);
      expect(rawInfo.rows).toBe(testCols[0].values.length);

      const model = await loadServingModelRef(store, name);
      expect(model.inputs.map((i) => i.name)).toEqual(rawInfo.columns.map((c) => c.name).filter((c) => c !== predictor.model.label));
      const rawCols: ColumnData[] = await ctx.data.readColumns(raw);
      if (name === 'all-steps' || name === 'row-steps') {
        // Nulls are accepted exactly where the chain handles them, and the evaluation rows have some.
        expect(model.inputs.filter((i) => i.nullable).map((i) => i.name).sort()).toEqual(['beak_depth_mm', 'beak_length_mm', 'body_mass_g', 'flipper_length_mm', 'island', 'sex']);
        expect(rawCols.find((c) => c.name === 'sex')!.values).toContain(null);
      }
      const got = await model.predictData(rawCols, rawInfo.rows);
      expect(got.task).toBe(expected.task);
      if (got.task === 'regression' || expected.task === 'regression') throw new Error('the bundled examples classify');
      close(got.probabilities, expected.probabilities, `${name}: scores`);
      expect(got.labels).toEqual(expected.labels);

      // The JSON path (what the server calls) on the first rows, values as a client sends them.
      const n = Math.min(rawInfo.rows, 25);
      const json: Record<string, unknown[]> = {};
      for (const input of model.inputs) {
        const c = rawCols.find((x) => x.name === input.name)!;
        json[input.name] = Array.from(c.values.slice(0, n) as ArrayLike<number | string | null>, (x) =>
          typeof x === 'number' ? (Number.isNaN(x) ? null : input.type === 'BOOLEAN' ? x === 1 : x) : x,
        );
      }
      const viaJson = await model.predictColumns(json, n);
      expect(viaJson).toEqual(toPredictions(got).slice(0, n));

      // The server's single-row path (the chain and network compiled row by row) gives exactly
      // what the columns path gives, on every evaluation row; a chain with code does not compile.
      const compiles = !pipeline.nodes.some((node) => node.type === 'features.code');
      expect(typeof model.predictRow, `${name}: compiled row by row`).toBe(compiles ? 'function' : 'undefined');
      if (model.predictRow) {
        const all = toPredictions(got);
        const cols = model.inputs.map((input) => ({ input, values: rawCols.find((x) => x.name === input.name)!.values as ArrayLike<number | string | null> }));
        for (let i = 0; i < rawInfo.rows; i++) {
          const values = cols.map(({ input, values: v }) => {
            const x = v[i];
            return typeof x === 'number' ? (Number.isNaN(x) ? null : input.type === 'BOOLEAN' ? x === 1 : x) : x;
          });
          expect(model.predictRow(values), `${name}: row ${i}`).toEqual(all[i]);
        }
      }

      // pipewright predict on the raw rows, and an exported model file without the project.
      const rawCsv = join(dir, `${name}-raw.parquet`);
      writeFileSync(rawCsv, readFileSync(raw.path));
      const outCsv = join(dir, `${name}-pred.csv`);
      const r = await cli(['predict', '--project', `${name}.pwproj`, '--model', `${name}@champion`, '--in', rawCsv, '--out', outCsv, '--json']);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ model: { name, version: 1 }, rows: rawInfo.rows });
      const outRef = await ctx.data.readColumns({ kind: 'table', path: await ctx.data.readCsv!(outCsv, { header: true, types: {} }), hash: '', meta: {} });
      expect(outRef.map((c) => c.name)).toEqual([...rawInfo.columns.map((c) => c.name), 'label', ...got.classes.map((c) => `score_${c}`)]);
      got.classes.forEach((c, j) => {
        const col = outRef.find((x) => x.name === `score_${c}`)!.values as Float64Array;
        close(col, Array.from({ length: rawInfo.rows }, (_, i) => expected.probabilities[i * got.classes.length + j]), `${name}: predict score_${c}`);
      });
      expect(Array.from(outRef.find((x) => x.name === 'label')!.values as ArrayLike<unknown>, String)).toEqual(expected.labels.map(String));

      const exported = join(dir, `${name}.model.json`);
      expect((await cli(['models', 'export', `${name}:1`, '--project', `${name}.pwproj`, '-o', exported])).code).toBe(0);
      const fromFile = await loadModelFile(exported);
      expect(fromFile).toMatchObject({ name, version: 1 });
      close((await fromFile.predictData(rawCols, rawInfo.rows) as { probabilities: Float64Array }).probabilities, expected.probabilities, `${name}: exported file`);
    } finally {
      store.close();
    }
  }, 180_000);
});

describe('registration rules on the breast-cancer example', () => {
  it('is idempotent, never follows a failed gate, and leaves an approval pending', async () => {
    const store = openProject(join(dir, 'rules.pwproj'), { create: true });
    try {
      const { pipeline, text } = load(withRegister('breast-cancer.pipeline.yaml', 'cancer'));
      const run = (overrides = {}) => runPipeline({ store, pipeline, text, baseDir: EXAMPLES, pool, overrides });
      expect((await run()).nodes.register.metrics).toEqual({ version: 1 });
      // Everything else cached; register runs again and finds the same version.
      const again = await run();
      expect(again.nodes.train.cached).toBe(true);
      expect(again.nodes.register).toMatchObject({ cached: false, metrics: { version: 1 } });
      expect(showModel(store, 'cancer').versions).toHaveLength(1);

      // A failed gate: register is skipped naming the gate, and the registry does not change.
      const before = registryGeneration(store);
      const failed = await run({ seed: 3, minAccuracy: 0.999 });
      expect(failed.run.status).toBe('gate_failed');
      expect(failed.nodes.register).toMatchObject({ status: 'skipped', reason: 'skipped: gate gate failed' });
      expect(registryGeneration(store)).toBe(before);
      expect(showModel(store, 'cancer').versions).toHaveLength(1);

      // approval: required — a new model waits; champion stays until approved.
      const gated = load(withRegister('breast-cancer.pipeline.yaml', 'cancer', { approval: 'required' }));
      const third = await runPipeline({ store, pipeline: gated.pipeline, text: gated.text, baseDir: EXAMPLES, pool, overrides: { seed: 5 } });
      expect(third.nodes.register.metrics).toEqual({ version: 2 });
      const shown = showModel(store, 'cancer');
      expect(shown.aliases).toEqual({ champion: 1 });
      expect(shown.pending).toMatchObject([{ alias: 'champion', version: 2, from: 1, via: `run ${third.run.id}` }]);
      const approved = await cli(['models', 'approve', 'cancer', '2', '--project', 'rules.pwproj', '--reason', 'better recall']);
      expect(approved).toMatchObject({ code: 0, out: 'cancer: champion → version 2 (was 1), approved\n' });
      const after = showModel(store, 'cancer');
      expect(after.aliases).toEqual({ champion: 2 });
      expect(after.audit[0]).toMatchObject({ alias: 'champion', from: 1, to: 2, via: 'pipewright models approve (approved)', reason: 'better recall' });

      // Bad rows are refused by column and row; the model keeps working.
      const model = await loadServingModelRef(store, 'cancer:1');
      const good = Object.fromEntries(model.inputs.map((i) => [i.name, [10, 12]]));
      const refuse = async (cols: Record<string, unknown[]>, message: RegExp, column: string | null, row: number | null) => {
        const e = await model.predictColumns(cols, 2).then(() => null, (x: unknown) => x);
        expect(e).toBeInstanceOf(InputError);
        expect((e as InputError).message).toMatch(message);
        expect(e).toMatchObject({ column, row });
      };
      await refuse({ ...good, mean_radius: [10, null] }, /column "mean_radius", row 1: missing value/, 'mean_radius', 1);
      await refuse({ ...good, mean_radius: [10, '12'] }, /column "mean_radius", row 1: expected a number \(DOUBLE\), got "12"/, 'mean_radius', 1);
      await refuse({ ...good, diagnosis: ['B', 'M'] }, /unknown column "diagnosis"/, 'diagnosis', null);
      const { mean_area: _gone, ...missing } = good;
      await refuse(missing, /missing column "mean_area"/, 'mean_area', null);
      expect(await model.predictColumns(good, 2)).toHaveLength(2);
      const unknown = await cli(['predict', '--project', 'rules.pwproj', '--model', 'cancer@staging', '--in', join(EXAMPLES, '..', 'data', 'breast_cancer.csv'), '--out', join(dir, 'never.csv')]);
      expect(unknown).toMatchObject({ code: 2, err: expect.stringMatching(/no alias "staging"/) });
      expect(() => readFileSync(join(dir, 'never.csv'))).toThrow();

      // The models commands: section 5's JSON, alias moves with a reason, traffic, export.
      const list = await cli(['models', '--project', 'rules.pwproj', '--json']);
      expect(JSON.parse(list.out)).toMatchObject({ models: [{ name: 'cancer', versions: 2, latest: 2, aliases: { champion: 2 } }] });
      expect(await cli(['models', 'alias', 'cancer', 'champion', '1', '--project', 'rules.pwproj', '--reason', 'rollback'])).toMatchObject({ code: 0, out: 'cancer: champion → version 1 (was 2)\n' });
      expect(await cli(['models', 'alias', 'cancer', 'challenger', '2', '--project', 'rules.pwproj'])).toMatchObject({ code: 0 });
      expect(await cli(['models', 'traffic', 'cancer', 'champion=90', 'challenger=10', '--shadow', 'challenger', '--project', 'rules.pwproj'])).toMatchObject({
        code: 0,
        out: 'cancer: traffic champion 90%, challenger 10%; shadow challenger\n',
      });
      expect(await cli(['models', 'traffic', 'cancer', 'champion=90', 'challenger=20', '--project', 'rules.pwproj'])).toMatchObject({ code: 2, err: expect.stringMatching(/add up to 110/) });
      expect(await cli(['models', 'alias', 'cancer', 'champion', '9', '--project', 'rules.pwproj'])).toMatchObject({ code: 2, err: expect.stringMatching(/no version 9/) });
      expect(await cli(['models', 'show', 'nope', '--project', 'rules.pwproj'])).toMatchObject({ code: 2, err: expect.stringMatching(/no registered model "nope"/) });
      const shownJson = JSON.parse((await cli(['models', 'show', 'cancer', '--project', 'rules.pwproj', '--json'])).out);
      expect(Object.keys(shownJson)).toEqual(['name', 'versions', 'aliases', 'audit', 'pending', 'traffic', 'shadow']);
      expect(shownJson.versions[0]).toMatchObject({ version: 2, run: Number(third.run.id), node: 'register', task: 'classification', classes: ['benign', 'malignant'], aliases: ['challenger'] });
      expect(Object.keys(shownJson.versions[0]).slice(0, 9)).toEqual(['version', 'run', 'node', 'createdAt', 'metrics', 'inputs', 'task', 'classes', 'aliases']);
      expect(shownJson.aliases).toEqual({ champion: 1, challenger: 2 });
      expect(shownJson.audit[0]).toMatchObject({ alias: '(traffic)', via: 'pipewright models traffic' });
      expect(shownJson.audit[2]).toMatchObject({ alias: 'champion', from: 2, to: 1, by: expect.any(String), via: 'pipewright models alias', reason: 'rollback' });
      expect(await cli(['models', 'alias', 'cancer', 'challenger', '--delete', '--project', 'rules.pwproj'])).toMatchObject({ code: 0 });
      expect(showModel(store, 'cancer')).toMatchObject({ aliases: { champion: 1 }, traffic: null, shadow: null });

      // A model file from a newer Pipewright is refused, naming its version; nothing is written.
      const exported = join(dir, 'cancer.model.json');
      expect((await cli(['models', 'export', 'cancer', '--project', 'rules.pwproj', '-o', exported])).code).toBe(0);
      const newer = join(dir, 'newer.model.json');
      writeFileSync(newer, JSON.stringify({ ...JSON.parse(readFileSync(exported, 'utf8')), formatVersion: 7 }));
      const refused = await cli(['predict', '--model-file', newer, '--in', join(EXAMPLES, '..', 'data', 'breast_cancer.csv'), '--out', join(dir, 'never.csv')]);
      expect(refused).toMatchObject({ code: 2, err: expect.stringMatching(/format version 7 comes from a newer Pipewright/) });
      expect(() => readFileSync(join(dir, 'never.csv'))).toThrow();
    } finally {
      store.close();
    }
  }, 300_000);
});
