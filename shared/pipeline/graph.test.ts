import { describe, expect, it } from 'vitest';
import { downstreamOf, edgesOf, findCycle, topologicalOrder, upstreamOf, wouldCreateCycle } from './graph';
import { emptyPipeline, type Pipeline } from './model';

/** nodes as [id, {port: "node.port"}] in file order */
function pipeline(nodes: [string, Record<string, string>][]): Pipeline {
  const p = emptyPipeline('g');
  p.nodes = nodes.map(([id, inputs]) => ({ id, type: 't', inputs, params: {}, extensions: {} }));
  return p;
}

const diamond = pipeline([
  ['load', {}],
  ['left', { table: 'load.table' }],
  ['right', { table: 'load.table' }],
  ['join', { a: 'left.table', b: 'right.table' }],
]);

describe('graph helpers', () => {
  it('derives edges from inputs, in file order', () => {
    expect(edgesOf(diamond)).toEqual([
      { from: { node: 'load', port: 'table' }, to: { node: 'left', port: 'table' } },
      { from: { node: 'load', port: 'table' }, to: { node: 'right', port: 'table' } },
      { from: { node: 'left', port: 'table' }, to: { node: 'join', port: 'a' } },
      { from: { node: 'right', port: 'table' }, to: { node: 'join', port: 'b' } },
    ]);
  });

  it('orders a long chain written bottom-up, and a wide fan-out in file order', () => {
    const n = 3000;
    // node i reads node i+1: the file lists the chain from its end
    const chain = pipeline(Array.from({ length: n }, (_, i) => [`n${i}`, i + 1 < n ? { table: `n${i + 1}.table` } : {}] as [string, Record<string, string>]));
    const order = topologicalOrder(chain);
    expect(order).toHaveLength(n);
    expect(order[0]).toBe(`n${n - 1}`);
    expect(order[n - 1]).toBe('n0');
    const fan = pipeline([['root', {}], ...Array.from({ length: 50 }, (_, i) => [`z${49 - i}`, { table: 'root.table' }] as [string, Record<string, string>])]);
    expect(topologicalOrder(fan)).toEqual(fan.nodes.map((x) => x.id));
  });

  it('orders topologically, file order among ready nodes', () => {
    expect(topologicalOrder(diamond)).toEqual(['load', 'left', 'right', 'join']);
    // a node listed before its upstream still comes after it
    const p = pipeline([
      ['eval', { m: 'train.model' }],
      ['b', {}],
      ['train', { t: 'a.table' }],
      ['a', {}],
    ]);
    expect(topologicalOrder(p)).toEqual(['b', 'a', 'train', 'eval']);
  });

  it('finds a cycle and leaves cyclic nodes out of the order', () => {
    const p = pipeline([
      ['src', {}],
      ['a', { x: 'c.out', y: 'src.out' }],
      ['b', { x: 'a.out' }],
      ['c', { x: 'b.out' }],
      ['after', { x: 'c.out' }],
    ]);
    const cyc = findCycle(p);
    expect(cyc).not.toBeNull();
    expect(cyc?.[0]).toBe(cyc?.[cyc.length - 1]);
    expect(new Set(cyc)).toEqual(new Set(['a', 'b', 'c']));
    // data-flow order: each node feeds the next
    for (let i = 0; i + 1 < (cyc?.length ?? 0); i++) {
      const to = p.nodes.find((n) => n.id === cyc?.[i + 1]);
      expect(Object.values(to?.inputs ?? {}).some((r) => r.startsWith(`${cyc?.[i]}.`))).toBe(true);
    }
    expect(topologicalOrder(p)).toEqual(['src']);
    expect(findCycle(diamond)).toBeNull();
  });

  it('finds upstream and downstream sets', () => {
    expect(upstreamOf(diamond, 'join')).toEqual(new Set(['left', 'right', 'load']));
    expect(upstreamOf(diamond, 'load')).toEqual(new Set());
    expect(downstreamOf(diamond, 'load')).toEqual(new Set(['left', 'right', 'join']));
    expect(downstreamOf(diamond, 'left')).toEqual(new Set(['join']));
  });

  it('ignores references to missing nodes', () => {
    const p = pipeline([['a', { x: 'ghost.out' }]]);
    expect(topologicalOrder(p)).toEqual(['a']);
    expect(upstreamOf(p, 'a')).toEqual(new Set());
  });

  it('says whether a new connection would close a cycle', () => {
    expect(wouldCreateCycle(diamond, 'join', 'load')).toBe(true);
    expect(wouldCreateCycle(diamond, 'right', 'left')).toBe(false);
    expect(wouldCreateCycle(diamond, 'left', 'left')).toBe(true);
    expect(wouldCreateCycle(diamond, 'load', 'join')).toBe(false);
  });
});
