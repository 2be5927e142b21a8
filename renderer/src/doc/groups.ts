/**
 * Groups of nodes on the canvas (as KNIME's components or ComfyUI's groups): a named frame around
 * some nodes that can be collapsed into one compact node. Editor-only data, kept in the pipeline
 * file under the top-level extension key `x-groups` (contract section 1: every reader keeps `x-`
 * keys as they are and the engine, the CLI and the exports never look at them), e.g.
 *
 *   x-groups:
 *     g1:
 *       title: Preprocessing
 *       nodes: [load, clean, split]
 *       color: "#2563eb"      # optional
 *       collapsed: true       # optional
 *       groups: [g2]          # optional: groups nested in this one
 *     g2:
 *       title: Cleaning
 *       nodes: [impute, select]
 *
 * A group holds no positions of its own: its frame is the box around its members' `layout`
 * positions, and collapsing hides the members without moving them, so expanding restores them and
 * moving a group changes only `layout` lines. Everything here is pure (Pipeline -> Pipeline), so
 * each command is one undo step through the store's `edit`. What the file says is read leniently:
 * a hand-edited entry that makes no sense is skipped, never an error (other tools own x- keys too).
 */
import { parseInputRef, type ParamValue, type Pipeline, type Position } from '../../../shared/pipeline/model';
import { links, type Link } from './graph';

export const GROUPS_KEY = 'x-groups';

export interface Group {
  id: string;
  title: string;
  /** member node ids, in document order: its own and those of the groups nested in it */
  nodes: string[];
  color?: string;
  collapsed: boolean;
  /** the group this one is nested in */
  parent?: string;
}

/** Frame colours offered by the colour button, in the order it cycles through them. */
export const GROUP_COLORS = ['#3b82f6', '#22c55e', '#eab308', '#f97316', '#ec4899', '#a855f7', '#64748b'];
const COLOR_RE = /^#[0-9a-fA-F]{6}$/;
const GROUP_ID_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;
const MAX_TITLE = 80;

let memoExt: Pipeline['extensions'] | null = null;
let memoNodes: Pipeline['nodes'] | null = null;
let memoGroups: Group[] = [];

/**
 * The document's groups: members that are not nodes of it are left out, a node belongs to the
 * first group that names it, and a group left with no members is not shown. Memoised on the
 * identity of the document's extensions and nodes (a drag changes neither).
 */
export function readGroups(doc: Pipeline): Group[] {
  if (doc.extensions === memoExt && doc.nodes === memoNodes) return memoGroups;
  memoExt = doc.extensions;
  memoNodes = doc.nodes;
  memoGroups = parseGroups(doc);
  return memoGroups;
}

function parseGroups(doc: Pipeline): Group[] {
  const raw = doc.extensions[GROUPS_KEY];
  if (!isRecord(raw)) return [];
  const order = new Map(doc.nodes.map((n, i) => [n.id, i]));
  const taken = new Set<string>();
  const entries: { g: Group; own: string[]; children: string[] }[] = [];
  for (const [id, v] of Object.entries(raw)) {
    if (!GROUP_ID_RE.test(id) || !isRecord(v) || !Array.isArray(v.nodes)) continue;
    const own = [...new Set(v.nodes.filter((n): n is string => typeof n === 'string' && order.has(n) && !taken.has(n)))];
    for (const n of own) taken.add(n);
    const g: Group = { id, title: typeof v.title === 'string' && v.title.trim() ? v.title.slice(0, MAX_TITLE) : id, nodes: [], collapsed: v.collapsed === true };
    if (typeof v.color === 'string' && COLOR_RE.test(v.color)) g.color = v.color;
    const children = Array.isArray(v.groups) ? v.groups.filter((c): c is string => typeof c === 'string' && c !== id) : [];
    entries.push({ g, own, children });
  }
  // nesting: a group is nested in the first group that names it, never in itself through others
  const byId = new Map(entries.map((e) => [e.g.id, e]));
  const ancestorOf = (a: string, b: string): boolean => {
    for (let p: string | undefined = byId.get(b)?.g.parent; p; p = byId.get(p)?.g.parent) if (p === a) return true;
    return false;
  };
  for (const e of entries)
    for (const c of e.children) {
      const child = byId.get(c);
      if (child && !child.g.parent && !ancestorOf(c, e.g.id)) child.g.parent = e.g.id;
    }
  // a group's nodes: its own and its nested groups' (a group left with none is not shown)
  const all = (e: (typeof entries)[number], seen: Set<string>): string[] => {
    seen.add(e.g.id);
    return [...e.own, ...entries.filter((c) => c.g.parent === e.g.id && !seen.has(c.g.id)).flatMap((c) => all(c, seen))];
  };
  for (const e of entries) e.g.nodes = all(e, new Set()).sort((a, b) => order.get(a)! - order.get(b)!);
  const shown = new Set(entries.filter((e) => e.g.nodes.length > 0).map((e) => e.g.id));
  return entries
    .filter((e) => shown.has(e.g.id))
    .map((e) => {
      if (e.g.parent && !shown.has(e.g.parent)) delete e.g.parent;
      return e.g;
    });
}

