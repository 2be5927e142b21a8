/**
 * Document edits as pure functions Pipeline -> Pipeline. They never mutate: unchanged parts keep
 * their identity, which is what makes the history's inverse patches and the canvas's caches cheap.
 */
import { NODE_ID_RE, parseInputRef, type ParamValue, type Pipeline, type PipelineNode, type Position } from '../../../shared/pipeline/model';
import type { NodeTypeInfo } from '../../../shared/catalog';
import { NEW_INPUT, type Link } from './graph';
import { forgetNodes, groupsWithin, pasteGroups, renameInGroups } from './groups';

/**
 * A fresh id that says what the node does: the type's last segment (`features.split` -> split,
 * split2, ...), except where that names only the kind of thing checked: an evaluate or gate node
 * is `evaluate` / `gate` (not `classification` / `metric`).
 */
export function freshId(doc: Pipeline, type: string, taken: Set<string> = new Set(doc.nodes.map((n) => n.id))): string {
  const parts = type.split('.');
  const verbStage = parts.length > 1 && (parts[0] === 'evaluate' || parts[0] === 'gate');
  let base = ((verbStage ? parts[0] : parts.pop()) || 'node').replace(/[^A-Za-z0-9_-]/g, '_');
  if (!/^[A-Za-z]/.test(base)) base = 'n' + base;
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
}

/** Params a new node starts with: the required ones that have a default nowhere are left for the inspector. */
export function initialParams(_info: NodeTypeInfo | undefined): Record<string, ParamValue> {
  // Defaults stay implicit (the engine fills them) so the file says only what the user chose.
  return {};
}

export function addNode(doc: Pipeline, type: string, position: Position, info?: NodeTypeInfo, id?: string): { doc: Pipeline; id: string } {
  const nodeId = id ?? freshId(doc, type);
  const node: PipelineNode = { id: nodeId, type, inputs: {}, params: initialParams(info), extensions: {} };
  return {
    id: nodeId,
    doc: { ...doc, nodes: [...doc.nodes, node], layout: { ...doc.layout, [nodeId]: roundPos(position) } },
  };
}

export function roundPos(p: Position): Position {
  return { x: Math.round(p.x), y: Math.round(p.y) };
}

export function removeNodes(doc: Pipeline, ids: Iterable<string>): Pipeline {
  const gone = new Set(ids);
  if (gone.size === 0) return doc;
  const nodes = doc.nodes
    .filter((n) => !gone.has(n.id))
    .map((n) => {
      const entries = Object.entries(n.inputs).filter(([, ref]) => !gone.has(parseInputRef(ref)?.node ?? ''));
      return entries.length === Object.keys(n.inputs).length ? n : { ...n, inputs: Object.fromEntries(entries) };
    });
  const layout = Object.fromEntries(Object.entries(doc.layout).filter(([id]) => !gone.has(id)));
  return forgetNodes({ ...doc, nodes, layout }, gone);
}

function updateNode(doc: Pipeline, id: string, fn: (n: PipelineNode) => PipelineNode): Pipeline {
  return { ...doc, nodes: doc.nodes.map((n) => (n.id === id ? fn(n) : n)) };
}

/** Connects source.sourcePort to target.targetPort (replacing what fed that input); returns the input port used. */
export function connect(doc: Pipeline, l: Link): { doc: Pipeline; port: string } {
  let port = l.targetPort;
  if (port === NEW_INPUT) {
    // A variadic input (data.sql) is named after what feeds it: the SQL refers to it by that name.
    const target = doc.nodes.find((n) => n.id === l.target);
    const taken = new Set(Object.keys(target?.inputs ?? {}));
    port = l.source.replace(/[^A-Za-z0-9_]/g, '_');
    for (let i = 2; taken.has(port); i++) port = `${l.source.replace(/[^A-Za-z0-9_]/g, '_')}${i}`;
  }
  const ref = `${l.source}.${l.sourcePort}`;
  return { port, doc: updateNode(doc, l.target, (n) => ({ ...n, inputs: { ...n.inputs, [port]: ref } })) };
}

export function disconnect(doc: Pipeline, target: string, port: string): Pipeline {
  return updateNode(doc, target, (n) => {
    const inputs = { ...n.inputs };
    delete inputs[port];
    return { ...n, inputs };
  });
}

/** Sets a param; `undefined` removes it (back to the default). */
export function setParam(doc: Pipeline, id: string, key: string, value: ParamValue | undefined): Pipeline {
  return updateNode(doc, id, (n) => {
    const params = { ...n.params };
    if (value === undefined) delete params[key];
    else params[key] = value;
    return { ...n, params };
  });
}

export function setCache(doc: Pipeline, id: string, cache: boolean | undefined): Pipeline {
  return updateNode(doc, id, (n) => {
    const next = { ...n };
    if (cache === undefined || cache === true) delete next.cache;
    else next.cache = false;
    return next;
  });
}

