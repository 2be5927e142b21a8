import { describe, expect, it } from 'vitest';
import type { Pipeline } from './model';
import { MAX_PIPELINE_BYTES, parseParamOverride, parsePipelineText } from './parse';
import { resolveParamRefs } from './validate';

const HEAD = 'apiVersion: pipewright/v1\nkind: Pipeline\nmetadata:\n  name: t\n';

function aliasBomb(levels: number): string {
  const lines = [HEAD.trimEnd(), 'x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  let prev = 'a';
  for (const c of 'bcdefghijklmnop'.slice(0, levels)) {
    lines.push(`x-${c}: &${c} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    prev = c;
  }
  lines.push('nodes: {}');
  return `${lines.join('\n')}\n`;
}

describe('parsePipelineText', () => {
  it('maps a file onto the model, nodes in file order', () => {
    const text = `${HEAD}  description: d
  x-owner: team-a
params:
  seed: 42
  name: "on"
nodes:
  z_last:
    type: data.csv
    params:
      path: a.csv
    cache: false
    x-note: keep me
  a-first:
    type: features.split
    inputs:
      table: z_last.table
    params:
      testFraction: 0.25
      seed: \${params.seed}
x-ci: { retries: 2 }
layout:
  z_last: { x: 0, y: 10.5 }
  a-first: { x: 200, y: -3 }
`;
    const r = parsePipelineText(text);
    expect(r.errors).toEqual([]);
    expect(r.pipeline).toEqual({
      apiVersion: 'pipewright/v1',
      kind: 'Pipeline',
      metadata: { name: 't', description: 'd', extensions: { 'x-owner': 'team-a' } },
      params: { seed: 42, name: 'on' },
      nodes: [
        { id: 'z_last', type: 'data.csv', inputs: {}, params: { path: 'a.csv' }, cache: false, extensions: { 'x-note': 'keep me' } },
        { id: 'a-first', type: 'features.split', inputs: { table: 'z_last.table' }, params: { testFraction: 0.25, seed: '${params.seed}' }, extensions: {} },
      ],
      extensions: { 'x-ci': { retries: 2 } },
      layout: { z_last: { x: 0, y: 10.5 }, 'a-first': { x: 200, y: -3 } },
    });
    expect(r.positions['nodes.a-first.params.testFraction']).toEqual({ line: 22, column: 7 });
    expect(r.positions['layout.a-first']).toEqual({ line: 27, column: 3 });
  });

  it('reads YAML 1.2 core, not 1.1: on/yes/NO stay strings, 0777 is decimal', () => {
    const r = parsePipelineText(`${HEAD}params:\n  a: on\n  b: yes\n  c: NO\n  d: 0777\n  e: 0o17\n  f: 12:30\n  g: ~\n  h: 1e3\nnodes: {}\n`);
    expect(r.errors).toEqual([]);
    expect(r.pipeline?.params).toEqual({ a: 'on', b: 'yes', c: 'NO', d: 777, e: 15, f: '12:30', g: null, h: 1000 });
  });

  it('refuses a 1 KB alias bomb fast, before expanding anything', () => {
    const text = aliasBomb(14);
    expect(text.length).toBeGreaterThan(700);
    expect(text.length).toBeLessThan(1500);
    const t0 = performance.now();
    const r = parsePipelineText(text);
    const ms = performance.now() - t0;
    expect(r.pipeline).toBeNull();
    expect(r.errors[0]).toMatchObject({ place: 'x-a', line: 5, column: 6 });
    expect(r.errors[0].message).toMatch(/anchors are not allowed/);
    // Expanding it would build 9^15 values (hours, or out of memory): any bound far below that
    // proves nothing was expanded, and a loaded CI machine must not fail it by a few milliseconds.
    expect(ms).toBeLessThan(2_000);
  });

  it('refuses anchors, aliases and custom tags, with positions', () => {
    const r = parsePipelineText(`${HEAD}x-a: &x 1\nx-b: *x\nnodes: !custom {}\n`);
    expect(r.errors.map((e) => [e.message.split(' (')[0], e.line, e.column])).toEqual([
      ['anchors are not allowed', 5, 6],
      ['aliases are not allowed', 6, 6],
      ['custom tags are not allowed', 7, 8],
    ]);
  });

  it('accepts core-schema tags such as !!str', () => {
    const r = parsePipelineText(`${HEAD}params:\n  v: !!str 0777\nnodes: {}\n`);
    expect(r.errors).toEqual([]);
    expect(r.pipeline?.params.v).toBe('0777');
  });

  it('refuses duplicate keys, naming the place', () => {
    const r = parsePipelineText(`${HEAD}nodes:\n  a:\n    type: data.csv\n    type: data.parquet\n`);
    expect(r.pipeline).toBeNull();
    expect(r.errors).toEqual([{ place: 'nodes.a.type', message: expect.stringMatching(/duplicate key/), line: 8, column: 5 }]);
  });

  it('refuses files over 5 MiB quickly', () => {
    const text = `${HEAD}x-pad: ${'a'.repeat(MAX_PIPELINE_BYTES)}\nnodes: {}\n`;
    const t0 = performance.now();
    const r = parsePipelineText(text);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(r.errors).toEqual([{ place: 'document', message: expect.stringMatching(/larger than 5 MiB/) }]);
    // multi-byte characters count as bytes, not code units
    const wide = `${HEAD}x-pad: ${'é'.repeat(MAX_PIPELINE_BYTES / 2)}\nnodes: {}\n`;
    expect(parsePipelineText(wide).errors[0]?.message).toMatch(/larger than 5 MiB/);
  });

  it('refuses directives other than %YAML 1.2 and several documents', () => {
    expect(parsePipelineText(`%YAML 1.1\n---\n${HEAD}nodes: {}\n`).errors[0].message).toMatch(/directives are not allowed/);
    expect(parsePipelineText(`%YAML 1.2\n---\n${HEAD}nodes: {}\n`).errors).toEqual([]);
    expect(parsePipelineText(`${HEAD}nodes: {}\n---\n${HEAD}nodes: {}\n`).errors.length).toBeGreaterThan(0);
  });

  it('reports syntax errors with a place and position', () => {
    const r = parsePipelineText(`${HEAD}nodes:\n  a:\n    type: "unterminated\n`);
    expect(r.pipeline).toBeNull();
    expect(r.errors.length).toBeGreaterThan(0);
    expect(r.errors[0].line).toBeGreaterThan(0);
  });

  it('reports every unknown key except x- ones, and missing required keys', () => {
    const r = parsePipelineText(`kind: Pipeline\nmetadata:\n  title: no\n  x-ok: 1\nnodes:\n  a:\n    type: data.csv\n    color: red\n    x-ok: 2\nedges: []\nx-ok: 3\n`);
    expect(r.pipeline).toBeNull();
    expect(r.errors.map((e) => e.place).sort()).toEqual(['apiVersion', 'edges', 'metadata.name', 'metadata.title', 'nodes.a.color']);
    expect(r.partial?.nodes.map((n) => n.id)).toEqual(['a']);
  });

  it('refuses values nested too deeply, fast and without blowing the stack', () => {
    const flow = parsePipelineText(`${HEAD}nodes: {}\nx-deep: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    expect(flow.errors).toEqual([{ place: 'x-deep', message: expect.stringMatching(/nested more than 64 levels/), line: 6, column: 73 }]);
    const block = parsePipelineText(`${HEAD}nodes: {}\nx-deep:\n${Array.from({ length: 100 }, (_, i) => `${' '.repeat(i + 1)}- `).join('\n')}x\n`);
    expect(block.errors).toHaveLength(1);
    expect(block.errors[0].message).toMatch(/nested more than 64 levels/);
    const ok = parsePipelineText(`${HEAD}nodes: {}\nx-ok: ${'['.repeat(30)}1${']'.repeat(30)}\n`);
    expect(ok.errors).toEqual([]);
  });

  it('keeps keys such as __proto__ as plain data, never as a prototype', () => {
    const r = parsePipelineText(`${HEAD}params:\n  __proto__: { polluted: true }\nnodes:\n  a:\n    type: t\n    params:\n      __proto__: { polluted: true }\nx-e:\n  __proto__: 1\ntoString: 2\n`);
    expect(r.errors.map((e) => e.place)).toEqual(['toString']);
    const p = r.partial as Pipeline;
    expect(Object.getPrototypeOf(p.params)).toBe(Object.prototype);
    expect(Object.keys(p.params)).toEqual(['__proto__']);
    expect(Object.keys(p.nodes[0].params)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(resolveParamRefs({ ...p, nodes: [{ ...p.nodes[0], params: { v: '${params.__proto__}' } }] }).nodes.a.v).toEqual({ polluted: true });
  });

  it('refuses values that cannot travel as JSON', () => {
    const r = parsePipelineText(`${HEAD}params:\n  big: .inf\nnodes: {}\n`);
    expect(r.errors).toEqual([{ place: 'params.big', message: expect.stringMatching(/finite/), line: 6, column: 8 }]);
  });

  it('checks node ids, the pipeline name and layout shapes', () => {
    const r = parsePipelineText(`apiVersion: pipewright/v1\nkind: Pipeline\nmetadata:\n  name: Bad_Name\nnodes:\n  9a:\n    type: data.csv\nlayout:\n  9a: { x: 1 }\n`);
    expect(r.errors.map((e) => e.place)).toEqual(['metadata.name', 'nodes.9a', 'layout.9a']);
  });
});

describe('parseParamOverride', () => {
  it('reads v as a YAML 1.2 scalar', () => {
    expect(parseParamOverride('seed=7')).toEqual({ key: 'seed', value: 7 });
    expect(parseParamOverride('rate=0.5')).toEqual({ key: 'rate', value: 0.5 });
    expect(parseParamOverride('name=abc')).toEqual({ key: 'name', value: 'abc' });
    expect(parseParamOverride('flag=true')).toEqual({ key: 'flag', value: true });
    expect(parseParamOverride('flag=on')).toEqual({ key: 'flag', value: 'on' });
    expect(parseParamOverride('x=null')).toEqual({ key: 'x', value: null });
    expect(parseParamOverride('q="7"')).toEqual({ key: 'q', value: '7' });
    expect(parseParamOverride('q=a=b')).toEqual({ key: 'q', value: 'a=b' });
    expect(parseParamOverride('q=a: b')).toEqual({ key: 'q', value: 'a: b' });
    expect(parseParamOverride('q=')).toEqual({ key: 'q', value: '' });
  });

  it('refuses an argument without a key', () => {
    expect(() => parseParamOverride('=3')).toThrow(/k=v/);
    expect(() => parseParamOverride('seed')).toThrow(/k=v/);
  });
});
