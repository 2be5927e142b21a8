import { describe, expect, it } from 'vitest';
import type { NodeTypeInfo } from '../catalog';
import type { NodeTypeChecker, ParamProblem } from './checker';
import { emptyPipeline, type Pipeline, type PipelineNode } from './model';
import { loadPipeline, resolveParamRefs, validatePipeline } from './validate';

/** A small catalogue in the shape the registry produces; params checked by plain rules. */
const TYPES: Record<string, NodeTypeInfo & { rules?: (p: Record<string, unknown>) => ParamProblem[] }> = {
  src: { type: 'src', version: 1, title: 'S', stage: 'data', description: '', inputs: [], outputs: [{ name: 'table', kind: 'table' }], paramsSchema: {}, available: true },
  fit: {
    type: 'fit', version: 1, title: 'F', stage: 'train', description: '',
    inputs: [{ name: 'train', kind: 'table' }, { name: 'extra', kind: 'metrics', optional: true }],
    outputs: [{ name: 'model', kind: 'model' }], paramsSchema: {}, available: true,
    rules: (p) => [
      ...(typeof p.rate === 'number' && p.rate > 0 && p.rate < 1 ? [] : [{ path: ['rate'], message: 'must be a number between 0 and 1' }]),
      ...Object.keys(p).filter((k) => k !== 'rate' && k !== 'sizes').map((k) => ({ path: [k], message: `unknown param '${k}'` })),
      ...(Array.isArray(p.sizes) ? p.sizes.flatMap((v, i) => (typeof v === 'number' ? [] : [{ path: ['sizes', i], message: 'must be a number' }])) : []),
    ],
  },
  sql: { type: 'sql', version: 1, title: 'Q', stage: 'data', description: '', inputs: [], variadicInputs: { kind: 'table', min: 1 }, outputs: [{ name: 'table', kind: 'table' }], paramsSchema: {}, available: true },
};
const checker: NodeTypeChecker = {
  info: (t) => TYPES[t],
  checkParams: (t, p) => TYPES[t]?.rules?.(p) ?? [],
};

function node(id: string, type: string, inputs: Record<string, string> = {}, params: PipelineNode['params'] = {}): PipelineNode {
  return { id, type, inputs, params, extensions: {} };
}
function pipeline(nodes: PipelineNode[], params: Pipeline['params'] = {}): Pipeline {
  return { ...emptyPipeline('v'), nodes, params };
}

describe('resolveParamRefs', () => {
  const p = pipeline([node('a', 'fit', {}, { rate: '${params.rate}', sizes: ['${params.width}', 8], keep: '${params.rate} x', nested: { r: '${params.rate}' } })], { rate: 0.1, width: 16 });

  it('substitutes whole-value references at any depth, leaving other strings alone', () => {
    const r = resolveParamRefs(p);
    expect(r.errors).toEqual([]);
    expect(r.nodes.a).toEqual({ rate: 0.1, sizes: [16, 8], keep: '${params.rate} x', nested: { r: 0.1 } });
    expect(r.params).toEqual({ rate: 0.1, width: 16 });
  });

  it('applies overrides first', () => {
    const r = resolveParamRefs(p, { rate: 0.5 });
    expect(r.nodes.a.rate).toBe(0.5);
    expect(r.params.rate).toBe(0.5);
  });

  it('refuses an override or a reference naming an undeclared param', () => {
    const r = resolveParamRefs(pipeline([node('a', 'fit', {}, { rate: '${params.nope}' })], { rate: 1 }), { sed: 3 });
    expect(r.errors).toEqual([
      { place: 'params.sed', message: "'sed' is not a declared pipeline param (declared: rate)" },
      { place: 'nodes.a.params.rate', message: "refers to undeclared pipeline param 'nope' (declared: rate)" },
    ]);
  });
});