function isRecord(v: unknown): v is Record<string, ParamValue> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Writes `groups` back; the key goes away when there are none (a file without groups stays as it was). */
export function writeGroups(doc: Pipeline, groups: Group[]): Pipeline {
  const extensions = { ...doc.extensions };
  if (groups.length === 0) delete extensions[GROUPS_KEY];
  else {
    const value: Record<string, ParamValue> = {};
    for (const g of groups) {
      // the file lists a group's own nodes and the groups nested in it
      const children = groups.filter((c) => c.parent === g.id && c.id !== g.id);
      const inner = new Set(children.flatMap((c) => c.nodes));
      const entry: Record<string, ParamValue> = { title: g.title, nodes: g.nodes.filter((n) => !inner.has(n)) };
      if (g.color) entry.color = g.color;
      if (g.collapsed) entry.collapsed = true;
      if (children.length) entry.groups = children.map((c) => c.id);
      value[g.id] = entry;
    }
    extensions[GROUPS_KEY] = value;
  }
  if (!(GROUPS_KEY in extensions) && !(GROUPS_KEY in doc.extensions)) return doc;
  return { ...doc, extensions };
}

/** The innermost group holding the node. */
export function groupOfNode(groups: readonly Group[], nodeId: string): Group | undefined {
  let best: Group | undefined;
  for (const g of groups) if (g.nodes.includes(nodeId) && (!best || depth(groups, g) > depth(groups, best))) best = g;
  return best;
}

/** How many groups `g` is nested in. */
export function depth(groups: readonly Group[], g: Group): number {
  let d = 0;
  for (let p = g.parent; p && d < groups.length; p = groups.find((x) => x.id === p)?.parent) d++;
  return d;
}

/** `g` and the groups it is nested in, innermost first. */
export function ancestors(groups: readonly Group[], g: Group): Group[] {
  const out = [g];
  for (let p = g.parent; p && out.length <= groups.length; ) {
    const up = groups.find((x) => x.id === p);
    if (!up) break;
    out.push(up);
    p = up.parent;
  }
  return out;
}

/** The collapsed group a node is drawn as (the outermost collapsed one holding it), if any. */
export function collapsedHolder(groups: readonly Group[], nodeId: string): Group | undefined {
  const g = groupOfNode(groups, nodeId);
  return g ? ancestors(groups, g).filter((a) => a.collapsed).pop() : undefined;
}

/** The group a node is seen in: the collapsed group it is drawn as, else its innermost group. */
export function drawnGroupOf(groups: readonly Group[], nodeId: string): Group | undefined {
  return collapsedHolder(groups, nodeId) ?? groupOfNode(groups, nodeId);
}

/** Groups drawn on the canvas: those not inside a collapsed group. */
export function shownGroups(groups: readonly Group[]): Group[] {
  return groups.filter((g) => !ancestors(groups, g).slice(1).some((a) => a.collapsed));
}

/** The collapsed group whose members are exactly `selection` (its compact node was selected), if any. */
export function collapsedGroupOf(doc: Pipeline, selection: readonly string[]): Group | undefined {
  if (selection.length === 0) return undefined;
  const g = collapsedHolder(readGroups(doc), selection[0]);
  return g && g.nodes.length === selection.length && selection.every((n) => g.nodes.includes(n)) ? g : undefined;
}

/**
 * Groups `ids` under a new group. Groups wholly among `ids` (and smaller than the selection) are
 * nested in it; it is nested in the innermost group holding all of `ids`; other groups give the
 * nodes up (a group left empty goes). Returns the new group's id, or null when none of `ids` is a node.
 */
