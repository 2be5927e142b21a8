import { describe, expect, it } from 'vitest';
import { parsePipelineText } from '../../../shared/pipeline/parse';
import { serializePipeline } from '../../../shared/pipeline/serialize';
import type { Pipeline } from '../../../shared/pipeline/model';
import { createEditorStore } from '../store/editor-store';
import { extract, insertFragment, removeNodes, renameNode } from './ops';
import {
  boundary,
  collapsedGroupOf,
  groupShape,
  shownGroups,
  frameBox,
  groupMoves,
  groupNodes,
  GROUPS_KEY,
  membersBox,
  readGroups,
  rerouted,
  setCollapsed,
  setGroupColor,
  setGroupTitle,
  summarize,
  ungroup,
} from './groups';
import { groupFlowNodes, selectionOf } from '../canvas/group-flow';
import EXAMPLE from '../../../resources/examples/breast-cancer.pipeline.yaml?raw';


function load(text: string): Pipeline {
  const r = parsePipelineText(text);
  if (!r.pipeline) throw new Error(r.errors.map((e) => `${e.place}: ${e.message}`).join('\n'));
  return r.pipeline;
}

/** breast-cancer with a layout: the chain load -> split -> scale -> train -> evaluate -> gate, register under train. */
function example(): Pipeline {
  const p = load(EXAMPLE);
  const xs: Record<string, [number, number]> = { load: [0, 0], split: [300, 0], scale: [600, 0], train: [900, 0], evaluate: [1200, 0], gate: [1500, 0], register: [1200, 300] };
  return { ...p, layout: Object.fromEntries(Object.entries(xs).map(([id, [x, y]]) => [id, { x, y }])) };
}

describe('groups in the pipeline file', () => {
  it('a file without groups has none, and grouping writes x-groups that reads back the same', () => {
    const doc = example();
    expect(readGroups(doc)).toEqual([]);
    const { doc: g, id } = groupNodes(doc, ['split', 'scale', 'nope'], 'Prepare');
    expect(id).toBe('g1');
    expect(readGroups(g)).toEqual([{ id: 'g1', title: 'Prepare', nodes: ['split', 'scale'], color: '#3b82f6', collapsed: false }]);
    const text = serializePipeline(setCollapsed(g, 'g1', true));
    expect(text).toContain('x-groups:\n  g1:\n    title: Prepare\n    nodes: [split, scale]\n    color: "#3b82f6"\n    collapsed: true\n');
    // x- keys come before layout, which stays last; the layout lines are untouched
    expect(text.indexOf('x-groups:')).toBeLessThan(text.indexOf('layout:'));
    const back = load(text);
    expect(readGroups(back)).toEqual([{ id: 'g1', title: 'Prepare', nodes: ['split', 'scale'], color: '#3b82f6', collapsed: true }]);
    // canonical: load and save gives the same bytes
    expect(serializePipeline(back, text)).toBe(text);
  });

  it('ungrouping the last group gives back the file byte for byte', () => {
    const doc = example();
    const before = serializePipeline(doc);
    const g = groupNodes(doc, ['load', 'split']).doc;
    expect(serializePipeline(g)).not.toBe(before);
    expect(serializePipeline(ungroup(g, ['g1']))).toBe(before);
  });

  it('reads hand-edited groups leniently: bad entries are skipped, a node belongs to one group', () => {
    const doc = example();
    const raw = {
      a: { title: 'A', nodes: ['load', 'split', 'ghost', 7] },
      b: { title: '', nodes: ['split', 'scale'], color: 'red', collapsed: 'yes' },
      c: { nodes: ['ghost'] },
      'bad id': { nodes: ['train'] },
      d: 'not a group',
      e: { title: 'E' },
    };
    const g = readGroups({ ...doc, extensions: { [GROUPS_KEY]: raw } });
    expect(g).toEqual([
      { id: 'a', title: 'A', nodes: ['load', 'split'], collapsed: false },
      { id: 'b', title: 'b', nodes: ['scale'], collapsed: false },
    ]);
    expect(readGroups({ ...doc, extensions: { [GROUPS_KEY]: [1, 2] } })).toEqual([]);
  });

  it('grouping nodes takes them out of their old group; an emptied group goes', () => {
    let doc = groupNodes(example(), ['load', 'split']).doc;
    doc = groupNodes(doc, ['split', 'scale']).doc;
    expect(readGroups(doc).map((g) => [g.id, g.nodes])).toEqual([
      ['g1', ['load']],
      ['g2', ['split', 'scale']],
    ]);
    doc = groupNodes(doc, ['load']).doc;
    expect(readGroups(doc).map((g) => [g.id, g.nodes])).toEqual([
      ['g2', ['split', 'scale']],
      ['g3', ['load']],
    ]);
  });

  it('title and colour edits refuse what makes no sense', () => {
    const doc = groupNodes(example(), ['load']).doc;
    expect(setGroupTitle(doc, 'g1', '   ')).toBe(doc);
    expect(readGroups(setGroupTitle(doc, 'g1', '  Inputs  '))[0].title).toBe('Inputs');
    expect(setGroupColor(doc, 'g1', 'javascript:alert(1)')).toBe(doc);
    expect(readGroups(setGroupColor(doc, 'g1', '#112233'))[0].color).toBe('#112233');
    expect(setCollapsed(doc, 'nope', true)).toBe(doc);
  });

  it('removing, renaming and copying nodes keep groups right', () => {
    const doc = groupNodes(example(), ['split', 'scale']).doc;
    expect(readGroups(removeNodes(doc, ['split']))[0].nodes).toEqual(['scale']);
    const gone = removeNodes(doc, ['split', 'scale']);
    expect(gone.extensions[GROUPS_KEY]).toBeUndefined();
    const renamed = renameNode(doc, 'scale', 'standardize');
    expect(readGroups(renamed)[0].nodes).toEqual(['split', 'standardize']);
    expect(serializePipeline(renamed)).toContain('nodes: [split, standardize]');
    // copy takes the groups wholly inside the selection only
    expect(readGroups(extract(doc, ['split', 'scale', 'train'])).map((g) => g.nodes)).toEqual([['split', 'scale']]);
    expect(extract(doc, ['split', 'train']).extensions[GROUPS_KEY]).toBeUndefined();
  });
});

