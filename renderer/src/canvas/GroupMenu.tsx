/** Group commands where people look for them: a toolbar button and a right-click menu on the canvas. */
import { useCallback, useRef, useState } from 'react';
import { useEditor } from '../store/context';
import { useDismiss } from '../panels/use-dismiss';
import { drawnGroupOf, groupOfNode, readGroups, type Group } from '../doc/groups';
import { collapseSelection, groupSelection, ungroupSelection } from './group-commands';

/** What the inspector offers for a selection of several nodes: group them, or collapse / ungroup their group. */
export function SelectionGroupActions() {
  const selection = useEditor((s) => s.selection);
  const doc = useEditor((s) => s.doc);
  const groups = readGroups(doc);
  const grouped = selection.some((n) => groupOfNode(groups, n));
  const expand = allCollapsed(groups, selection);
  // a selection that is exactly one group needs no "Group" again
  const whole = groups.some((g) => g.nodes.length === selection.length && selection.every((n) => g.nodes.includes(n)));
  return (
    <div className="pw-section pw-group-actions" data-testid="selection-group-actions">
      {!whole && (
        <button onClick={() => groupSelection()} title="A named frame around them, which can be collapsed into one node (Ctrl+G)" data-testid="group-selection">
          Group {selection.length} nodes
        </button>
      )}
      {grouped && (
        <>
          <button onClick={() => collapseSelection(!expand)} data-testid="collapse-selection">
            {expand ? 'Expand group' : 'Collapse group'}
          </button>
          <button onClick={ungroupSelection} title="Shift+Ctrl+G" data-testid="ungroup-selection">
            Ungroup
          </button>
        </>
      )}
      <div className="pw-help">
        Ctrl+G groups, Shift+Ctrl+G ungroups; right-click the selection for the same.{expand ? ' Delete removes the group with its nodes (Ctrl+Z brings them back).' : ''}
      </div>
    </div>
  );
}

/** Every group the selection touches is collapsed (so the group action offered is to expand). */
function allCollapsed(groups: readonly Group[], selection: readonly string[]): boolean {
  const touched = selection.map((n) => drawnGroupOf(groups, n));
  return touched.length > 0 && touched.every((g) => g?.collapsed);
}

export interface MenuAt {
  x: number;
  y: number;
}

/** The right-click menu for the selection; `at` in screen pixels, null when closed. */
export function GroupMenu({ at, onClose }: { at: MenuAt | null; onClose: () => void }) {
  const box = useRef<HTMLDivElement>(null);
  useDismiss(!!at, box, onClose);
  const selection = useEditor((s) => s.selection);
  const doc = useEditor((s) => s.doc);
  if (!at) return null;
  const groups = readGroups(doc);
  const grouped = selection.map((n) => groupOfNode(groups, n)).filter((g) => !!g);
  const expand = allCollapsed(groups, selection);
  const act = (fn: () => void) => () => {
    fn();
    onClose();
  };
  return (
    <div className="pw-group-menu" ref={box} style={{ left: at.x, top: at.y }} role="menu" data-testid="group-menu">
      <button role="menuitem" disabled={selection.length === 0} onClick={act(() => groupSelection())} data-testid="menu-group">
        Group {selection.length} node{selection.length === 1 ? '' : 's'} <kbd>Ctrl+G</kbd>
      </button>
      {grouped.length > 0 && (
        <>
          <button role="menuitem" onClick={act(() => collapseSelection(!expand))} data-testid="menu-collapse">
            {expand ? 'Expand group' : 'Collapse group'}
          </button>
          <button role="menuitem" onClick={act(ungroupSelection)} data-testid="menu-ungroup">
            Ungroup <kbd>Shift+Ctrl+G</kbd>
          </button>
        </>
      )}
    </div>
  );
}

/** State and handler for the menu: React Flow calls `open` on a right-click of a node or of the selection. */
export function useGroupMenu(): { at: MenuAt | null; open: (e: React.MouseEvent | MouseEvent) => void; close: () => void } {
  const [at, setAt] = useState<MenuAt | null>(null);
  const open = useCallback((e: React.MouseEvent | MouseEvent) => {
    e.preventDefault();
    setAt({ x: e.clientX, y: e.clientY });
  }, []);
  const close = useCallback(() => setAt(null), []);
  return { at, open, close };
}
