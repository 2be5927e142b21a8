/**
 * Document -> React Flow nodes and edges. Objects are cached per node so that an edit touching one
 * node hands React Flow one new object: the other 999 keep their identity and are not re-rendered.
 */
import type { Edge, Node } from '@xyflow/react';
import type { NodeTypeInfo } from '../../../shared/catalog';
import type { Pipeline, PipelineNode, Position } from '../../../shared/pipeline/model';
import { parseInputRef } from '../../../shared/pipeline/model';
import { PORT_COLORS } from '../catalog-store';
import { inputKind } from '../doc/graph';

export interface PwNodeData extends Record<string, unknown> {
  node: PipelineNode;
  info: NodeTypeInfo | undefined;
}
export type PwNode = Node<PwNodeData, 'pw'>;

const ORIGIN: Position = { x: 0, y: 0 };

export class FlowCache {
  private nodes = new Map<string, PwNode>();
  private edges = new Map<string, Edge>();

  toNodes(
    doc: Pipeline,
    types: Map<string, NodeTypeInfo>,
    selection: ReadonlySet<string>,
    measured: Record<string, { width: number; height: number }>,
    keep?: ReadonlySet<string> | null,
  ): PwNode[] {
    const next = new Map<string, PwNode>();
    const out: PwNode[] = [];
    for (const n of doc.nodes) {
      if (keep && !keep.has(n.id)) continue;
      const prev = this.nodes.get(n.id);
      const position = doc.layout[n.id] ?? ORIGIN;
      const info = types.get(n.type);
      const selected = selection.has(n.id);
      const m = measured[n.id];
      if (prev && prev.data.node === n && prev.position === position && prev.data.info === info && prev.selected === selected && prev.measured === m) {
        next.set(n.id, prev);
        out.push(prev);
        continue;
      }
      const data = prev && prev.data.node === n && prev.data.info === info ? prev.data : { node: n, info };
      const node: PwNode = { id: n.id, type: 'pw', position, data, selected, measured: m };
      next.set(n.id, node);
      out.push(node);
    }
    this.nodes = next;
    return out;
  }

  toEdges(docNodes: readonly PipelineNode[], types: Map<string, NodeTypeInfo>, selectedEdges: ReadonlySet<string>, keep?: ReadonlySet<string> | null): Edge[] {
    const next = new Map<string, Edge>();
    const out: Edge[] = [];
    for (const n of docNodes) {
      if (keep && !keep.has(n.id)) continue;
      for (const [port, ref] of Object.entries(n.inputs)) {
        const r = parseInputRef(ref);
        if (!r || (keep && !keep.has(r.node))) continue;
        const id = edgeId(r.node, r.port, n.id, port);
        const selected = selectedEdges.has(id);
        let e = this.edges.get(id);
        if (!e || e.selected !== selected) {
          const kind = inputKind(types.get(n.type), n, port);
          const color = kind ? PORT_COLORS[kind] : '#888';
          e = { id, type: 'wire', source: r.node, sourceHandle: r.port, target: n.id, targetHandle: port, selected, style: { stroke: color, strokeWidth: 2 } };
        }
        next.set(id, e);
        out.push(e);
      }
    }
    this.edges = next;
    return out;
  }
}

export function edgeId(source: string, sourcePort: string, target: string, targetPort: string): string {
  return `${source}.${sourcePort}->${target}.${targetPort}`;
}

export function parseEdgeId(id: string): { target: string; targetPort: string } | null {
  const arrow = id.indexOf('->');
  if (arrow < 0) return null;
  const r = parseInputRef(id.slice(arrow + 2));
  return r ? { target: r.node, targetPort: r.port } : null;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The nodes a big graph hands React Flow: those whose box meets `rect`, their direct neighbours
 * (so edges leaving the screen are still drawn) and the selection. React Flow mounts every node it
 * is given once to measure its handles, so culling here is what keeps a 1,000-node file cheap.
 */
export function nodesNear(doc: Pipeline, rect: Rect, measured: Record<string, { width: number; height: number }>, selection: readonly string[]): Set<string> {
  const keep = new Set<string>(selection);
  const inside = new Set<string>();
  for (const n of doc.nodes) {
    const p = doc.layout[n.id];
    if (!p) {
      inside.add(n.id);
      continue;
    }
    const m = measured[n.id];
    const w = m?.width ?? 220;
    const h = m?.height ?? 120;
    if (p.x + w >= rect.x && p.x <= rect.x + rect.width && p.y + h >= rect.y && p.y <= rect.y + rect.height) inside.add(n.id);
  }
  for (const n of doc.nodes) {
    const mine = inside.has(n.id);
    if (mine) keep.add(n.id);
    for (const ref of Object.values(n.inputs)) {
      const r = parseInputRef(ref);
      if (!r) continue;
      if (mine) keep.add(r.node);
      else if (inside.has(r.node)) keep.add(n.id);
    }
  }
  return keep;
}