describe('paste recreates groups', () => {
  /** Copy as the editor does: the extracted part through the clipboard's YAML text. */
  const copy = (doc: Pipeline, ids: string[]) => load(serializePipeline(extract(doc, ids)));

  it('a copied group comes back as a new group around the pasted copies, its frame offset with them', () => {
    let doc = groupNodes(example(), ['split', 'scale'], 'Prepare').doc;
    doc = setCollapsed(setGroupColor(doc, 'g1', '#ec4899'), 'g1', true);
    const clip = copy(doc, ['split', 'scale', 'train']);
    const { doc: pasted, ids } = insertFragment(doc, clip, { x: 40, y: 40 });
    expect(ids).toEqual(['split2', 'scale2', 'train2']);
    const groups = readGroups(pasted);
    expect(groups).toEqual([
      { id: 'g1', title: 'Prepare', nodes: ['split', 'scale'], color: '#ec4899', collapsed: true },
      { id: 'g2', title: 'Prepare', nodes: ['split2', 'scale2'], color: '#ec4899', collapsed: true },
    ]);
    // the copy's wiring is its own: scale2 reads split2, not split
    expect(pasted.nodes.find((n) => n.id === 'scale2')!.inputs).toEqual({ train: 'split2.train', test: 'split2.test' });
    const box = (g: (typeof groups)[number]) => membersBox(pasted, g, {})!;
    expect(box(groups[1])).toEqual({ ...box(groups[0]), x: box(groups[0]).x + 40, y: box(groups[0]).y + 40 });
    // pasted again: one more group, under the next free id
    const again = insertFragment(pasted, clip, { x: 80, y: 80 }).doc;
    expect(readGroups(again).map((g) => [g.id, g.nodes])).toEqual([
      ['g1', ['split', 'scale']],
      ['g2', ['split2', 'scale2']],
      ['g3', ['split3', 'scale3']],
    ]);
  });

  it('a part of a group pastes as plain nodes; a group id a hand-edited entry holds is not reused', () => {
    const doc = groupNodes(example(), ['split', 'scale']).doc;
    const part = insertFragment(doc, copy(doc, ['scale', 'train']), { x: 40, y: 40 }).doc;
    expect(readGroups(part).map((g) => g.id)).toEqual(['g1']);
    // g2 is taken by an entry the editor skips (no nodes): the pasted group takes g3
    const odd = { ...doc, extensions: { [GROUPS_KEY]: { ...(doc.extensions[GROUPS_KEY] as object), g2: { title: 'junk' } } } };
    const r = insertFragment(odd, copy(doc, ['split', 'scale']), { x: 40, y: 40 }).doc;
    expect(readGroups(r).map((g) => g.id)).toEqual(['g1', 'g3']);
  });

  it('one undo removes the pasted nodes and their group; redo brings both back', () => {
    const doc = groupNodes(example(), ['split', 'scale'], 'Prepare').doc;
    const store = createEditorStore(doc, () => 0);
    const clip = copy(doc, ['split', 'scale']);
    store.getState().edit(null, (d) => insertFragment(d, clip, { x: 40, y: 40 }).doc);
    expect(readGroups(store.getState().doc)).toHaveLength(2);
    store.getState().undo();
    expect(store.getState().doc).toEqual(doc);
    expect(readGroups(store.getState().doc).map((g) => g.nodes)).toEqual([['split', 'scale']]);
    store.getState().redo();
    expect(readGroups(store.getState().doc)[1]).toMatchObject({ id: 'g2', title: 'Prepare', nodes: ['split2', 'scale2'] });
  });
});

