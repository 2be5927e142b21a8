/**
 * The editor validates without main (renderer/src/local-validate.ts): for every bundled example,
 * every bad fixture, a list of broken pipelines touching each rule, and random pipelines over the
 * real catalogue, its answer is main's `pipeline.validate` answer, message for message and place
 * for place.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../shared/catalog';
import { serializePipeline } from '../../shared/pipeline/serialize';
import { bundledParams, validateLocally } from '../../renderer/src/local-validate';
import { NodeRegistry, coreNodes, registry } from '../../nodes/registry';
import { nodes as capabilityNodes } from '../../main/engine/fixtures/capability-nodes';
import { startMemoryApi, type MemoryApi } from '../helpers/memory-api';
import { PIPELINE } from '../helpers/pipeline-arbitraries';

const ROOT = join(__dirname, '..', '..');
const files = (dir: string, suffix = '.pipeline.yaml') =>
  readdirSync(dir)
    .filter((f) => f.endsWith(suffix))
    .map((f) => ({ name: f, text: readFileSync(join(dir, f), 'utf8') }));

const HEAD = 'apiVersion: pipewright/v1\nkind: Pipeline\nmetadata:\n  name: broken\n';
/** One node of `type` with `params` (YAML flow mapping) after an iris source. */
const one = (type: string, params: string, inputs = '') =>
  `${HEAD}nodes:\n  src:\n    type: data.sample\n    params: { name: iris }\n  n:\n    type: ${type}\n${inputs}    params: ${params}\n`;

const BROKEN: Record<string, string> = {
  'unknown type': one('features.standardise', '{}'),
  'versioned type, migrated': one('data.csv@1', '{ path: a.csv }'),
  'newer version than known': one('data.csv@7', '{ path: a.csv }'),
  'required param': one('data.csv', '{}'),
  'unknown param': one('data.csv', '{ path: a.csv, pth: b.csv }'),
  'wrong type and bounds': one('features.split', '{ testFraction: 1.5, seed: 0.5 }', '    inputs: { table: src.table }\n'),
  'enum': one('data.sample', '{ name: mnist }'),
  'regex message': one('deploy.register', '{ name: Bad_Name }', '    inputs: { model: src.table }\n'),
  'register check': one('deploy.register', '{ name: show }'),
  'impute check': one('features.impute', '{ strategy: constant }', '    inputs: { table: src.table }\n'),
  'select check': one('features.select', '{ columns: [a], exclude: [b] }', '    inputs: { table: src.table }\n'),
  'gate check': one('gate.metric', '{ metric: accuracy, min: 0.9, max: 0.1 }'),
  'view checks': one('features.view', '{ name: v, entity: id, timestamp: id, ttl: 99999999999999w, features: [id] }', '    inputs: { table: src.table }\n'),
  'view ttl regex': one('features.view', '{ name: 1v, entity: id, timestamp: t, ttl: soon }', '    inputs: { table: src.table }\n'),
  'materialize check': one('features.materialize', '{ asOf: yesterday }', '    inputs: { view: src.table }\n'),
  'drift check': one('monitor.drift', '{ threshold: 0.1 }', '    inputs: { reference: src.table, current: src.table }\n'),
  'sweep: empty space, unknown trainer': one('train.sweep', '{ trainer: train.forest, space: {}, metric: accuracy }', '    inputs: { train: src.table, test: src.table }\n'),
  'sweep: bound to every trainer': one('train.sweep', '{ trainer: train.mlp, space: { epochs: [1, 2] }, metric: accuracy, trials: 0 }', '    inputs: { train: src.table, test: src.table }\n'),
  'nested list value': one('train.mlp', '{ label: species, hiddenUnits: [16, wide] }', '    inputs: { train: src.table }\n'),
  'wrong port kind and missing node': one('train.mlp', '{ label: species }', '    inputs: { train: nowhere.table, extra: src.table }\n'),
  'undeclared param ref': one('features.split', '{ seed: "${params.seed}" }', '    inputs: { table: src.table }\n'),
  'cycle': `${HEAD}nodes:\n  a:\n    type: features.select\n    inputs: { table: b.table }\n    params: { columns: [x] }\n  b:\n    type: features.select\n    inputs: { table: a.table }\n    params: { columns: [x] }\n`,
  'bad yaml': `${HEAD}nodes:\n  a:\n    type: [unclosed\n`,
  'not a pipeline': 'just a line of text\n',
  'trigger on an unknown metric': `${HEAD}triggers:\n  - metric: { node: n, name: nonsense, below: 1 }\n${one('evaluate.classification', '{ label: species }').slice(HEAD.length)}`,
};

