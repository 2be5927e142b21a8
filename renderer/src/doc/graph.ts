/**
 * Graph questions the editor asks while the user drags a connection. Edges are the `inputs`
 * references of the pipeline model (there is no separate edge list).
 */
import { parseInputRef, type Pipeline, type PipelineNode } from '../../../shared/pipeline/model';
import type { Catalog, NodeTypeInfo, PortKind } from '../../../shared/catalog';

export interface Link {
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

export function links(doc: Pipeline): Link[] {
  const out: Link[] = [];
  for (const n of doc.nodes) {
    for (const [port, ref] of Object.entries(n.inputs)) {
      const r = parseInputRef(ref);
      if (r) out.push({ source: r.node, sourcePort: r.port, target: n.id, targetPort: port });
    }
  }
  return out;
}

/** True when an edge source -> target would close a cycle (target already reaches source). */
export function wouldCreateCycle(doc: Pipeline, source: string, target: string): boolean {
  if (source === target) return true;
  const down = new Map<string, string[]>();
  for (const l of links(doc)) {
    let list = down.get(l.source);
    if (!list) down.set(l.source, (list = []));
    list.push(l.target);
  }
  const seen = new Set<string>();
  const stack = [target];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === source) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const next of down.get(id) ?? []) stack.push(next);
  }
  return false;
}

/** Node ids upstream of `id` (not including it), nearest first. */
export function upstreamOf(doc: Pipeline, id: string): string[] {
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const out: string[] = [];
  const seen = new Set<string>([id]);
  const queue = [id];
  while (queue.length) {
    const n = byId.get(queue.shift()!);
    if (!n) continue;
    for (const ref of Object.values(n.inputs)) {
      const r = parseInputRef(ref);
      if (r && !seen.has(r.node)) {
        seen.add(r.node);
        out.push(r.node);
        queue.push(r.node);
      }
    }
  }
  return out;
}

export function catalogIndex(catalog: Catalog): Map<string, NodeTypeInfo> {
  return new Map(catalog.map((t) => [t.type, t]));
}

/** The handle id a variadic node (`data.sql`) offers for one more input. */
export const NEW_INPUT = '+';

export function outputKind(info: NodeTypeInfo | undefined, port: string): PortKind | undefined {
  return info?.outputs.find((p) => p.name === port)?.kind;
}

export function inputKind(info: NodeTypeInfo | undefined, node: PipelineNode | undefined, port: string): PortKind | undefined {
  if (!info) return undefined;
  const declared = info.inputs.find((p) => p.name === port)?.kind;
  if (declared) return declared;
  if (info.variadicInputs && (port === NEW_INPUT || (node && port in node.inputs))) return info.variadicInputs.kind;
  return undefined;
}

export type ConnectionCheck = { ok: true } | { ok: false; reason: string };

/** Whether source.sourcePort -> target.targetPort may become an edge, and if not, why (shown while dragging). */
export function checkConnection(doc: Pipeline, types: Map<string, NodeTypeInfo>, l: Link): ConnectionCheck {
  const src = doc.nodes.find((n) => n.id === l.source);
  const dst = doc.nodes.find((n) => n.id === l.target);
  if (!src || !dst) return { ok: false, reason: 'unknown node' };
  if (l.source === l.target) return { ok: false, reason: 'a node cannot feed itself' };
  const outKind = outputKind(types.get(src.type), l.sourcePort);
  const inKind = inputKind(types.get(dst.type), dst, l.targetPort);
  if (!outKind) return { ok: false, reason: `${src.type} has no output "${l.sourcePort}"` };
  if (!inKind) return { ok: false, reason: `${dst.type} has no input "${l.targetPort}"` };
  if (outKind !== inKind) {
    return { ok: false, reason: `wrong port kind: ${l.source}.${l.sourcePort} gives a ${outKind}, ${l.target}.${l.targetPort} takes a ${inKind}` };
  }
  if (wouldCreateCycle(doc, l.source, l.target)) {
    return { ok: false, reason: `cycle: ${l.target} already feeds ${l.source}` };
  }
  return { ok: true };
}

/**
 * What can take the other end of a wire dropped on empty canvas: from an output of `kind`
 * (`side` 'source'), the types with an input of that kind; from an input (`side` 'target'), the
 * types with such an output. Type -> the port of the new node the wire joins.
 */
export function compatibleTypes(catalog: Catalog, kind: PortKind, side: 'source' | 'target'): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of catalog) {
    if (t.available === false) continue;
    if (side === 'source') {
      const port = t.inputs.find((p) => p.kind === kind)?.name ?? (t.variadicInputs?.kind === kind ? NEW_INPUT : undefined);
      if (port) out.set(t.type, port);
    } else {
      const port = t.outputs.find((p) => p.kind === kind)?.name;
      if (port) out.set(t.type, port);
    }
  }
  return out;
}
