/**
 * Editor commands shared by the shortcuts, the toolbar and the context actions. Each document
 * change is one `edit` call, so each command is one undo step.
 */
import type { ReactFlowInstance } from '@xyflow/react';
import type { Pipeline, Position } from '../../shared/pipeline/model';
import { useNotices } from './api/client';
import { validateText } from './local-validate';
import { useCatalog } from './catalog-store';
import { addNode, extract, insertFragment, moveNodes, removeNodes } from './doc/ops';
import { autoLayout } from './canvas/layout';
import { layoutWithGroups } from './canvas/group-layout';
import { serialize, useSession } from './session';
import type { PwNode } from './canvas/to-flow';
import { fitViewport, WIRE_REACH, type Rect } from './canvas/fit';
import { positionBox, restorableView, type RememberedView } from './canvas/remembered-view';

let flow: ReactFlowInstance<PwNode> | null = null;
export function setFlowInstance(f: ReactFlowInstance<PwNode> | null): void {
  flow = f;
}
export function getFlowInstance(): ReactFlowInstance<PwNode> | null {
  return flow;
}

const store = () => useSession.getState().store;

export function addNodeAt(type: string, position: Position): string {
  const info = useCatalog.getState().byType.get(type);
  let id = '';
  store().getState().edit(null, (d) => {
    const r = addNode(d, type, position, info);
    id = r.id;
    return r.doc;
  });
  store().getState().select([id]);
  return id;
}

/** Where a node added without a drop point goes: the middle of the visible canvas. */
export function viewCenter(): Position {
  if (!flow) return { x: 0, y: 0 };
  const el = document.querySelector('.react-flow');
  const r = el?.getBoundingClientRect();
  return r ? flow.screenToFlowPosition({ x: r.left + r.width / 2 - 100, y: r.top + r.height / 2 - 50 }) : { x: 0, y: 0 };
}

/**
 * `p`, or the nearest free spot in a grid around it that is inside the visible canvas (repeated
 * adds sit side by side, not stacked, and never out of sight behind the inspector).
 */
export function freeSpotNear(p: Position): Position {
  const { doc, measured } = store().getState();
  const boxes = Object.entries(doc.layout).map(([id, q]) => ({ ...q, w: measured[id]?.width ?? 220, h: measured[id]?.height ?? 120 }));
  const view = visibleFlowRect();
  const spots: Position[] = [];
  for (let row = -3; row <= 3; row++) for (let col = -3; col <= 3; col++) spots.push({ x: p.x + col * 260, y: p.y + row * 180 });
  // nearest first; on a tie, right and down before left and up
  spots.sort((a, b) => Math.hypot(a.x - p.x, (a.y - p.y) * 1.6) - Math.hypot(b.x - p.x, (b.y - p.y) * 1.6) || b.x - a.x || b.y - a.y);
  const inView = (at: Position) => !view || (at.x >= view.x && at.y >= view.y && at.x + 220 <= view.x + view.width && at.y + 120 <= view.y + view.height);
  const free = (at: Position) => !boxes.some((b) => at.x < b.x + b.w + 20 && b.x < at.x + 240 && at.y < b.y + b.h + 20 && b.y < at.y + 140);
  return spots.find((at) => inView(at) && free(at)) ?? spots.find(free) ?? p;
}

/** The part of the flow the canvas shows now (flow coordinates), or null before it is drawn. */
function visibleFlowRect(): { x: number; y: number; width: number; height: number } | null {
  const r = document.querySelector('.react-flow')?.getBoundingClientRect();
  if (!flow || !r?.width) return null;
  const a = flow.screenToFlowPosition({ x: r.left, y: r.top });
  const b = flow.screenToFlowPosition({ x: r.right, y: r.bottom });
  return { x: a.x, y: a.y, width: b.x - a.x, height: b.y - a.y };
}

export function deleteSelection(): void {
  const sel = store().getState().selection;
  if (sel.length === 0) return;
  store().getState().edit(null, (d) => removeNodes(d, sel));
  store().getState().select([]);
}