export function groupNodes(doc: Pipeline, ids: Iterable<string>, title?: string): { doc: Pipeline; id: string | null } {
  const want = new Set(ids);
  const members = doc.nodes.filter((n) => want.has(n.id)).map((n) => n.id);
  if (members.length === 0) return { doc, id: null };
  const chosen = new Set(members);
  const groups = readGroups(doc);
  const n = freshGroupNumber(doc, groups.length + 1);
  const id = `g${n}`;
  const inside = (g: Group) => g.nodes.length < chosen.size && g.nodes.every((m) => chosen.has(m));
  // the innermost group holding the whole selection (not one equal to it: that one gives its nodes up)
  let host: Group | undefined;
  for (const g of groups) if (g.nodes.length > chosen.size && members.every((m) => g.nodes.includes(m)) && (!host || depth(groups, g) > depth(groups, host))) host = g;
  const hosts = new Set(host ? ancestors(groups, host).map((g) => g.id) : []);
  const byId = new Map(groups.map((g) => [g.id, g]));
  const kept: Group[] = [];
  for (const g of groups) {
    if (hosts.has(g.id)) kept.push(g);
    else if (inside(g)) kept.push(g.parent && inside(byId.get(g.parent)!) ? g : { ...g, parent: id });
    else {
      const left = g.nodes.filter((m) => !chosen.has(m));
      if (left.length) kept.push({ ...g, nodes: left });
    }
  }
  // a group whose parent went keeps the one above it
  const keptIds = new Set([...kept.map((g) => g.id), id]);
  const placed = kept.map((g) => nestedInKept(g, byId, (p) => keptIds.has(p)));
  const color = GROUP_COLORS[(n - 1) % GROUP_COLORS.length];
  const added: Group = { id, title: title?.trim() || `Group ${n}`, nodes: members, color, collapsed: false };
  if (host) added.parent = host.id;
  return { doc: writeGroups(doc, [...placed, added]), id };
}

/** `g` nested in the nearest group around it that is kept (none: at the top level). */
function nestedInKept(g: Group, byId: ReadonlyMap<string, Group>, kept: (id: string) => boolean): Group {
  let p = g.parent;
  while (p && !kept(p)) p = byId.get(p)?.parent;
  return p === g.parent ? g : withoutUndefinedParent({ ...g, parent: p });
}

function withoutUndefinedParent(g: Group): Group {
  if (g.parent !== undefined) return g;
  const { parent: _p, ...rest } = g;
  return rest;
}

/**
 * The first `n` from `from` whose `g<n>` names no group of `doc`, counting entries the editor
 * skips (a hand-edited one keeps its name to itself).
 */
function freshGroupNumber(doc: Pipeline, from: number, alsoTaken: ReadonlySet<string> = new Set()): number {
  const raw = doc.extensions[GROUPS_KEY];
  const taken = new Set([...(isRecord(raw) ? Object.keys(raw) : []), ...alsoTaken]);
  let n = from;
  while (taken.has(`g${n}`)) n++;
  return n;
}

/**
 * Paste: the groups of `fragment` (a copied part of a pipeline) around the nodes it was pasted as.
 * `rename` maps each fragment node id to the id its copy got in `doc`. Each group comes back under
 * a new id with its title, colour and collapsed state; its frame follows its members' positions.
 */
export function pasteGroups(doc: Pipeline, fragment: Pipeline, rename: ReadonlyMap<string, string>): Pipeline {
  const copied = readGroups(fragment);
  if (copied.length === 0) return doc;
  const groups = [...readGroups(doc)];
  const added = new Set<string>();
  const newId = new Map<string, string>();
  let n = groups.length + 1;
  for (const g of copied) {
    n = freshGroupNumber(doc, n, added);
    newId.set(g.id, `g${n}`);
    added.add(`g${n}`);
  }
  for (const g of copied) {
    const nodes = g.nodes.map((m) => rename.get(m)).filter((m): m is string => !!m);
    if (nodes.length === 0) continue;
    // nested groups stay nested in the copy of their group
    groups.push(withoutUndefinedParent({ ...g, id: newId.get(g.id)!, nodes, parent: g.parent ? newId.get(g.parent) : undefined }));
  }
  return groups.length > readGroups(doc).length ? writeGroups(doc, groups) : doc;
}