describe('collapsed groups on the canvas', () => {
  it('the boundary has a handle per edge into the group and per member output leaving it, ordered by the outside end', () => {
    const doc = groupNodes(example(), ['split', 'scale', 'train']).doc;
    const [g] = readGroups(doc);
    const b = boundary(doc, g);
    expect(b.inputs.map((c) => [c.handle, `${c.link.source}.${c.link.sourcePort}`])).toEqual([['in:split.table', 'load.table']]);
    // scale.test feeds evaluate; train.model feeds evaluate and register: one handle for train.model
    // (both outside ends are evaluate here: a tie goes by name)
    expect(b.outputs.map((c) => c.inner)).toEqual(['scale.test', 'train.model']);
    // handles follow the outside ends top to bottom: move evaluate below register
    const moved = { ...doc, layout: { ...doc.layout, evaluate: { x: 1200, y: 600 }, register: { x: 1200, y: -300 } } };
    const b2 = boundary(moved, g);
    expect(b2.outputs.map((c) => c.handle)).toEqual(['out:train.model', 'out:scale.test']);
  });

  it('wires into and out of a collapsed group end at its node; wires inside it are hidden', () => {
    let doc = groupNodes(example(), ['split', 'scale', 'train']).doc;
    expect(rerouted(doc, readGroups(doc)).moved).toEqual([]);
    doc = setCollapsed(doc, 'g1', true);
    const r = rerouted(doc, readGroups(doc));
    expect(r.moved.map((m) => `${m.source}/${m.sourceHandle} -> ${m.target}/${m.targetHandle}`).sort()).toEqual([
      'group:g1/out:scale.test -> evaluate/test',
      'group:g1/out:train.model -> evaluate/model',
      'group:g1/out:train.model -> register/model',
      'load/table -> group:g1/in:split.table',
    ]);
    expect([...r.hidden].sort()).toEqual(['scale', 'train']);
  });

  it('a wire between two collapsed groups joins their nodes', () => {
    let doc = groupNodes(example(), ['load', 'split']).doc;
    doc = groupNodes(doc, ['scale', 'train']).doc;
    doc = setCollapsed(setCollapsed(doc, 'g1', true), 'g2', true);
    const r = rerouted(doc, readGroups(doc));
    expect(r.moved.filter((m) => m.source.startsWith('group:') && m.target.startsWith('group:')).map((m) => `${m.sourceHandle} -> ${m.targetHandle}`)).toEqual([
      'out:split.train -> in:scale.train',
      'out:split.test -> in:scale.test',
    ]);
  });

  it('the frame surrounds the members; moving a group moves every member by the same amount', () => {
    const doc = groupNodes(example(), ['split', 'register']).doc;
    const [g] = readGroups(doc);
    const box = membersBox(doc, g, { split: { width: 220, height: 100 } });
    expect(box).toEqual({ x: 300, y: 0, width: 1120, height: 420 });
    expect(frameBox(box!)).toEqual({ x: 280, y: -54, width: 1160, height: 494 });
    expect(groupMoves(doc, g, { x: 10, y: -5 })).toEqual({ split: { x: 310, y: -5 }, register: { x: 1210, y: 295 } });
  });

  it('collapsing and expanding never touches the layout', () => {
    const doc = groupNodes(example(), ['split', 'scale']).doc;
    const c = setCollapsed(doc, 'g1', true);
    expect(c.layout).toBe(doc.layout);
    expect(setCollapsed(c, 'g1', false).layout).toBe(doc.layout);
  });
});