export function selectAll(): void {
  store().getState().select(store().getState().doc.nodes.map((n) => n.id));
}

let pasteCount = 0;

/** The selection as pipeline YAML text, so it pastes into another project or a text editor. */
export async function copySelection(): Promise<boolean> {
  const s = store().getState();
  if (s.selection.length === 0) return false;
  const text = await serialize(extract(s.doc, s.selection));
  if (text === null) return false;
  pasteCount = 0;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Without clipboard permission (an http page, a denied prompt) keep it in the page.
  }
  localClipboard = text;
  return true;
}

let localClipboard = '';

export async function pasteText(text?: string): Promise<void> {
  let t = text;
  if (t === undefined) {
    try {
      t = await navigator.clipboard.readText();
    } catch {
      t = localClipboard;
    }
    if (!t) t = localClipboard;
  }
  if (!t.trim()) return;
  let fragment: Pipeline | null = null;
  try {
    fragment = (await validateText(t)).pipeline;
  } catch (e) {
    useNotices.getState().push('error', `paste: ${(e as Error).message}`);
    return;
  }
  if (!fragment || fragment.nodes.length === 0) {
    useNotices.getState().push('warn', 'The clipboard holds no pipeline nodes');
    return;
  }
  pasteCount++;
  const offset = { x: 40 * pasteCount, y: 40 * pasteCount };
  let ids: string[] = [];
  store().getState().edit(null, (d) => {
    const r = insertFragment(d, fragment, offset);
    ids = r.ids;
    return r.doc;
  });
  store().getState().select(ids);
}

export function duplicateSelection(): void {
  const s = store().getState();
  if (s.selection.length === 0) return;
  let ids: string[] = [];
  s.edit(null, (d) => {
    const r = insertFragment(d, extract(d, s.selection), { x: 40, y: 40 });
    ids = r.ids;
    return r.doc;
  });
  store().getState().select(ids);
}

/**
 * How wide (flow units) a small graph's layout may be to fit the canvas at READABLE_ZOOM (with
 * fit's padding); wider rows fold into bands. Big graphs are laid out in one row, as ever.
 */
function foldWidth(nodes: number): number | undefined {
  const r = document.querySelector('.react-flow')?.getBoundingClientRect();
  if (!r?.width || nodes > READABLE_UP_TO) return undefined;
  return (r.width / READABLE_ZOOM) * 0.8;
}

export async function layoutAll(): Promise<void> {
  const s = store().getState();
  // groups stay whole: each is placed as one block
  const positions = await layoutWithGroups(s.doc, s.measured, foldWidth(s.doc.nodes.length));
  store().getState().edit(null, (d) => moveNodes(d, positions));
  requestAnimationFrame(() => viewOpened(true));
}

/** Places nodes the file gave no position, without an undo step (part of opening the file). */
export async function layoutMissing(): Promise<void> {
  const st = store();
  const s = st.getState();
  const missing = new Set(s.doc.nodes.filter((n) => !s.doc.layout[n.id]).map((n) => n.id));
  if (missing.size === 0) return;
  const revision = s.revision;
  const all = missing.size === s.doc.nodes.length;
  const positions = await autoLayout(s.doc, s.measured, all ? undefined : missing, all ? foldWidth(s.doc.nodes.length) : undefined);
  if (st.getState().revision !== revision) return;
  st.getState().load(moveNodes(st.getState().doc, positions));
}

/** Fits the whole graph, from `layout` (React Flow only knows the nodes it was handed). */
export function fitView(): void {
  viewOpened(true);
}

/**
 * Fitting keeps at least this zoom for graphs up to READABLE_UP_TO nodes (node ids at ~10 px, text
 * at ~8 px): auto-layout folds such a graph into bands (`foldWidth`) so it still fits the canvas.
 */
export const READABLE_ZOOM = 0.75;
const READABLE_UP_TO = 60;

/** Above this many nodes, opening shows the start of the graph at a readable zoom, not all of it. */
export const BIG_GRAPH = 200;

