/**
 * Auto-layout that keeps groups whole: each group is laid out as one block (a collapsed group the
 * size of its node, an expanded one the size of its frame) wired as its members are, and its
 * members then move with the block, so their arrangement inside it (what expanding restores)
 * stays as the user made it.
 */
import { parseInputRef, type Pipeline, type PipelineNode, type Position } from '../../../shared/pipeline/model';
import { DEFAULT_SIZE, groupNodeId, groupShape, readGroups, type Group } from '../doc/groups';
import { autoLayout } from './layout';

type Sizes = Record<string, { width: number; height: number }>;

export interface Blocks {
  /** the document with each group replaced by one node (id `group:<id>`) */
  doc: Pipeline;
  sizes: Sizes;
  /** block id -> the top left corner it stands for now (frame or collapsed node) */
  origin: Record<string, Position>;
  groups: Group[];
}

export function asBlocks(doc: Pipeline, measured: Sizes): Blocks {
  // a group nested in another moves with it: the outermost groups are the blocks
  const all = readGroups(doc);
  const groups = all.filter((g) => !g.parent);
  const blockOf = new Map<string, string>();
  for (const g of groups) for (const n of g.nodes) blockOf.set(n, groupNodeId(g.id));
  const sizes: Sizes = {};
  const origin: Record<string, Position> = {};
  const byBlock = new Map<string, PipelineNode>();
  const nodes: PipelineNode[] = [];
  // a reference to a member becomes a reference to its block
  const remap = (ref: string): string => {
    const r = parseInputRef(ref);
    const b = r && blockOf.get(r.node);
    return b ? `${b}.${r.node}_${r.port}` : ref;
  };
  for (const n of doc.nodes) {
    const b = blockOf.get(n.id);
    if (!b) {
      const inputs = Object.fromEntries(Object.entries(n.inputs).map(([p, ref]) => [p, remap(ref)]));
      nodes.push({ ...n, inputs });
      sizes[n.id] = measured[n.id] ?? DEFAULT_SIZE;
      continue;
    }
    let block = byBlock.get(b);
    if (!block) {
      block = { id: b, type: 'group', inputs: {}, params: {}, extensions: {} };
      byBlock.set(b, block);
      nodes.push(block);
    }
    for (const [port, ref] of Object.entries(n.inputs)) {
      const r = parseInputRef(ref);
      // wires inside the group do not place the block
      if (r && blockOf.get(r.node) !== b) block.inputs[`${n.id}_${port}`] = remap(ref);
    }
  }
  for (const g of groups) {
    const id = groupNodeId(g.id);
    const shape = groupShape(doc, all, g, measured);
    if (!shape) continue;
    sizes[id] = { width: shape.width, height: shape.height };
    origin[id] = { x: shape.x, y: shape.y };
  }
  return { doc: { ...doc, nodes }, sizes, origin, groups };
}

/** Positions for the document's nodes from the blocks' placement. */
export function fromBlocks(doc: Pipeline, blocks: Blocks, placed: Record<string, Position>): Record<string, Position> {
  const out: Record<string, Position> = {};
  for (const [id, p] of Object.entries(placed)) if (!blocks.origin[id] && !id.startsWith('group:')) out[id] = p;
  for (const g of blocks.groups) {
    const id = groupNodeId(g.id);
    const to = placed[id];
    const from = blocks.origin[id];
    if (!to || !from) continue;
    for (const n of g.nodes) {
      const p = doc.layout[n];
      if (p) out[n] = { x: Math.round(p.x + to.x - from.x), y: Math.round(p.y + to.y - from.y) };
    }
  }
  return out;
}

export async function layoutWithGroups(doc: Pipeline, measured: Sizes, foldAt?: number): Promise<Record<string, Position>> {
  if (readGroups(doc).length === 0) return autoLayout(doc, measured, undefined, foldAt);
  const blocks = asBlocks(doc, measured);
  return fromBlocks(doc, blocks, await autoLayout(blocks.doc, blocks.sizes, undefined, foldAt));
}