/** Removes groups; their nodes stay where they are, and the groups nested in them move up a level. */
export function ungroup(doc: Pipeline, groupIds: Iterable<string>): Pipeline {
  const gone = new Set(groupIds);
  const groups = readGroups(doc);
  if (!groups.some((g) => gone.has(g.id))) return doc;
  const byId = new Map(groups.map((g) => [g.id, g]));
  return writeGroups(
    doc,
    groups.filter((g) => !gone.has(g.id)).map((g) => nestedInKept(g, byId, (p) => !gone.has(p))),
  );
}

function updateGroup(doc: Pipeline, id: string, fn: (g: Group) => Group): Pipeline {
  const groups = readGroups(doc);
  const i = groups.findIndex((g) => g.id === id);
  if (i < 0) return doc;
  const next = fn(groups[i]);
  if (next === groups[i]) return doc;
  return writeGroups(doc, groups.map((g, j) => (j === i ? next : g)));
}

export function setCollapsed(doc: Pipeline, id: string, collapsed: boolean): Pipeline {
  return updateGroup(doc, id, (g) => (g.collapsed === collapsed ? g : { ...g, collapsed }));
}

/** A blank title is refused (the frame would have nothing to grab or read). */
export function setGroupTitle(doc: Pipeline, id: string, title: string): Pipeline {
  const t = title.trim().slice(0, MAX_TITLE);
  return updateGroup(doc, id, (g) => (!t || g.title === t ? g : { ...g, title: t }));
}

export function setGroupColor(doc: Pipeline, id: string, color: string | undefined): Pipeline {
  if (color !== undefined && !COLOR_RE.test(color)) return doc;
  return updateGroup(doc, id, (g) => (g.color === color ? g : { ...g, color }));
}

/** The next colour of the cycle after the group's own. */
export function nextColor(current: string | undefined): string {
  const i = current ? GROUP_COLORS.indexOf(current) : -1;
  return GROUP_COLORS[(i + 1) % GROUP_COLORS.length];
}

/**
 * Node edits keep groups right: after nodes were removed, they leave their groups (and a group
 * left empty goes). `doc` is the document without them.
 */
export function forgetNodes(doc: Pipeline, ids: Iterable<string>): Pipeline {
  const gone = new Set(ids);
  const raw = doc.extensions[GROUPS_KEY];
  if (!isRecord(raw)) return doc;
  const named = Object.values(raw).some((v) => isRecord(v) && Array.isArray(v.nodes) && v.nodes.some((n) => typeof n === 'string' && gone.has(n)));
  // readGroups already leaves out members that are no nodes of `doc`
  return named ? writeGroups(doc, readGroups(doc)) : doc;
}

export function renameInGroups(doc: Pipeline, from: string, to: string): Pipeline {
  const raw = doc.extensions[GROUPS_KEY];
  if (!isRecord(raw)) return doc;
  // On the raw value: the renamed node is not in `doc.nodes` under its new name yet when this runs first.
  let changed = false;
  const next: Record<string, ParamValue> = {};
  for (const [id, v] of Object.entries(raw)) {
    if (isRecord(v) && Array.isArray(v.nodes) && v.nodes.includes(from)) {
      next[id] = { ...v, nodes: v.nodes.map((n) => (n === from ? to : n)) };
      changed = true;
    } else next[id] = v;
  }
  return changed ? { ...doc, extensions: { ...doc.extensions, [GROUPS_KEY]: next } } : doc;
}

/** `part` (some of `whole`'s nodes, e.g. what copy takes) with the groups of `whole` wholly inside it. */
export function groupsWithin(whole: Pipeline, part: Pipeline): Pipeline {
  const keep = new Set(part.nodes.map((n) => n.id));
  const inside = readGroups(whole).filter((g) => g.nodes.every((n) => keep.has(n)));
  const ids = new Set(inside.map((g) => g.id));
  // a group copied without the one it is nested in is copied as a group of its own
  return writeGroups(
    part,
    inside.map((g) => (g.parent && !ids.has(g.parent) ? withoutUndefinedParent({ ...g, parent: undefined }) : g)),
  );
}