export function moveNodes(doc: Pipeline, positions: Record<string, Position>): Pipeline {
  const layout = { ...doc.layout };
  for (const [id, p] of Object.entries(positions)) layout[id] = roundPos(p);
  return { ...doc, layout };
}

export function renameProblem(doc: Pipeline, from: string, to: string): string | null {
  if (from === to) return null;
  if (!NODE_ID_RE.test(to)) return 'an id starts with a letter and holds only letters, digits, _ and -';
  if (doc.nodes.some((n) => n.id === to)) return `"${to}" is already taken`;
  return null;
}

/** Renames a node and every reference to it (inputs, layout). */
export function renameNode(doc: Pipeline, from: string, to: string): Pipeline {
  if (renameProblem(doc, from, to)) return doc;
  const nodes = doc.nodes.map((n) => {
    let changed = false;
    const inputs: Record<string, string> = {};
    for (const [port, ref] of Object.entries(n.inputs)) {
      const r = parseInputRef(ref);
      if (r && r.node === from) {
        inputs[port] = `${to}.${r.port}`;
        changed = true;
      } else inputs[port] = ref;
    }
    const base = changed ? { ...n, inputs } : n;
    return n.id === from ? { ...base, id: to } : base;
  });
  // Keep layout in node order so the written `layout` block does not reshuffle.
  const layout: Record<string, Position> = {};
  for (const [id, p] of Object.entries(doc.layout)) layout[id === from ? to : id] = p;
  return renameInGroups({ ...doc, nodes, layout }, from, to);
}

/** The selected nodes as a standalone pipeline (edges to outside nodes dropped): what copy puts on the clipboard. */
export function extract(doc: Pipeline, ids: Iterable<string>): Pipeline {
  const keep = new Set(ids);
  const nodes = doc.nodes
    .filter((n) => keep.has(n.id))
    .map((n) => ({ ...n, inputs: Object.fromEntries(Object.entries(n.inputs).filter(([, ref]) => keep.has(parseInputRef(ref)?.node ?? ''))) }));
  const layout = Object.fromEntries(Object.entries(doc.layout).filter(([id]) => keep.has(id)));
  return groupsWithin(doc, { ...doc, nodes, layout, params: { ...doc.params } });
}

/**
 * Inserts the nodes of `fragment` (a pasted pipeline), renaming ids that clash and rewiring
 * their internal references, shifted by `offset`. Pipeline params the fragment uses but the
 * document lacks are brought along, and its groups come back as new groups around the copies.
 */
export function insertFragment(doc: Pipeline, fragment: Pipeline, offset: Position): { doc: Pipeline; ids: string[] } {
  const taken = new Set(doc.nodes.map((n) => n.id));
  const rename = new Map<string, string>();
  for (const n of fragment.nodes) {
    const id = taken.has(n.id) ? freshId(doc, n.id, taken) : n.id;
    taken.add(id);
    rename.set(n.id, id);
  }
  const added: PipelineNode[] = fragment.nodes.map((n) => ({
    ...n,
    id: rename.get(n.id)!,
    inputs: Object.fromEntries(
      Object.entries(n.inputs).map(([port, ref]) => {
        const r = parseInputRef(ref);
        return [port, r && rename.has(r.node) ? `${rename.get(r.node)}.${r.port}` : ref];
      }),
    ),
  }));
  const layout = { ...doc.layout };
  fragment.nodes.forEach((n, i) => {
    const p = fragment.layout[n.id] ?? { x: i * 40, y: i * 40 };
    layout[rename.get(n.id)!] = roundPos({ x: p.x + offset.x, y: p.y + offset.y });
  });
  const params = { ...fragment.params, ...doc.params };
  // the fragment's groups come back around the copies (copy keeps the groups wholly inside it)
  const next = pasteGroups({ ...doc, params, nodes: [...doc.nodes, ...added], layout }, fragment, rename);
  return { doc: next, ids: added.map((n) => n.id) };
}

/**
 * Nodes typed into the YAML without a `layout` entry keep the position they had (a rename, a
 * retype) or go to the right of the graph, so they never pile up at the origin.
 */
export function placeNew(next: Pipeline, before: Pipeline): Pipeline {
  const missing = next.nodes.filter((n) => !next.layout[n.id]);
  if (missing.length === 0) return next;
  const xs = Object.values(next.layout).map((p) => p.x);
  let x = xs.length ? Math.max(...xs) + 280 : 0;
  let y = 0;
  const layout = { ...next.layout };
  for (const n of missing) {
    const old = before.layout[n.id];
    if (old) layout[n.id] = old;
    else {
      layout[n.id] = { x, y };
      y += 160;
      if (y > 800) {
        y = 0;
        x += 280;
      }
    }
  }
  return { ...next, layout };
}