describe('a collapsed group selected as one', () => {
  it('its node selects all its members and is drawn selected when they all are', () => {
    const open = groupNodes(example(), ['split', 'scale']).doc;
    expect(selectionOf(open, 'group:g1')).toEqual([]); // a frame is not selected
    expect(selectionOf(open, 'split')).toBeNull();
    const doc = setCollapsed(open, 'g1', true);
    expect(selectionOf(doc, 'group:g1')).toEqual(['split', 'scale']);
    expect(collapsedGroupOf(doc, ['scale', 'split'])?.id).toBe('g1');
    expect(collapsedGroupOf(doc, ['scale'])).toBeUndefined();
    expect(collapsedGroupOf(open, ['split', 'scale'])).toBeUndefined();
    const drawn = (sel: string[]) => groupFlowNodes(doc, {}, new Set(sel)).map((n) => n.selected);
    expect(drawn(['split', 'scale', 'load'])).toEqual([true]);
    expect(drawn(['split'])).toEqual([false]);
  });

  it('deleting it deletes the group, its nodes and the wires touching them in one step; undo restores it collapsed', () => {
    const doc = setCollapsed(groupNodes(example(), ['split', 'scale'], 'Prepare').doc, 'g1', true);
    const store = createEditorStore(doc, () => 0);
    const s = () => store.getState();
    s().select(selectionOf(doc, 'group:g1')!);
    s().edit(null, (d) => removeNodes(d, s().selection));
    const after = s().doc;
    expect(after.nodes.map((n) => n.id)).toEqual(['load', 'train', 'evaluate', 'gate', 'register']);
    expect(readGroups(after)).toEqual([]);
    expect(after.extensions[GROUPS_KEY]).toBeUndefined();
    // train read scale.train and evaluate scale.test: those inputs are gone, the rest kept
    expect(after.nodes.find((n) => n.id === 'train')!.inputs).toEqual({});
    expect(after.nodes.find((n) => n.id === 'evaluate')!.inputs).toEqual({ model: 'train.model' });
    expect(Object.keys(after.layout)).not.toContain('split');
    s().undo();
    expect(s().doc).toEqual(doc);
    expect(readGroups(s().doc)).toEqual([{ id: 'g1', title: 'Prepare', nodes: ['split', 'scale'], color: '#3b82f6', collapsed: true }]);
  });
});

