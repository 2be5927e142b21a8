/**
 * Group commands for the toolbar, the context menu, the shortcuts and the group views. Each
 * document change is one `edit` call, so each is one undo step.
 */
import { useSession } from '../session';
import { getFlowInstance } from '../commands';
import { ancestors, DEFAULT_SIZE, drawnGroupOf, groupNodes, groupOfNode, nextColor, readGroups, setCollapsed, setGroupColor, setGroupTitle, ungroup } from '../doc/groups';

const store = () => useSession.getState().store;

/** Ctrl+G: the selected nodes become a group. Returns the new group's id. */
export function groupSelection(): string | null {
  const s = store().getState();
  if (s.selection.length === 0) return null;
  let id: string | null = null;
  s.edit(null, (d) => {
    const r = groupNodes(d, s.selection);
    id = r.id;
    return r.doc;
  });
  return id;
}

/** Shift+Ctrl+G: removes the groups holding a selected node (the nodes stay). */
export function ungroupSelection(): void {
  const s = store().getState();
  const groups = readGroups(s.doc);
  const ids = new Set(s.selection.map((n) => drawnGroupOf(groups, n)?.id).filter((g): g is string => !!g));
  if (ids.size) s.edit(null, (d) => ungroup(d, ids));
}

export function removeGroup(id: string): void {
  store().getState().edit(null, (d) => ungroup(d, [id]));
}

export function collapseGroup(id: string, collapsed: boolean): void {
  const s = store().getState();
  s.edit(null, (d) => setCollapsed(d, id, collapsed));
  if (collapsed) {
    // hidden nodes are not selected (the inspector would show a node nobody can see)
    const members = new Set(readGroups(store().getState().doc).find((g) => g.id === id)?.nodes ?? []);
    s.select(store().getState().selection.filter((n) => !members.has(n)));
  }
}

/** Collapses (or expands) the groups holding a selected node. */
export function collapseSelection(collapsed: boolean): void {
  const s = store().getState();
  const groups = readGroups(s.doc);
  const touched = new Set(s.selection.map((n) => drawnGroupOf(groups, n)).filter((g) => !!g));
  // a group nested in another touched one goes with it
  const ids = [...touched].filter((g) => !ancestors(groups, g).slice(1).some((a) => touched.has(a))).map((g) => g.id);
  for (const id of ids) collapseGroup(id, collapsed);
}

export function renameGroup(id: string, title: string): void {
  store().getState().edit(`group-title:${id}`, (d) => setGroupTitle(d, id, title));
}

export function cycleGroupColor(id: string): void {
  const s = store().getState();
  const g = readGroups(s.doc).find((x) => x.id === id);
  if (g) s.edit(null, (d) => setGroupColor(d, id, nextColor(g.color)));
}

/** Shows a node that may be inside a collapsed group: expands it, selects the node and centres the view on it. */
export function revealNode(nodeId: string): void {
  const s = store().getState();
  const groups = readGroups(s.doc);
  const g = groupOfNode(groups, nodeId);
  // every collapsed group around it opens, in one step
  const closed = g ? ancestors(groups, g).filter((a) => a.collapsed) : [];
  if (closed.length) s.edit(null, (d) => closed.reduce((acc, a) => setCollapsed(acc, a.id, false), d));
  s.select([nodeId]);
  s.setFocus(nodeId);
  const p = s.doc.layout[nodeId];
  const flow = getFlowInstance();
  if (!p || !flow) return;
  const m = s.measured[nodeId] ?? DEFAULT_SIZE;
  void flow.setCenter(p.x + m.width / 2, p.y + m.height / 2, { zoom: Math.max(flow.getZoom(), 0.9), duration: 0 });
}
