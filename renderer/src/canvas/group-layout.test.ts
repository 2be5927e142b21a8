import { describe, expect, it } from 'vitest';
import { parsePipelineText } from '../../../shared/pipeline/parse';
import type { Pipeline } from '../../../shared/pipeline/model';
import { groupNodes, setCollapsed } from '../doc/groups';
import { asBlocks, layoutWithGroups } from './group-layout';
import EXAMPLE from '../../../resources/examples/breast-cancer.pipeline.yaml?raw';

/** breast-cancer laid out badly: everything on one diagonal */
function example(): Pipeline {
  const p = parsePipelineText(EXAMPLE).pipeline!;
  return { ...p, layout: Object.fromEntries(p.nodes.map((n, i) => [n.id, { x: i * 37, y: i * 53 }])) };
}

const overlap = (a: { x: number; y: number; width: number; height: number }, b: typeof a) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('layout with groups', () => {
  it('lays a group out as one block wired as its members are', () => {
    const doc = groupNodes(example(), ['split', 'scale', 'train']).doc;
    const b = asBlocks(doc, {});
    expect(b.doc.nodes.map((n) => n.id)).toEqual(['load', 'group:g1', 'evaluate', 'gate', 'register']);
    expect(b.doc.nodes[1].inputs).toEqual({ split_table: 'load.table' });
    expect(b.doc.nodes.find((n) => n.id === 'evaluate')!.inputs).toEqual({ model: 'group:g1.train_model', test: 'group:g1.scale_test' });
  });

  it('moves each group as a whole: members keep their places relative to each other, and no block overlaps another', async () => {
    let doc = groupNodes(example(), ['split', 'scale']).doc;
    doc = setCollapsed(groupNodes(doc, ['evaluate', 'gate']).doc, 'g2', true);
    const pos = await layoutWithGroups(doc, {});
    expect(Object.keys(pos).sort()).toEqual(doc.nodes.map((n) => n.id).sort());
    const rel = (p: Record<string, { x: number; y: number }>, a: string, b: string) => [p[b].x - p[a].x, p[b].y - p[a].y];
    expect(rel(pos, 'split', 'scale')).toEqual(rel(doc.layout, 'split', 'scale'));
    expect(rel(pos, 'evaluate', 'gate')).toEqual(rel(doc.layout, 'evaluate', 'gate'));
    const moved = { ...doc, layout: pos };
    const blocks = asBlocks(moved, {});
    const boxes = Object.entries(blocks.sizes).map(([id, s]) => ({ id, ...(blocks.origin[id] ?? pos[id]), ...s }));
    for (const a of boxes) for (const c of boxes) if (a.id !== c.id) expect(overlap(a, c), `${a.id} overlaps ${c.id}`).toBe(false);
    // left to right: load before the first group, the first group before train
    expect(pos.load.x).toBeLessThan(pos.split.x);
    expect(pos.scale.x).toBeLessThan(pos.train.x);
  });
});
