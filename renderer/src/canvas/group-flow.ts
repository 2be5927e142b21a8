/**
 * Groups -> React Flow: a frame node behind each expanded group's members, one compact node per
 * collapsed group (its members are not handed to React Flow), and the wires that cross a collapsed
 * group's boundary moved to that node's handles. The document is not touched here.
 */
import type { Edge, Node } from '@xyflow/react';
import type { NodeTypeInfo } from '../../../shared/catalog';
import type { Pipeline, Position } from '../../../shared/pipeline/model';
import { PORT_COLORS } from '../catalog-store';
import { inputKind, links } from '../doc/graph';
import { boundary, depth, frameBox, groupIdOf, groupMoves, groupNodeId, groupShape, membersBox, readGroups, rerouted, shownGroups, type Boundary, type Group } from '../doc/groups';
import { edgeId } from './to-flow';

export interface FrameData extends Record<string, unknown> {
  group: Group;
}
export interface CollapsedData extends Record<string, unknown> {
  group: Group;
  boundary: Boundary;
}
export type FrameNode = Node<FrameData, 'pwframe'>;
export type CollapsedNode = Node<CollapsedData, 'pwgroup'>;
export type GroupFlowNode = FrameNode | CollapsedNode;

/** A collapsed group on the minimap (a frame is drawn there as its nodes only). */
export const GROUP_MAP_COLOR = '#94a3b8';

/** Node ids React Flow must not draw: the members of collapsed groups. */
export function hiddenMembers(doc: Pipeline): ReadonlySet<string> | null {
  const groups = readGroups(doc);
  if (!groups.some((g) => g.collapsed)) return null;
  return new Set(groups.filter((g) => g.collapsed).flatMap((g) => g.nodes));
}

/** `keep` (the culled set, or every node when null) without the hidden members. */
export function visibleSet(doc: Pipeline, keep: ReadonlySet<string> | null, hidden: ReadonlySet<string> | null): ReadonlySet<string> | null {
  if (!hidden) return keep;
  const out = new Set<string>();
  if (keep) {
    for (const id of keep) if (!hidden.has(id)) out.add(id);
  } else for (const n of doc.nodes) if (!hidden.has(n.id)) out.add(n.id);
  return out;
}

/**
 * The document as culling sees it: a collapsed group's members sit where its node is drawn, so
 * the nodes wired to the group are kept whenever the group node is near the view.
 */
export function cullingLayout(doc: Pipeline): Pipeline {
  const collapsed = shownGroups(readGroups(doc)).filter((g) => g.collapsed);
  if (collapsed.length === 0) return doc;
  const layout = { ...doc.layout };
  for (const g of collapsed) {
    const box = membersBox(doc, g, {});
    if (box) for (const id of g.nodes) layout[id] = { x: box.x, y: box.y };
  }
  return { ...doc, layout };
}

/**
 * The nodes a selection change of `flowId` stands for: a collapsed group's node selects (or
 * deselects) all its members, so delete, copy and cut take the group whole; null for a plain node.
 */
export function selectionOf(doc: Pipeline, flowId: string): string[] | null {
  const id = groupIdOf(flowId);
  if (!id) return null;
  return readGroups(doc).find((g) => g.id === id && g.collapsed)?.nodes ?? [];
}

/** `selection` holds every member of `group` (its compact node is drawn selected). */
const wholeIn = (group: Group, selection: ReadonlySet<string>): boolean => group.nodes.every((n) => selection.has(n));

export function groupFlowNodes(doc: Pipeline, measured: Record<string, { width: number; height: number }>, selection: ReadonlySet<string> = new Set()): GroupFlowNode[] {
  const groups = readGroups(doc);
  if (groups.length === 0) return [];
  const all = groups.some((g) => g.collapsed) ? links(doc) : [];
  const out: GroupFlowNode[] = [];
  // groups inside a collapsed group are not drawn; nested frames lie above the frames around them
  for (const g of shownGroups(groups)) {
    const box = membersBox(doc, g, measured);
    if (!box) continue;
    if (g.collapsed) {
      const id = groupNodeId(g.id);
      // handing back what React Flow measured keeps the node shown (a node object without it is hidden until measured again)
      // selectable (a click or a selection box takes the whole group: see `selectionOf`)
      out.push({ id, type: 'pwgroup', position: { x: box.x, y: box.y }, data: { group: g, boundary: boundary(doc, g, all) }, selected: wholeIn(g, selection), zIndex: 1, measured: measured[id] });
    } else {
      const f = groupShape(doc, groups, g, measured) ?? frameBox(box);
      out.push({
        id: groupNodeId(g.id),
        type: 'pwframe',
        position: { x: f.x, y: f.y },
        width: f.width,
        height: f.height,
        style: { width: f.width, height: f.height },
        data: { group: g },
        selectable: false,
        // behind the wires and the nodes; only the title bar grabs the pointer (see groups.css)
        zIndex: -20 + Math.min(depth(groups, g), 18),
        dragHandle: '.pw-frame-title',
        className: 'pw-frame-node',
      });
    }
  }
  return out;
}

/** The wires to and from collapsed groups, ending at the compact nodes' handles. */
export function reroutedEdges(doc: Pipeline, types: Map<string, NodeTypeInfo>, keep: ReadonlySet<string> | null): Edge[] {
  const groups = readGroups(doc);
  const { moved } = rerouted(doc, groups);
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const out: Edge[] = [];
  for (const m of moved) {
    // an end that is a plain node must be drawn (a big graph hands React Flow only what is near the view)
    if (keep && ((!groupIdOf(m.source) && !keep.has(m.source)) || (!groupIdOf(m.target) && !keep.has(m.target)))) continue;
    const target = byId.get(m.link.target);
    const kind = inputKind(target && types.get(target.type), target, m.link.targetPort);
    out.push({
      id: edgeId(m.link.source, m.link.sourcePort, m.link.target, m.link.targetPort),
      type: 'wire',
      source: m.source,
      sourceHandle: m.sourceHandle,
      target: m.target,
      targetHandle: m.targetHandle,
      style: { stroke: kind ? PORT_COLORS[kind] : '#888', strokeWidth: 2 },
    });
  }
  return out;
}

/**
 * A group frame or compact node dragged to `to` (it was drawn at `from`): the members' new
 * positions. Members that move in the same change (they were selected too) are left to it.
 */
export function groupDrag(doc: Pipeline, flowId: string, from: Position, to: Position, alsoMoving: ReadonlySet<string>): Record<string, Position> {
  const id = groupIdOf(flowId);
  const g = id ? readGroups(doc).find((x) => x.id === id) : undefined;
  if (!g) return {};
  const moves = groupMoves(doc, g, { x: to.x - from.x, y: to.y - from.y });
  for (const m of alsoMoving) delete moves[m];
  return moves;
}
