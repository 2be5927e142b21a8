/**
 * Per-type knowledge lives in the node file: a test plugin declares a data node that reads a
 * file, a trainer and a node at version 2 with a migration, and nothing else names them. Exports
 * ship the file, train.sweep offers the trainer, the loader upgrades the old params.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChecker } from '../../nodes/checker';
import { registry as coreRegistry, type NodeRegistry } from '../../nodes/registry';
import type { MetricsDoc } from '../../nodes/artifacts';
import type { ArtifactRef, NodeDefinition } from '../../nodes/types';
import { irisTrainTest } from '../../nodes/train/test-data';
import { formatPipelineText, loadPipeline, parsePipelineText } from '../../shared/pipeline';
import { DATA_DIR, makeTestContext, runNode, type TestContext } from '../../test/helpers/node-context';
import YAML from 'yaml';
import { exportText, loadForExport } from '../cli/commands/export';
import { gatesOf } from '../cli/junit';
import { dataFiles } from '../export/files';
import { openProject } from '../store';
import { runPipeline } from './engine';
import { loadRegistry } from './plugins';
import { planText } from './planner';

process.env.PIPEWRIGHT_BACKEND ??= 'wasm';

const PLUGIN = join(__dirname, 'fixtures', 'capability-nodes.ts');

let types: NodeRegistry;
let dir: string;
beforeAll(async () => {
  types = await loadRegistry([PLUGIN]);
  dir = mkdtempSync(join(tmpdir(), 'pw-capabilities-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const yaml = (nodes: string): string => `apiVersion: pipewright/v1\nkind: Pipeline\nmetadata:\n  name: caps\nnodes:\n${nodes}`;

describe('a data node that reads files (readsFiles)', () => {
  const text = yaml('  count:\n    type: test.line_count\n    params:\n      file: data/notes.txt\n');

  it('is shipped and hashed by both exports, planned with the plugin that declares it', async () => {
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'data', 'notes.txt'), 'a\nb\n');
    const file = join(dir, 'caps.pipeline.yaml');
    writeFileSync(file, text);
    const io = { stdout: () => {}, stderr: (t: string) => expect.fail(t), isTTY: false, cwd: dir };
    const plan = (await loadForExport(file, io, [PLUGIN]))!;
    expect(dataFiles(plan, file)).toEqual({ count: join(dir, 'data', 'notes.txt') });

    const argo = await exportText(plan, { file, to: 'argo', gpu: false });
    expect(argo).toContain('/work/data/notes.txt (node count)');
    const gha = await exportText(plan, { file, to: 'github-actions', gpu: false });
    expect((YAML.parse(gha) as { on: { push: { paths: string[] } } }).on.push.paths).toContain('data/notes.txt');

    // the Argo memo key is keyed on the file's bytes: other bytes, another key; the same bytes, the same key
    const memo = (wf: string): string => (YAML.parse(wf) as { spec: { templates: { name: string; memoize?: { key: string } }[] } }).spec.templates.find((t) => t.name === 'count-node')!.memoize!.key; // count is an expr-lang builtin
    writeFileSync(join(dir, 'data', 'notes.txt'), 'a\nb\nc\n');
    const changed = await exportText(plan, { file, to: 'argo', gpu: false });
    expect(memo(changed)).not.toBe(memo(argo));
    writeFileSync(join(dir, 'data', 'notes.txt'), 'a\nb\n');
    expect(memo(await exportText(plan, { file, to: 'argo', gpu: false }))).toBe(memo(argo));
    // and the core registry alone does not know the node: nothing is exported for an unknown type
    expect(await loadForExport(file, { ...io, stderr: () => {} })).toBeNull();
  });

  it('is listed in the catalogue with the param it reads', () => {
    expect(types.catalog().find((t) => t.type === 'test.line_count')?.capabilities).toEqual({ readsFiles: ['file'] });
    expect(coreRegistry.catalog().find((t) => t.type === 'data.csv')?.capabilities?.readsFiles).toEqual(['path']);
  });
});

describe('a new trainer (trainer)', () => {
  const sweepYaml = (trainer: string) =>
    yaml(`  load:\n    type: data.sample\n    params:\n      name: iris\n  split:\n    type: features.split\n    inputs:\n      table: load.table\n  sweep:\n    type: train.sweep\n    inputs:\n      train: split.train\n      test: split.test\n    params:\n      trainer: ${trainer}\n      label: species\n      space:\n        learningRate: [0.05, 0.1]\n      metric: accuracy\n`);

  it('is offered by train.sweep of the registry that holds it, and only there', () => {
    expect(loadPipeline(sweepYaml('test.quick_logistic'), createChecker(types)).errors).toEqual([]);
    const core = loadPipeline(sweepYaml('test.quick_logistic'), createChecker(coreRegistry)).errors;
    expect(core.map((e) => e.place)).toEqual(['nodes.sweep.params.trainer']);
    expect(core[0].message).toContain('"train.mlp"');
    const schema = types.catalog().find((t) => t.type === 'train.sweep')?.paramsSchema as { properties: { trainer: { enum: string[] } } };
    expect(schema.properties.trainer.enum).toEqual(['train.logistic_regression', 'train.linear_regression', 'train.mlp', 'test.quick_logistic']);
  });

  describe('sweeps with its own params and defaults', () => {
    let ctx: TestContext;
    let train: ArtifactRef;
    let test: ArtifactRef;
    beforeAll(async () => {
      ctx = await makeTestContext();
      ({ train, test } = await irisTrainTest(ctx, join(DATA_DIR, 'iris.csv')));
    });
    afterAll(() => ctx.cleanup());

    it('trains each trial as the trainer says', async () => {
      const sweep = types.get('train.sweep') as NodeDefinition;
      const out = await runNode(sweep, ctx, { train, test }, { trainer: 'test.quick_logistic', label: 'species', space: { learningRate: [0.05, 0.1] }, metric: 'accuracy' });
      const doc = (out.metrics as { json: MetricsDoc }).json;
      expect(doc.tables?.trials.rows).toHaveLength(2);
      const model = (out.model as { json: { training: { trainer?: string; params: Record<string, unknown> } } }).json;
      // the fixture's default of 5 epochs, not logistic regression's 100
      expect(model.training.params).toMatchObject({ epochs: 5 });
    });
  });
});

describe('a gate (gate)', () => {
  it('gives JUnit its metric, bounds and source from the params, pipeline params resolved', () => {
    const text = `apiVersion: pipewright/v1\nkind: Pipeline\nmetadata:\n  name: g\nparams:\n  floor: 0.9\nnodes:\n  s:\n    type: test.scaled_add\n    params:\n      by: 1\n  gate:\n    type: gate.metric\n    inputs:\n      metrics: s.out\n    params:\n      metric: value\n      min: \${params.floor}\n`;
    const pipeline = parsePipelineText(text).pipeline;
    if (!pipeline) throw new Error('unreadable');
    expect(gatesOf(pipeline, { floor: 0.95 }, types)).toEqual([{ nodeId: 'gate', source: 's', metric: 'value', min: 0.95 }]);
    expect(gatesOf(pipeline, {}, types)).toEqual([{ nodeId: 'gate', source: 's', metric: 'value', min: 0.9 }]);
  });
});

describe('params written for an older version (migrations)', () => {
  const old = yaml('  s:\n    type: test.scaled_add@1\n    params:\n      amount: 3\n      scale: 50\n');

  it('are upgraded by the loader before validation, and written for the current version', () => {
    const loaded = loadPipeline(old, createChecker(types));
    expect(loaded.errors).toEqual([]);
    expect(loaded.pipeline?.nodes[0]).toMatchObject({ type: 'test.scaled_add', params: { by: 3, scale: 0.5 } });
    expect(formatPipelineText(old, createChecker(types)).text).toContain('    type: test.scaled_add\n    params:\n      by: 3\n      scale: 0.5\n');
  });

  it('are recorded for the current version: the old file and its fmt output are one pipeline version', async () => {
    const upgraded = formatPipelineText(old, createChecker(types)).text;
    expect(upgraded).not.toContain('@1');
    const fromOld = await planText(old, { plugins: [PLUGIN] });
    const fromNew = await planText(upgraded, { plugins: [PLUGIN] });
    expect(fromOld.text).toBe(upgraded);
    expect(fromOld.versionHash).toBe(fromNew.versionHash);
    expect(fromOld.nodes.get('s')).toMatchObject({ type: 'test.scaled_add', params: { by: 3, scale: 0.5 } });
    // fmt of the upgraded file changes nothing more
    expect(formatPipelineText(upgraded, createChecker(types)).changed).toBe(false);
  });

  it('run with the upgraded params', async () => {
    const pipeline = loadPipeline(old, createChecker(types)).pipeline;
    if (!pipeline) throw new Error('invalid');
    const store = openProject(join(dir, 'm.pwproj'), { create: true });
    try {
      const summary = await runPipeline({ store, pipeline, baseDir: dir, plugins: [PLUGIN] });
      expect(summary.nodes.s.status).toBe('succeeded');
      const hash = summary.nodes.s.outputs?.out.hash as string;
      expect((store.artifactJson(hash) as MetricsDoc).scalars.value).toBe(1.5);
    } finally {
      store.close();
    }
  });

  it('a version newer than the registry knows is an error at the node', () => {
    const r = loadPipeline(old.replace('@1', '@3'), createChecker(types));
    expect(r.errors.map((e) => [e.place, e.line])).toEqual([['nodes.s.type', 7]]);
    expect(r.errors[0].message).toBe('test.scaled_add@3 is newer than this Pipewright knows (version 2); update Pipewright');
  });
});