/**
 * The viewport for a freshly opened document, computed from `layout` (nodes are not measured
 * yet). A big graph opens on its first nodes in file order: React Flow then renders only what is
 * visible, so a 1,000-node file is drawn as fast as a small one; Fit shows the rest.
 */
const VIEW_KEY = 'pipewright.viewport.';

/** Remembers where the user was looking in this pipeline, with the arrangement it was of (remembered-view.ts). */
export function rememberViewport(): void {
  if (!flow) return;
  const { doc } = store().getState();
  const box = positionBox(doc.layout, doc.nodes.map((n) => n.id));
  if (!box) return;
  const view: RememberedView = { ...flow.getViewport(), box };
  try {
    localStorage.setItem(VIEW_KEY + doc.metadata.name, JSON.stringify(view));
  } catch {
    // A full localStorage only costs the remembered view.
  }
}

/** The minimap appears above this many nodes (a small graph is all on screen, and the map would cover it). */
export const MINIMAP_FROM = 15;
/** The minimap's size and its panel's margin (Canvas.tsx): where it is before React Flow has drawn it. */
export const MINIMAP_SIZE = { width: 150, height: 100 };
const PANEL_MARGIN = 15;

/** The boxes of the panels over the canvas (relative to it): the zoom controls, and the minimap when shown. */
function canvasPanels(el: Element, r: DOMRect, withMap: boolean): Rect[] {
  const rel = (q: DOMRect): Rect => ({ x: q.left - r.left, y: q.top - r.top, width: q.width, height: q.height });
  const controls = el.querySelector('.react-flow__controls');
  const map = el.querySelector('.react-flow__minimap');
  const out: Rect[] = [controls ? rel(controls.getBoundingClientRect()) : { x: PANEL_MARGIN, y: PANEL_MARGIN, width: 84, height: 28 }];
  if (withMap) out.push(map ? rel(map.getBoundingClientRect()) : { x: r.width - PANEL_MARGIN - MINIMAP_SIZE.width, y: PANEL_MARGIN, ...MINIMAP_SIZE });
  return out;
}

function readJson(text: string | null): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : null;
  } catch {
    return null;
  }
}

export function viewOpened(all = false): void {
  if (!flow) return;
  const s = store().getState();
  if (!all) {
    const vp = restorableView(readJson(localStorage.getItem(VIEW_KEY + s.doc.metadata.name)), positionBox(s.doc.layout, s.doc.nodes.map((n) => n.id)));
    if (vp) {
      flow.setViewport(vp);
      return;
    }
  }
  const el = document.querySelector('.react-flow');
  if (!el) return;
  // An empty pipeline starts at 1:1, not at the zoom the last one was fitted to.
  if (s.doc.nodes.length === 0) return void flow.setViewport({ x: 0, y: 0, zoom: 1 });
  const ids = !all && s.doc.nodes.length > BIG_GRAPH ? s.doc.nodes.slice(0, 60).map((n) => n.id) : s.doc.nodes.map((n) => n.id);
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const id of ids) {
    const p = s.doc.layout[id];
    if (!p) continue;
    const m = s.measured[id] ?? { width: 220, height: 120 };
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x + m.width);
    y1 = Math.max(y1, p.y + m.height);
  }
  if (!Number.isFinite(x0)) return;
  const r = el.getBoundingClientRect();
  // A small graph is not shrunk below READABLE_ZOOM: it may then reach past the edges (the start
  // of the graph is shown). Big graphs zoom out further.
  const minZoom = s.doc.nodes.length <= READABLE_UP_TO ? READABLE_ZOOM : all ? 0.02 : 0.3;
  // the wires reach a little past the nodes (their stubs, and the corridors of a folded layout)
  const bounds = { x: x0 - WIRE_REACH.left, y: y0 - WIRE_REACH.top, width: x1 - x0 + WIRE_REACH.left + WIRE_REACH.right, height: y1 - y0 + WIRE_REACH.top + WIRE_REACH.bottom };
  // nothing fitted lies under the zoom controls or the minimap
  flow.setViewport(fitViewport(bounds, r, canvasPanels(el, r, s.doc.nodes.length > MINIMAP_FROM), minZoom));
}
