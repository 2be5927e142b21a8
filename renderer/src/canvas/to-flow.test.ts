import { describe, expect, it } from 'vitest';
import { emptyPipeline, type Pipeline } from '../../../shared/pipeline/model';
import { FlowCache, nodesNear } from './to-flow';

function grid(n: number): Pipeline {
  const doc = emptyPipeline('g');
  for (let i = 0; i < n; i++) {
    doc.nodes.push({ id: `n${i}`, type: 'features.select', inputs: i % 10 ? { table: `n${i - 1}.table` } : {}, params: {}, extensions: {} });
    doc.layout[`n${i}`] = { x: (i % 10) * 300, y: Math.floor(i / 10) * 200 };
  }
  return doc;
}

describe('flow conversion', () => {
  it('keeps node objects whose node, position and selection did not change', () => {
    const cache = new FlowCache();
    const doc = grid(20);
    const a = cache.toNodes(doc, new Map(), new Set(), {});
    const moved = { ...doc, layout: { ...doc.layout, n3: { x: 1, y: 1 } } };
    const b = cache.toNodes(moved, new Map(), new Set(), {});
    expect(b.filter((n, i) => n !== a[i]).map((n) => n.id)).toEqual(['n3']);
    const e1 = cache.toEdges(doc.nodes, new Map(), new Set());
    const e2 = cache.toEdges(moved.nodes, new Map(), new Set());
    expect(e2).toHaveLength(18);
    expect(e2.every((e, i) => e === e1[i])).toBe(true);
  });

  it('culls a big graph to the view, its neighbours and the selection', () => {
    const doc = grid(1000);
    const keep = nodesNear(doc, { x: 0, y: 0, width: 700, height: 300 }, {}, ['n999']);
    // rows 0-1, columns 0-2 are inside; n3 and n13 are neighbours; n999 is selected
    expect([...keep].sort()).toEqual(['n0', 'n1', 'n10', 'n11', 'n12', 'n13', 'n2', 'n3', 'n999'].sort());
    const edges = new FlowCache().toEdges(doc.nodes, new Map(), new Set(), keep);
    expect(edges.map((e) => e.id)).toContain('n2.table->n3.table');
    expect(edges.every((e) => keep.has(e.source) && keep.has(e.target))).toBe(true);
  });
});