describe('nested groups', () => {
  /** g1 = split, scale; g2 = load and g1 */
  const nested = () => groupNodes(groupNodes(example(), ['split', 'scale'], 'Prepare').doc, ['load', 'split', 'scale'], 'Input').doc;

  it('grouping a group with more nodes nests it; the file lists own nodes and nested groups, and round-trips', () => {
    const doc = nested();
    expect(readGroups(doc)).toEqual([
      { id: 'g1', title: 'Prepare', nodes: ['split', 'scale'], color: '#3b82f6', collapsed: false, parent: 'g2' },
      { id: 'g2', title: 'Input', nodes: ['load', 'split', 'scale'], color: '#22c55e', collapsed: false },
    ]);
    const text = serializePipeline(doc);
    expect(text).toContain('x-groups:\n  g1:\n    title: Prepare\n    nodes: [split, scale]\n    color: "#3b82f6"\n  g2:\n    title: Input\n    nodes: [load]\n    color: "#22c55e"\n    groups: [g1]\n');
    const back = load(text);
    expect(readGroups(back)).toEqual(readGroups(doc));
    expect(serializePipeline(back, text)).toBe(text);
  });

  it('grouping some nodes of a group nests the new group in it', () => {
    const doc = groupNodes(groupNodes(example(), ['split', 'scale', 'train']).doc, ['scale', 'train'], 'Fit').doc;
    expect(readGroups(doc).map((g) => [g.id, g.nodes, g.parent])).toEqual([
      ['g1', ['split', 'scale', 'train'], undefined],
      ['g2', ['scale', 'train'], 'g1'],
    ]);
  });

  it('reads hand-edited nesting leniently: no cycles, no group in itself, unknown groups skipped', () => {
    const raw = {
      a: { nodes: ['load'], groups: ['b', 'a', 'ghost'] },
      b: { nodes: ['split'], groups: ['a'] },
      c: { nodes: ['scale'], groups: ['b'] },
    };
    const g = readGroups({ ...example(), extensions: { [GROUPS_KEY]: raw } });
    expect(g.map((x) => [x.id, x.nodes, x.parent])).toEqual([
      ['a', ['load', 'split'], undefined],
      ['b', ['split'], 'a'],
      ['c', ['scale'], undefined],
    ]);
  });

  it('ungrouping the outer group moves the inner one up; removing the inner one keeps its nodes in the outer', () => {
    const doc = nested();
    expect(readGroups(ungroup(doc, ['g2']))).toEqual([{ id: 'g1', title: 'Prepare', nodes: ['split', 'scale'], color: '#3b82f6', collapsed: false }]);
    expect(readGroups(ungroup(doc, ['g1'])).map((g) => [g.id, g.nodes, g.parent])).toEqual([['g2', ['load', 'split', 'scale'], undefined]]);
    expect(serializePipeline(ungroup(doc, ['g1']))).toContain('nodes: [load, split, scale]');
    // deleting the inner group's nodes leaves the outer group with the rest
    expect(readGroups(removeNodes(doc, ['split', 'scale'])).map((g) => [g.id, g.nodes])).toEqual([['g2', ['load']]]);
  });

  it('a collapsed outer group draws as one node for all its nodes; a collapsed inner one sits in the outer frame', () => {
    const doc = nested();
    let d = setCollapsed(setCollapsed(doc, 'g1', true), 'g2', true);
    expect(shownGroups(readGroups(d)).map((g) => g.id)).toEqual(['g2']);
    expect(groupFlowNodes(d, {}).map((n) => [n.id, n.type])).toEqual([['group:g2', 'pwgroup']]);
    expect(rerouted(d, readGroups(d)).moved.map((m) => `${m.source} -> ${m.target}`).sort()).toEqual(['group:g2 -> evaluate', 'group:g2 -> train']);
    // outer open, inner collapsed: the outer frame holds load and the inner group's node
    d = setCollapsed(d, 'g2', false);
    const flow = groupFlowNodes(d, { 'group:g1': { width: 250, height: 90 } });
    expect(flow.map((n) => [n.id, n.type])).toEqual([['group:g1', 'pwgroup'], ['group:g2', 'pwframe']]);
    const outer = flow[1];
    const inner = flow[0];
    const ow = Number(outer.width);
    const oh = Number(outer.height);
    expect(inner.position.x).toBeGreaterThan(outer.position.x);
    expect(inner.position.x + 250).toBeLessThan(outer.position.x + ow);
    expect(inner.position.y + 90).toBeLessThan(outer.position.y + oh);
    // both open: the inner frame lies inside the outer one, above it
    const open = setCollapsed(d, 'g1', false);
    const groups = readGroups(open);
    const fi = groupShape(open, groups, groups[0], {})!;
    const fo = groupShape(open, groups, groups[1], {})!;
    expect(fi.x).toBeGreaterThan(fo.x);
    expect(fi.y).toBeGreaterThan(fo.y);
    expect(fi.x + fi.width).toBeLessThan(fo.x + fo.width);
    const frames = groupFlowNodes(open, {});
    expect(frames.find((n) => n.id === 'group:g1')!.zIndex).toBeGreaterThan(frames.find((n) => n.id === 'group:g2')!.zIndex!);
  });

  it('copying the outer group pastes both, nested in the same way, under new ids', () => {
    const doc = nested();
    const clip = load(serializePipeline(extract(doc, ['load', 'split', 'scale'])));
    const pasted = insertFragment(doc, clip, { x: 40, y: 40 }).doc;
    expect(readGroups(pasted).slice(2).map((g) => [g.id, g.title, g.nodes, g.parent])).toEqual([
      ['g3', 'Prepare', ['split2', 'scale2'], 'g4'],
      ['g4', 'Input', ['load2', 'split2', 'scale2'], undefined],
    ]);
    // the inner group alone copies as a group of its own
    const part = load(serializePipeline(extract(doc, ['split', 'scale'])));
    expect(readGroups(part).map((g) => [g.id, g.parent])).toEqual([['g1', undefined]]);
  });
});