/** Moves every member of a group by `delta` (a frame or a collapsed group dragged). */
export function groupMoves(doc: Pipeline, group: Group, delta: Position): Record<string, Position> {
  const out: Record<string, Position> = {};
  for (const id of group.nodes) {
    const p = doc.layout[id];
    if (p) out[id] = { x: p.x + delta.x, y: p.y + delta.y };
  }
  return out;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_SIZE = { width: 220, height: 120 };

/** The box around a group's members (their measured sizes, or a node's usual size). */
export function membersBox(doc: Pipeline, group: Group, measured: Record<string, { width: number; height: number }>): Box | null {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const id of group.nodes) {
    const p = doc.layout[id];
    if (!p) continue;
    const m = measured[id] ?? DEFAULT_SIZE;
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x + m.width);
    y1 = Math.max(y1, p.y + m.height);
  }
  return Number.isFinite(x0) ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null;
}

/** Padding of a frame around its members; the title bar sits above them. */
export const FRAME_PAD = 20;
export const FRAME_TITLE = 34;

export function frameBox(members: Box): Box {
  return { x: members.x - FRAME_PAD, y: members.y - FRAME_PAD - FRAME_TITLE, width: members.width + 2 * FRAME_PAD, height: members.height + 2 * FRAME_PAD + FRAME_TITLE };
}

/** A collapsed group's node before React Flow has measured it. */
export const COLLAPSED_SIZE = { width: 260, height: 140 };

/**
 * Where a group is drawn: a collapsed one as its node (at its members' top left corner), an
 * expanded one as the frame around its own nodes and the groups nested in it (their frames or nodes).
 */
export function groupShape(doc: Pipeline, groups: readonly Group[], g: Group, measured: Record<string, { width: number; height: number }>): Box | null {
  const members = membersBox(doc, g, measured);
  if (!members) return null;
  if (g.collapsed) return { x: members.x, y: members.y, ...(measured[groupNodeId(g.id)] ?? COLLAPSED_SIZE) };
  const children = groups.filter((c) => c.parent === g.id && c.id !== g.id);
  if (children.length === 0) return frameBox(members);
  const inner = new Set(children.flatMap((c) => c.nodes));
  const boxes = children.map((c) => groupShape(doc, groups, c, measured)).filter((b): b is Box => !!b);
  const own = membersBox(doc, { ...g, nodes: g.nodes.filter((n) => !inner.has(n)) }, measured);
  if (own) boxes.push(own);
  const x = Math.min(...boxes.map((b) => b.x));
  const y = Math.min(...boxes.map((b) => b.y));
  const right = Math.max(...boxes.map((b) => b.x + b.width));
  const bottom = Math.max(...boxes.map((b) => b.y + b.height));
  return frameBox({ x, y, width: right - x, height: bottom - y });
}

/**
 * One edge crossing a collapsed group's boundary, as the compact node draws it: `handle` is the
 * id of the group node's handle for it, `inner` the member end ("node.port"), `outer` the end
 * outside the group.
 */
export interface Crossing {
  handle: string;
  inner: string;
  link: Link;
}

export interface Boundary {
  /** edges into the group: one handle each (an input has one feeder, so one per member input) */
  inputs: Crossing[];
  /** edges out of the group: one handle per member output, shared by the edges leaving from it */
  outputs: Crossing[];
}

export const inHandle = (node: string, port: string): string => `in:${node}.${port}`;
export const outHandle = (node: string, port: string): string => `out:${node}.${port}`;

/**
 * The edges crossing `group`'s boundary, ordered by where their outside end is (top to bottom, then
 * left to right), so the wires into and out of the compact node do not cross each other.
 */
export function boundary(doc: Pipeline, group: Group, all: Link[] = links(doc)): Boundary {
  const inside = new Set(group.nodes);
  const at = (id: string) => doc.layout[id] ?? { x: 0, y: 0 };
  const byPlace = (a: Crossing, b: Crossing, end: 'source' | 'target') => {
    const pa = at(a.link[end]);
    const pb = at(b.link[end]);
    return pa.y - pb.y || pa.x - pb.x || (a.handle < b.handle ? -1 : a.handle > b.handle ? 1 : 0);
  };
  const inputs: Crossing[] = [];
  const outputs = new Map<string, Crossing>();
  for (const l of all) {
    const from = inside.has(l.source);
    const to = inside.has(l.target);
    if (from === to) continue;
    if (to) inputs.push({ handle: inHandle(l.target, l.targetPort), inner: `${l.target}.${l.targetPort}`, link: l });
    else {
      const h = outHandle(l.source, l.sourcePort);
      const prev = outputs.get(h);
      // the shared handle sits where the highest of its outside ends is
      if (!prev || byPlace({ handle: h, inner: '', link: l }, prev, 'target') < 0) outputs.set(h, { handle: h, inner: `${l.source}.${l.sourcePort}`, link: l });
    }
  }
  inputs.sort((a, b) => byPlace(a, b, 'source'));
  return { inputs, outputs: [...outputs.values()].sort((a, b) => byPlace(a, b, 'target')) };
}

