import { describe, expect, it } from 'vitest';
import { applyDefaults, createChecker } from './checker';
import { registry } from './registry';

const checker = createChecker(registry);

describe('createChecker', () => {
  it('knows every registered type', () => {
    for (const def of registry.list()) expect(checker.info(def.type)?.type).toBe(def.type);
    expect(checker.info('data.excel')).toBeUndefined();
  });

  it('accepts valid params', () => {
    expect(checker.checkParams('features.split', { testFraction: 0.3, seed: 1, stratifyBy: 'y' })).toEqual([]);
    expect(checker.checkParams('features.split', {})).toEqual([]);
    expect(checker.checkParams('train.mlp', { label: 'y', hiddenUnits: [16, 8] })).toEqual([]);
  });

  it('says what a number must be, with its bounds', () => {
    expect(checker.checkParams('features.split', { testFraction: 1.5 })).toEqual([{ path: ['testFraction'], message: 'must be a number between 0 and 1' }]);
    expect(checker.checkParams('features.split', { testFraction: 'lots' })).toEqual([{ path: ['testFraction'], message: 'must be a number between 0 and 1' }]);
    expect(checker.checkParams('features.split', { seed: 0.5 })[0]).toMatchObject({ path: ['seed'], message: expect.stringMatching(/whole number/) });
  });

  it('reports required, unknown and enum problems in friendly words', () => {
    expect(checker.checkParams('data.csv', {})).toEqual([{ path: ['path'], message: 'required' }]);
    expect(checker.checkParams('data.csv', { path: 'a.csv', foo: 1 })).toEqual([{ path: ['foo'], message: "unknown param 'foo'" }]);
    const [enumProblem] = checker.checkParams('data.sample', { name: 'mnist' });
    expect(enumProblem.path).toEqual(['name']);
    expect(enumProblem.message).toMatch(/^must be one of: .*"iris"/);
    expect(checker.checkParams('data.csv', { path: '' })).toEqual([{ path: ['path'], message: 'must not be empty' }]);
  });

  it('gives nested paths for values inside lists', () => {
    const problems = checker.checkParams('train.mlp', { label: 'y', hiddenUnits: [16, 'wide'] });
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toEqual(['hiddenUnits', 1]);
    expect(problems[0].message).toMatch(/^must be/);
  });

  it("runs the node's own check() after the schema", () => {
    expect(checker.checkParams('gate.metric', { metric: 'accuracy' })).toEqual([{ path: ['min'], message: 'set min, max or both' }]);
    expect(checker.checkParams('features.select', { columns: ['a'], exclude: ['b'] })).toEqual([{ path: ['columns'], message: 'set exactly one of columns or exclude' }]);
    expect(checker.checkParams('gate.metric', { metric: 'accuracy', min: 0.9 })).toEqual([]);
  });

  it('refuses an unknown type', () => {
    expect(checker.checkParams('nope.nope', {})).toEqual([{ path: [], message: "unknown node type 'nope.nope'" }]);
  });
});

describe('applyDefaults', () => {
  it('fills in every default', () => {
    const def = registry.get('features.split');
    expect(def).toBeDefined();
    if (!def) return;
    expect(applyDefaults(def, {})).toEqual({ testFraction: 0.2, seed: 0 });
    expect(applyDefaults(def, { seed: 3, stratifyBy: 'y' })).toEqual({ testFraction: 0.2, seed: 3, stratifyBy: 'y' });
  });

  it('throws on invalid params', () => {
    const def = registry.get('features.split');
    if (!def) throw new Error('features.split missing');
    expect(() => applyDefaults(def, { testFraction: 2 })).toThrow(/testFraction/);
  });
});
