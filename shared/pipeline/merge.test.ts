import { describe, expect, it } from 'vitest';
import { diffLines, mergePipelineTexts, MergeInputError } from './merge';
import { parsePipelineText } from './parse';
import { serializePipeline } from './serialize';

/** resources/examples/breast-cancer.pipeline.yaml (shared/ tests read no files) */
const base = `apiVersion: pipewright/v1
kind: Pipeline
metadata:
  name: breast-cancer
  description: Logistic regression on the Wisconsin breast-cancer data, gated on accuracy
params:
  seed: 42
  minAccuracy: 0.9
nodes:
  load:
    type: data.csv
    params:
      path: ../data/breast_cancer.csv
  split:
    type: features.split
    inputs:
      table: load.table
    params:
      testFraction: 0.2
      stratifyBy: diagnosis
      seed: \${params.seed}
  scale:
    type: features.standardize
    inputs:
      train: split.train
      test: split.test
    params:
      exclude: [diagnosis]
  train:
    type: train.logistic_regression
    inputs:
      train: scale.train
    params:
      label: diagnosis
  evaluate:
    type: evaluate.classification
    inputs:
      model: train.model
      test: scale.test
    params:
      label: diagnosis
  gate:
    type: gate.metric
    inputs:
      metrics: evaluate.metrics
    params:
      metric: accuracy
      min: \${params.minAccuracy}
`;
const edit = (text: string, from: string, to: string): string => {
  expect(text, `the fixture holds ${JSON.stringify(from)}`).toContain(from);
  return text.replace(from, to);
};
const parsed = (text: string) => {
  const r = parsePipelineText(text);
  expect(r.errors).toEqual([]);
  return r.pipeline!;
};

describe('mergePipelineTexts', () => {
  it('combines edits to different nodes and params, and writes the canonical text', () => {
    const ours = edit(base, 'testFraction: 0.2', 'testFraction: 0.25');
    const theirs = edit(edit(base, 'minAccuracy: 0.9', 'minAccuracy: 0.95'), '      label: diagnosis\n  evaluate:', '      label: diagnosis\n      epochs: 300\n  evaluate:');
    const r = mergePipelineTexts(base, ours, theirs);
    expect(r.conflicts).toEqual([]);
    expect(r.problems).toEqual([]);
    const p = parsed(r.text);
    expect(p.nodes.find((n) => n.id === 'split')?.params.testFraction).toBe(0.25);
    expect(p.params.minAccuracy).toBe(0.95);
    expect(p.nodes.find((n) => n.id === 'train')?.params.epochs).toBe(300);
    expect(serializePipeline(p, r.text)).toBe(r.text);
  });

  it('adds nodes from both sides, each after its neighbour, and takes a removal on one side', () => {
    const ours = edit(base, '  gate:\n', '  extra_a:\n    type: data.csv\n    params:\n      path: a.csv\n  gate:\n');
    const theirs = edit(base, '  scale:\n', '  extra_b:\n    type: data.csv\n    params:\n      path: b.csv\n  scale:\n');
    const r = mergePipelineTexts(base, ours, theirs);
    expect(r.conflicts).toEqual([]);
    expect(parsed(r.text).nodes.map((n) => n.id)).toEqual(['load', 'split', 'extra_b', 'scale', 'train', 'evaluate', 'extra_a', 'gate']);
    const removed = mergePipelineTexts(ours, ours, edit(ours, '  extra_a:\n    type: data.csv\n    params:\n      path: a.csv\n', ''));
    expect(parsed(removed.text).nodes.map((n) => n.id)).not.toContain('extra_a');
  });

  it('marks the same param changed both ways with markers around that line only', () => {
    const ours = edit(base, 'testFraction: 0.2', 'testFraction: 0.3');
    const theirs = edit(base, 'testFraction: 0.2', 'testFraction: 0.1');
    const r = mergePipelineTexts(base, ours, theirs);
    expect(r.conflicts).toEqual(['nodes.split.params.testFraction']);
    expect(r.text).toContain('<<<<<<< ours\n      testFraction: 0.3\n=======\n      testFraction: 0.1\n>>>>>>> theirs\n');
    expect(r.text.match(/^<<<<<<< /gm)).toHaveLength(1);
    // everything outside the block is the merged file
    const resolved = r.text.replace(/<<<<<<< ours\n(.*\n)=======\n.*\n>>>>>>> theirs\n/, '$1');
    expect(parsed(resolved).nodes.find((n) => n.id === 'split')?.params.testFraction).toBe(0.3);
  });

  it('treats a node removed on one side and edited on the other as a conflict', () => {
    const ours = edit(base, '      min: ${params.minAccuracy}\n', '      min: 0.5\n');
    const theirs = edit(base, /\n {2}gate:\n[\s\S]*?min: \$\{params\.minAccuracy\}\n/.exec(base)![0], '\n');
    const r = mergePipelineTexts(base, ours, theirs);
    expect(r.conflicts).toEqual(['nodes.gate']);
    expect(r.text).toMatch(/<<<<<<< ours\n {2}gate:\n[\s\S]*=======\n>>>>>>> theirs/);
  });

  it('reports a clean merge that wires to a node the other side removed', () => {
    const ours = edit(base, '      model: train.model\n', '      model: train.model\n      extra: load.table\n');
    const withoutLoad = edit(edit(base, /\n {2}load:\n[\s\S]*?breast_cancer\.csv\n/.exec(base)![0], '\n'), 'table: load.table', 'table: other.table');
    const r = mergePipelineTexts(base, ours, withoutLoad);
    expect(r.conflicts).toEqual([]);
    expect(r.problems.join('\n')).toMatch(/nodes\.evaluate\.inputs\.extra: load\.table names node "load"/);
  });

  it('keeps keys such as __proto__ as plain data', () => {
    const ours = edit(base, '  seed: 42\n', '  seed: 42\n  __proto__: 1\n');
    const r = mergePipelineTexts(base, ours, base);
    expect(r.conflicts).toEqual([]);
    expect(Object.prototype.hasOwnProperty.call(parsed(r.text).params, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a side that is not a pipeline', () => {
    expect(() => mergePipelineTexts(base, 'nodes: [', base)).toThrow(MergeInputError);
    expect(() => mergePipelineTexts(base, base, 'a: 1\n')).toThrow(/theirs/);
  });
});

describe('diffLines', () => {
  it('finds the smallest differing blocks', () => {
    const h = diffLines(['a', 'b', 'c', 'd', 'e'], ['a', 'x', 'c', 'd', 'y', 'e']);
    expect(h).toEqual([
      { same: true, a: ['a'], b: ['a'] },
      { same: false, a: ['b'], b: ['x'] },
      { same: true, a: ['c', 'd'], b: ['c', 'd'] },
      { same: false, a: [], b: ['y'] },
      { same: true, a: ['e'], b: ['e'] },
    ]);
  });
});