describe('a group status', () => {
  const ids = ['a', 'b', 'c'];
  it('is the most urgent of its members', () => {
    expect(summarize(ids, {}).status).toBeNull();
    expect(summarize(ids, { a: { status: 'succeeded' }, b: { status: 'running' } })).toMatchObject({ status: 'running', finished: 1, total: 3 });
    expect(summarize(ids, { a: { status: 'succeeded' }, b: { status: 'failed' }, c: { status: 'failed' } })).toMatchObject({ status: 'failed', failed: 'b', failedCount: 2 });
    expect(summarize(ids, { a: { status: 'succeeded' }, b: { status: 'skipped' }, c: { status: 'failed' } })).toMatchObject({ status: 'failed', failed: 'c', ok: 1, skipped: 1, failedCount: 1 });
    expect(summarize(ids, { a: { status: 'succeeded', stale: true }, b: { status: 'succeeded' }, c: { status: 'succeeded' } }).status).toBe('stale');
    expect(summarize(ids, { a: { status: 'succeeded', cached: true }, b: { status: 'succeeded', cached: true }, c: { status: 'succeeded', cached: true } }).status).toBe('cached');
    expect(summarize(ids, { a: { status: 'succeeded', cached: true }, b: { status: 'succeeded' }, c: { status: 'succeeded' } })).toMatchObject({ status: 'done', finished: 3 });
    expect(summarize(ids, { a: { status: 'succeeded' }, b: { status: 'cancelled' } }).status).toBe('cancelled');
    expect(summarize(ids, { a: { status: 'skipped' }, b: { status: 'skipped' } }).status).toBe('skipped');
  });
});

describe('undo covers groups', () => {
  it('group, collapse, rename and ungroup are each one step', () => {
    let t = 0;
    const store = createEditorStore(example(), () => t);
    const s = () => store.getState();
    s().edit(null, (d) => groupNodes(d, ['split', 'scale']).doc);
    s().edit(null, (d) => setCollapsed(d, 'g1', true));
    for (const title of ['P', 'Pr', 'Pre']) {
      t += 100;
      s().edit('group-title:g1', (d) => setGroupTitle(d, 'g1', title));
    }
    s().edit(null, (d) => ungroup(d, ['g1']));
    expect(readGroups(s().doc)).toEqual([]);
    s().undo();
    expect(readGroups(s().doc)[0]).toMatchObject({ title: 'Pre', collapsed: true });
    s().undo();
    expect(readGroups(s().doc)[0]).toMatchObject({ title: 'Group 1', collapsed: true });
    s().undo();
    expect(readGroups(s().doc)[0].collapsed).toBe(false);
    s().undo();
    expect(readGroups(s().doc)).toEqual([]);
    expect(s().doc.extensions).toEqual({});
    s().redo();
    s().redo();
    expect(readGroups(s().doc)[0]).toMatchObject({ nodes: ['split', 'scale'], collapsed: true });
  });
});
