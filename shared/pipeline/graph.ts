/**
 * The graph a pipeline describes. Edges are only the `inputs` references (contract section 1),
 * so every helper derives them from the nodes; nothing here can drift from the file.
 */
import { parseInputRef, type Pipeline } from './model';

export interface Edge {
  from: { node: string; port: string };
  to: { node: string; port: string };
}

/** Every well-formed input reference, in file order; references to missing nodes included. */
export function edgesOf(p: Pipeline): Edge[] {
  const edges: Edge[] = [];
  for (const n of p.nodes) {
    for (const [port, ref] of Object.entries(n.inputs)) {
      const from = parseInputRef(ref);
      if (from) edges.push({ from, to: { node: n.id, port } });
    }
  }
  return edges;
}

/** node id -> ids of the nodes it reads from (existing nodes only, no duplicates). */
function upstreamMap(p: Pipeline): Map<string, string[]> {
  const ids = new Set(p.nodes.map((n) => n.id));
  const m = new Map<string, string[]>();
  for (const n of p.nodes) m.set(n.id, []);
  for (const e of edgesOf(p)) {
    if (!ids.has(e.from.node)) continue;
    const list = m.get(e.to.node);
    if (list && !list.includes(e.from.node)) list.push(e.from.node);
  }
  return m;
}

function downstreamMap(p: Pipeline, up: Map<string, string[]> = upstreamMap(p)): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const n of p.nodes) m.set(n.id, []);
  for (const [to, froms] of up) {
    for (const f of froms) m.get(f)?.push(to);
  }
  return m;
}

/**
 * Node ids so that every node comes after the nodes it reads from. Stable: among the nodes
 * ready at each step, file order wins. Nodes on a cycle (and below it) are left out; use
 * `findCycle` to report it.
 */
export function topologicalOrder(p: Pipeline): string[] {
  const index = new Map(p.nodes.map((n, i) => [n.id, i]));
  const up = upstreamMap(p);
  const down = downstreamMap(p, up);
  const remaining = p.nodes.map((n) => up.get(n.id)?.length ?? 0);
  // Ready nodes in a min-heap of file positions: file order wins, in O((n + e) log n).
  const heap: number[] = [];
  const push = (v: number) => {
    heap.push(v);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (heap[parent] <= heap[i]) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  };
  const pop = (): number => {
    const top = heap[0];
    const last = heap.pop() as number;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l] < heap[m]) m = l;
        if (r < heap.length && heap[r] < heap[m]) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i], heap[m]];
        i = m;
      }
    }
    return top;
  };
  remaining.forEach((count, i) => count === 0 && push(i));
  const order: string[] = [];
  while (heap.length > 0) {
    const id = p.nodes[pop()].id;
    order.push(id);
    for (const d of down.get(id) ?? []) {
      const i = index.get(d) as number;
      if (--remaining[i] === 0) push(i);
    }
  }
  return order;
}

/** One cycle as node ids [a, b, ..., a] (first node repeated at the end), or null. */
export function findCycle(p: Pipeline): string[] | null {
  const up = upstreamMap(p);
  const state = new Map<string, 1 | 2>(); // 1 = on the current path, 2 = finished
  const path: string[] = [];
  const visit = (id: string): string[] | null => {
    state.set(id, 1);
    path.push(id);
    for (const f of up.get(id) ?? []) {
      const s = state.get(f);
      if (s === 1) {
        // path runs downstream->upstream; report the cycle in data-flow order
        const cyc = path.slice(path.indexOf(f)).reverse();
        return [...cyc, cyc[0]];
      }
      if (s === undefined) {
        const found = visit(f);
        if (found) return found;
      }
    }
    path.pop();
    state.set(id, 2);
    return null;
  };
  for (const n of p.nodes) {
    if (!state.has(n.id)) {
      const c = visit(n.id);
      if (c) return c;
    }
  }
  return null;
}

function reach(start: string, next: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(next.get(start) ?? [])];
  while (stack.length) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return seen;
}

/** Every node `id` depends on, directly or not (not `id` itself unless on a cycle). */
export function upstreamOf(p: Pipeline, id: string): Set<string> {
  return reach(id, upstreamMap(p));
}

/** Every node that depends on `id`, directly or not. */
export function downstreamOf(p: Pipeline, id: string): Set<string> {
  return reach(id, downstreamMap(p));
}

/** Would an edge fromNode -> toNode close a cycle? (The editor asks while a connection is dragged.) */
export function wouldCreateCycle(p: Pipeline, fromNode: string, toNode: string): boolean {
  if (fromNode === toNode) return true;
  return upstreamOf(p, fromNode).has(toNode);
}
