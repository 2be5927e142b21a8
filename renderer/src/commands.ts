/**
 * Editor commands shared by the shortcuts, the toolbar and the context actions. Each document
 * change is one `edit` call, so each command is one undo step.
 */
import type { ReactFlowInstance } from '@xyflow/react';
import type { Pipeline, Position } from '../../shared/pipeline/model';
import { call, useNotices } from './api/client';
import { useCatalog } from './catalog-store';
import { addNode, extract, insertFragment, moveNodes, removeNodes } from './doc/ops';
import { autoLayout } from './canvas/layout';
import { serialize, useSession } from './session';
import type { PwNode } from './canvas/to-flow';

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
    fragment = (await call('pipeline.validate', { text: t })).pipeline;
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

export async function layoutAll(): Promise<void> {
  const s = store().getState();
  const positions = await autoLayout(s.doc, s.measured);
  store().getState().edit(null, (d) => moveNodes(d, positions));
  requestAnimationFrame(() => flow?.fitView({ duration: 200, maxZoom: 1, padding: 0.15 }));
}

/** Places nodes the file gave no position, without an undo step (part of opening the file). */
export async function layoutMissing(): Promise<void> {
  const st = store();
  const s = st.getState();
  const missing = new Set(s.doc.nodes.filter((n) => !s.doc.layout[n.id]).map((n) => n.id));
  if (missing.size === 0) return;
  const revision = s.revision;
  const positions = await autoLayout(s.doc, s.measured, missing.size === s.doc.nodes.length ? undefined : missing);
  if (st.getState().revision !== revision) return;
  st.getState().load(moveNodes(st.getState().doc, positions));
  requestAnimationFrame(() => flow?.fitView({ maxZoom: 1, padding: 0.15 }));
}

export function fitView(): void {
  flow?.fitView({ duration: 200, maxZoom: 1, padding: 0.15 });
}