/**
 * Where each wire is drawn while some groups are collapsed: an end inside a collapsed group is
 * moved to that group's node and handle; a wire with both ends in one collapsed group is not drawn.
 * Returns only the wires that moved (the rest are drawn as ever) and the hidden ones.
 */
export function rerouted(doc: Pipeline, groups: readonly Group[]): { moved: { link: Link; source: string; sourceHandle: string; target: string; targetHandle: string }[]; hidden: Set<string> } {
  const collapsedOf = new Map<string, Group>();
  // a node inside collapsed groups nested in each other is drawn as the outermost
  for (const g of shownGroups(groups)) if (g.collapsed) for (const n of g.nodes) collapsedOf.set(n, g);
  const moved: { link: Link; source: string; sourceHandle: string; target: string; targetHandle: string }[] = [];
  const hidden = new Set<string>();
  if (collapsedOf.size === 0) return { moved, hidden };
  for (const n of doc.nodes) {
    for (const [port, ref] of Object.entries(n.inputs)) {
      const r = parseInputRef(ref);
      if (!r) continue;
      const gs = collapsedOf.get(r.node);
      const gt = collapsedOf.get(n.id);
      if (!gs && !gt) continue;
      const link: Link = { source: r.node, sourcePort: r.port, target: n.id, targetPort: port };
      if (gs && gs === gt) {
        hidden.add(n.id);
        continue;
      }
      moved.push({
        link,
        source: gs ? groupNodeId(gs.id) : r.node,
        sourceHandle: gs ? outHandle(r.node, r.port) : r.port,
        target: gt ? groupNodeId(gt.id) : n.id,
        targetHandle: gt ? inHandle(n.id, port) : port,
      });
    }
  }
  return { moved, hidden };
}

/** The React Flow id of a group's frame or compact node: `:` is never in a node id, so no clash. */
export const groupNodeId = (id: string): string => `group:${id}`;
export const groupIdOf = (flowId: string): string | null => (flowId.startsWith('group:') ? flowId.slice(6) : null);

export type GroupStatus = 'running' | 'failed' | 'stale' | 'cached' | 'done' | 'skipped' | 'cancelled';

export interface MemberState {
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';
  cached?: boolean;
  stale?: boolean;
}

export interface GroupSummary {
  status: GroupStatus | null;
  /** members with a result of this run (finished, cached or failed) */
  finished: number;
  total: number;
  /** the first failed member, in document order */
  failed: string | null;
  failedCount: number;
  /** members succeeded (computed or reused), out of date, skipped */
  ok: number;
  staleCount: number;
  skipped: number;
}

/**
 * One status for a whole group, most urgent first: running (any member queued or running), failed
 * (any failed), stale (any result out of date), cached (every member reused), done (every member
 * finished, some re-computed), cancelled, skipped (an upstream node outside failed); null while no
 * member has a result.
 */
export function summarize(members: readonly string[], states: Record<string, MemberState | undefined>): GroupSummary {
  let running = 0;
  let failed: string | null = null;
  let failedCount = 0;
  let stale = 0;
  let cached = 0;
  let succeeded = 0;
  let skipped = 0;
  let cancelled = 0;
  let any = 0;
  for (const id of members) {
    const s = states[id];
    if (!s) continue;
    any++;
    if (s.status === 'queued' || s.status === 'running') running++;
    else if (s.status === 'failed') {
      failedCount++;
      failed ??= id;
    } else if (s.stale) stale++;
    else if (s.status === 'succeeded') {
      if (s.cached) cached++;
      succeeded++;
    } else if (s.status === 'skipped') skipped++;
    else cancelled++;
  }
  const total = members.length;
  const finished = succeeded + failedCount + stale;
  let status: GroupStatus | null = null;
  if (running) status = 'running';
  else if (failedCount) status = 'failed';
  else if (stale) status = 'stale';
  else if (cancelled) status = 'cancelled';
  else if (skipped) status = 'skipped';
  else if (any && cached === total) status = 'cached';
  else if (any) status = 'done';
  return { status, finished, total, failed, failedCount, ok: succeeded, staleCount: stale, skipped };
}