let api: MemoryApi;
let catalog: Catalog;
const home = mkdtempSync(join(tmpdir(), 'pw-local-validate-'));
const main = async (text: string) => JSON.parse(JSON.stringify(await api.client.call('pipeline.validate', { text })));
const local = (text: string, cat = catalog) => JSON.parse(JSON.stringify(validateLocally(text, cat)));

beforeAll(async () => {
  api = startMemoryApi({ mode: 'web', configDir: home });
  catalog = (await api.client.call('catalog.list', {})).nodes;
});
afterAll(async () => {
  await api.close();
  rmSync(home, { recursive: true, force: true });
});

describe('the editor validates as main does', () => {
  const examples = [
    ...files(join(ROOT, 'resources', 'examples')),
    ...files(join(ROOT, 'test', 'golden')),
    ...files(join(ROOT, '..', 'shared', 'spec', 'examples')).map((f) => ({ ...f, name: `spec/${f.name}` })),
  ];
  it.each(examples.map((e) => [e.name, e.text]))('example %s', async (_name, text) => {
    const expected = await main(text);
    expect(expected.pipeline).not.toBeNull();
    expect(local(text)).toEqual(expected);
  });

  const bad = files(join(ROOT, 'test', 'fixtures', 'bad'));
  it.each(bad.map((e) => [e.name, e.text]))('bad fixture %s', async (_name, text) => {
    expect(local(text)).toEqual(await main(text));
  });

  it.each(Object.entries(BROKEN))('broken: %s', async (_name, text) => {
    const expected = await main(text);
    if (_name === 'versioned type, migrated') expect(expected.errors).toEqual([]);
    else if (!/yaml|not a pipeline|cycle/.test(_name)) expect(expected.errors.map((e: { place: string }) => e.place)).toContainEqual(expect.stringMatching(/^(nodes\.n\b|triggers)/));
    expect(local(text)).toEqual(expected);
  });

  it('random pipelines over the real node types and random params', async () => {
    const types = catalog.map((t) => t.type);
    const arb = fc.tuple(PIPELINE, fc.array(fc.nat(types.length - 1), { minLength: 5, maxLength: 5 })).map(([p, picks]) => {
      p.nodes.forEach((n, i) => (n.type = types[picks[i]]));
      return serializePipeline(p);
    });
    await fc.assert(
      fc.asyncProperty(arb, async (text) => {
        expect(local(text)).toEqual(await main(text));
      }),
      { numRuns: 150, seed: 10 },
    );
  });
});

describe('which types the editor can check itself', () => {
  it('bundles the params of every core type, the very schema the node runs with', () => {
    const bundled = new Map(bundledParams.map((p) => [p.type, p]));
    for (const def of coreNodes) {
      // A type without its `.params.ts` would be validated by main: the editor would lose it silently.
      expect(bundled.get(def.type)?.params, `${def.type}: put its params in nodes/<stage>/<name>.params.ts`).toBeDefined();
      if (!def.bind) expect(bundled.get(def.type)?.params).toBe(def.params);
    }
    expect(bundledParams).toHaveLength(coreNodes.length);
  });

  it("leaves a plugin's pipeline to main, which knows the plugin", async () => {
    const withPlugins = new NodeRegistry([...coreNodes, ...capabilityNodes]);
    const pluginCatalog = withPlugins.catalog();
    const text = one('test.scaled_add@1', '{ amount: 3 }');
    expect(validateLocally(text, pluginCatalog)).toBeNull();
    expect(validateLocally(one('data.csv', '{}'), pluginCatalog)).not.toBeNull();
    // A type neither knows is reported here, as main reports it.
    expect(local(one('nope.nope', '{}'), pluginCatalog)).toEqual(await main(one('nope.nope', '{}')));
    expect(registry.get('test.scaled_add')).toBeUndefined();
  });
});