describe('validatePipeline', () => {
  it('accepts a valid graph, optional ports absent, variadic ports named freely', () => {
    const p = pipeline([node('s', 'src'), node('f', 'fit', { train: 's.table' }, { rate: 0.5 }), node('q', 'sql', { left: 's.table', right: 's.table' })]);
    expect(validatePipeline(p, checker)).toEqual([]);
  });

  it('reports every error at once, each with its place', () => {
    const p = pipeline([
      node('s', 'src'),
      node('f', 'fit', { train: 's.table', extra: 's.table', bogus: 's.table' }, { rate: 2, sizes: [1, 'x'] }),
      node('g', 'fit', { train: 'missing.table' }, { rate: '${params.r}' }),
      node('h', 'fit', { train: 's.nope' }, { rate: 0.5 }),
      node('q', 'sql', {}),
      node('r', 'sql', { 'bad-name': 's.table' }),
      node('9x', 'src'),
      node('u', 'unknown.type', { in: 'nowhere.table' }),
      node('m', 'fit', { train: 'f.model' }, { rate: 0.5 }),
    ]);
    p.layout = { s: { x: 0, y: 0 }, ghost: { x: 1, y: 1 } };
    const issues = validatePipeline(p, checker).map((i) => `${i.place}: ${i.message}`);
    expect(issues).toEqual(expect.arrayContaining([
      'nodes.f.params.rate: must be a number between 0 and 1',
      'nodes.f.params.sizes.1: must be a number',
      "nodes.f.inputs.extra: wrong port kind: 'extra' takes a metrics, but s.table is a table",
      "nodes.f.inputs.bogus: unknown input port 'bogus' (fit has: train, extra)",
      "nodes.g.inputs.train: refers to missing node 'missing'",
      "nodes.g.params.rate: refers to undeclared pipeline param 'r' (the pipeline declares no params)",
      "nodes.h.inputs.train: node 's' (src) has no output port 'nope' (it has: table)",
      'nodes.q.inputs: sql needs at least 1 input table (each port named freely)',
      'nodes.9x: node ids start with a letter and hold letters, digits, _ and - only',
      "nodes.u.type: unknown node type 'unknown.type'",
      "nodes.u.inputs.in: refers to missing node 'nowhere'",
      "nodes.m.inputs.train: wrong port kind: 'train' takes a table, but f.model is a model",
      "layout.ghost: no node 'ghost' in this pipeline",
    ]));
    expect(issues.some((i) => i.startsWith('nodes.r.inputs.bad-name:'))).toBe(true);
    // the unresolved reference is not also reported as a bad value
    expect(issues.filter((i) => i.startsWith('nodes.g.params.rate'))).toHaveLength(1);
  });

  it('reports missing required inputs, self-loops and cycles', () => {
    const p = pipeline([node('a', 'fit', {}, { rate: 0.5 }), node('b', 'sql', { t: 'b.table' }), node('c', 'sql', { t: 'd.table' }), node('d', 'sql', { t: 'c.table' })]);
    const issues = validatePipeline(p, checker).map((i) => `${i.place}: ${i.message}`);
    expect(issues).toEqual(expect.arrayContaining([
      "nodes.a.inputs.train: required input 'train' (table) is not connected",
      'nodes.b.inputs.t: a node cannot read its own output (cycle: b -> b)',
    ]));
    expect(issues.find((i) => i.includes('cycle: ') && !i.includes('b -> b'))).toMatch(/^nodes\.[cd]\.inputs\.t: cycle: (c -> d -> c|d -> c -> d)$/);
  });

  it('reports every independent cycle', () => {
    const p = pipeline([
      node('a', 'sql', { t: 'b.table' }), node('b', 'sql', { t: 'a.table' }),
      node('c', 'sql', { t: 'd.table' }), node('d', 'sql', { t: 'c.table' }),
    ]);
    const cycles = validatePipeline(p, checker).filter((i) => i.message.startsWith('cycle: '));
    expect(cycles).toHaveLength(2);
    expect(p.nodes[0].inputs).toEqual({ t: 'b.table' }); // the model is left alone
  });

  it('checks pipeline param names in an edited model', () => {
    expect(validatePipeline(pipeline([], { 'bad name': 1, good_one: 2 }), checker)).toEqual([
      { place: 'params.bad name', message: 'param names start with a letter or _ and hold letters, digits, _ and - only' },
    ]);
  });

  it('reports a duplicate node id in an edited model', () => {
    const issues = validatePipeline(pipeline([node('s', 'src'), node('s', 'src')]), checker);
    expect(issues).toEqual([{ place: 'nodes.s', message: "duplicate node id 's'" }]);
  });
});

describe('loadPipeline', () => {
  it('puts validation issues at the line of their place', () => {
    const text = 'apiVersion: pipewright/v1\nkind: Pipeline\nmetadata:\n  name: v\nnodes:\n  s:\n    type: src\n  f:\n    type: fit\n    inputs:\n      train: s.table\n    params:\n      rate: 7\n';
    const r = loadPipeline(text, checker);
    expect(r.pipeline).toBeNull();
    expect(r.errors).toEqual([{ place: 'nodes.f.params.rate', message: 'must be a number between 0 and 1', line: 13, column: 7 }]);
  });

  it('combines parse and validation errors without repeating them', () => {
    const text = 'kind: Pipeline\nmetadata:\n  name: v\nnodes:\n  f:\n    type: fit\n    colour: red\n    params:\n      rate: 7\n';
    const r = loadPipeline(text, checker);
    expect(r.errors.map((e) => e.place)).toEqual(['nodes.f.inputs.train', 'nodes.f.colour', 'nodes.f.params.rate', 'apiVersion']);
    expect(r.partial?.nodes[0].id).toBe('f');
  });
});
