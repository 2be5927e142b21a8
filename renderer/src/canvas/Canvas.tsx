import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  useConnection,
  useReactFlow,
  useStore as useFlowStore,
  useStoreApi as useFlowStoreApi,
  type ReactFlowState,
  type Connection,
  type Edge,
  type EdgeChange,
  type FinalConnectionState,
  type IsValidConnection,
  type NodeChange,
  type OnConnectEnd,
} from '@xyflow/react';
import { useCatalog, STAGE_COLORS } from '../catalog-store';
import { useEditor, useEditorStore } from '../store/context';
import { checkConnection, compatibleTypes, inputKind, outputKind, type Link } from '../doc/graph';
import { addNode, connect, disconnect, moveNodes, removeNodes } from '../doc/ops';
import { dropFiles } from '../files/files';
import { FlowCache, nodesNear, parseEdgeId, type PwNode } from './to-flow';
import { edgeTypes } from './WireEdge';
import { canvasNodeTypes } from './GroupViews';
import { cullingLayout, GROUP_MAP_COLOR, groupDrag, groupFlowNodes, hiddenMembers, reroutedEdges, selectionOf, visibleSet } from './group-flow';
import { GroupMenu, useGroupMenu } from './GroupMenu';
import { groupIdOf } from '../doc/groups';
import { addNodeAt, BIG_GRAPH, MINIMAP_FROM, MINIMAP_SIZE, rememberViewport, setFlowInstance } from '../commands';
import { setInteracting } from '../session';
import { useUi } from '../ui-store';
import { QuickAdd } from './QuickAdd';
import type { Pipeline, Position } from '../../../shared/pipeline/model';

export const DRAG_MIME = 'application/x-pipewright-type';

function toLink(c: Connection | Edge): Link | null {
  if (!c.source || !c.target || !c.sourceHandle || !c.targetHandle) return null;
  return { source: c.source, sourcePort: c.sourceHandle, target: c.target, targetPort: c.targetHandle };
}


export function Canvas() {
  const store = useEditorStore();
  const doc = useEditor((s) => s.doc);
  const selection = useEditor((s) => s.selection);
  const measured = useEditor((s) => s.measured);
  const byType = useCatalog((s) => s.byType);
  const refuse = useUi((s) => s.refuse);
  const flow = useReactFlow<PwNode>();
  const cache = useRef(new FlowCache());
  const [selectedEdges, setSelectedEdges] = useState<ReadonlySet<string>>(new Set());
  const [quickAdd, setQuickAdd] = useState<QuickAddAt | null>(null);

  useEffect(() => {
    setFlowInstance(flow);
    return () => setFlowInstance(null);
  }, [flow]);

  const big = doc.nodes.length > BIG_GRAPH;
  const flowStore = useFlowStoreApi();
  // Changes only when the view moves by half a screen or zooms by a quarter octave.
  const cullKey = useFlowStore(useCallback((s: ReactFlowState) => (big ? viewKey(s) : ''), [big]));
  const cullRect = useMemo(() => (cullKey ? expandedView(flowStore.getState()) : null), [cullKey, flowStore]);
  const keep = useMemo(() => (cullRect ? nodesNear(cullingLayout(doc), cullRect, measured, selection) : null), [cullRect, doc, measured, selection]);
  // The kept set keeps its identity while its content is the same, so a drag does not rebuild edges.
  const keepRef = useRef<Set<string> | null>(null);
  const stableKeep = useMemo(() => {
    const prev = keepRef.current;
    if (prev && keep && prev.size === keep.size && [...keep].every((id) => prev.has(id))) return prev;
    keepRef.current = keep;
    return keep;
  }, [keep]);

  const selectionSet = useMemo(() => new Set(selection), [selection]);
  // Groups: members of a collapsed group are not drawn; frames and compact nodes are added.
  const docNodes = doc.nodes;
  const groupsExt = doc.extensions;
  // (these read only the document's nodes and groups: a drag, which changes the layout, keeps them)
  const hidden = useMemo(() => hiddenMembers(doc), [docNodes, groupsExt]);
  const visible = useMemo(() => visibleSet(doc, stableKeep, hidden), [docNodes, stableKeep, hidden]);
  const groupNodes = useMemo(() => groupFlowNodes(doc, measured, selectionSet), [doc, measured, selectionSet]);
  const groupAt = useRef(new Map<string, Position>());
  groupAt.current = new Map(groupNodes.map((g) => [g.id, g.position]));
  const nodes = useMemo(() => {
    const pw = cache.current.toNodes(doc, byType, selectionSet, measured, visible);
    return groupNodes.length ? [...(groupNodes as unknown as PwNode[]), ...pw] : pw;
  }, [doc, byType, selectionSet, measured, visible, groupNodes]);
  // Edges depend on `nodes` only: a drag (layout) keeps the same array, so React Flow does not
  // rebuild its connection lookup on every frame.
  const edges = useMemo(() => {
    const plain = cache.current.toEdges(docNodes, byType, selectedEdges, visible);
    return hidden ? [...plain, ...reroutedEdges(doc, byType, stableKeep)] : plain;
  }, [docNodes, groupsExt, byType, selectedEdges, visible, hidden, stableKeep]);
  const menu = useGroupMenu();

  const onNodesChange = useCallback(
    (changes: NodeChange<PwNode>[]) => {
      const positions: Record<string, Position> = {};
      const sizes: Record<string, { width: number; height: number }> = {};
      let sel: Set<string> | null = null;
      const removed: string[] = [];
      const groupMoves: [string, Position][] = [];
      const select = (ids: readonly string[], on: boolean) => {
        sel ??= new Set(store.getState().selection);
        for (const id of ids) {
          if (on) sel.add(id);
          else sel.delete(id);
        }
      };
      for (const c of changes) {
        if (c.type !== 'add' && groupIdOf(c.id)) {
          if (c.type === 'position' && c.position) groupMoves.push([c.id, c.position]);
          // a collapsed group selected or not: all its members are
          else if (c.type === 'select') select(selectionOf(store.getState().doc, c.id) ?? [], c.selected);
          // a collapsed group's size: what auto-layout gives its block
          else if (c.type === 'dimensions' && c.dimensions) sizes[c.id] = c.dimensions;
        } else if (c.type === 'position' && c.position) positions[c.id] = c.position;
        else if (c.type === 'dimensions' && c.dimensions) sizes[c.id] = c.dimensions;
        else if (c.type === 'select') select([c.id], c.selected);
        else if (c.type === 'remove') removed.push(c.id);
      }
      const s = store.getState();
      // A frame or a collapsed group dragged: its members move with it.
      for (const [id, to] of groupMoves) {
        const from = groupAt.current.get(id);
        if (from) Object.assign(positions, groupDrag(s.doc, id, from, to, new Set(Object.keys(positions))));
      }
      const moved = groupMoves.length ? groupMoves.map(([id]) => id) : Object.keys(positions);
      // One drag of one selection is one undo step: the merge key names what is being dragged.
      if (moved.length) s.edit(`move:${moved.sort().join(',')}`, (d) => moveNodes(d, positions));
      if (Object.keys(sizes).length) s.setMeasured(sizes);
      if (sel) s.select(s.doc.nodes.filter((n) => sel!.has(n.id)).map((n) => n.id));
      if (removed.length) s.edit(null, (d) => removeNodes(d, removed));
    },
    [store],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      let next: Set<string> | null = null;
      const removed: { target: string; targetPort: string }[] = [];
      for (const c of changes) {
        if (c.type === 'select') {
          next ??= new Set(selectedEdges);
          if (c.selected) next.add(c.id);
          else next.delete(c.id);
        } else if (c.type === 'remove') {
          const e = parseEdgeId(c.id);
          if (e) removed.push(e);
        }
      }
      if (next) setSelectedEdges(next);
      if (removed.length) store.getState().edit(null, (d) => removed.reduce((acc, e) => disconnect(acc, e.target, e.targetPort), d));
    },
    [store, selectedEdges],
  );

  const isValidConnection: IsValidConnection = useCallback(
    (c) => {
      const l = toLink(c);
      return !!l && checkConnection(store.getState().doc, useCatalog.getState().byType, l).ok;
    },
    [store],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      const l = toLink(c);
      if (!l) return;
      const check = checkConnection(store.getState().doc, useCatalog.getState().byType, l);
      if (!check.ok) return refuse(check.reason);
      store.getState().edit(null, (d) => connect(d, l).doc);
    },
    [store, refuse],
  );

  const onConnectEnd: OnConnectEnd = useCallback(
    (e, state: FinalConnectionState) => {
      // A wire dropped on empty canvas: quick-add offers what can take it, and connects what is picked.
      if (!state.toHandle && state.fromHandle?.id && state.fromNode) {
        const point = 'changedTouches' in e ? e.changedTouches[0] : e;
        const under = document.elementFromPoint(point.clientX, point.clientY);
        if (under?.closest('.react-flow__pane') && !under.closest('.react-flow__node')) {
          const wire = wireFrom(store.getState().doc, state.fromNode.id, state.fromHandle.id, state.fromHandle.type);
          if (wire) {
            const screen = { x: point.clientX, y: point.clientY };
            setQuickAdd({ screen, flow: flow.screenToFlowPosition(screen), wire });
          }
          return;
        }
      }
      // Dropped on a handle that was refused: keep the reason on screen a moment longer.
      if (state.isValid === false && state.fromHandle && state.toHandle) {
        const l = normalise(state.fromHandle, state.toHandle);
        if (l) {
          const check = checkConnection(store.getState().doc, useCatalog.getState().byType, l);
          if (!check.ok) refuse(check.reason);
        }
      }
    },
    [store, refuse],
  );

  const onDragStart = useCallback(() => setInteracting(true), []);
  const onDragStop = useCallback(() => setInteracting(false), []);

  const onDragOver = useCallback((e: React.DragEvent) => {
    if (e.dataTransfer.types.includes(DRAG_MIME) || e.dataTransfer.types.includes('Files')) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    }
  }, []);

  const onDrop = useCallback(
    (e: React.DragEvent) => {
      // Files from the desktop: a data node each, where they were dropped (read now: the list empties after the event).
      const files = [...e.dataTransfer.files];
      if (files.length) {
        e.preventDefault();
        void dropFiles(files, flow.screenToFlowPosition({ x: e.clientX - 20, y: e.clientY - 14 }));
        return;
      }
      const type = e.dataTransfer.getData(DRAG_MIME);
      if (!type) return;
      e.preventDefault();
      addNodeAt(type, flow.screenToFlowPosition({ x: e.clientX - 20, y: e.clientY - 14 }));
    },
    [flow],
  );

  const onDoubleClick = useCallback(
    (e: React.MouseEvent) => {
      const target = e.target as HTMLElement;
      if (!target.classList.contains('react-flow__pane')) return;
      setQuickAdd({ screen: { x: e.clientX, y: e.clientY }, flow: flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }) });
    },
    [flow],
  );

  return (
    <div className="pw-canvas" onDragOver={onDragOver} onDrop={onDrop} onDoubleClick={onDoubleClick} data-testid="canvas">
      <ReactFlow<PwNode>
        nodes={nodes}
        edges={edges}
        nodeTypes={canvasNodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onMoveEnd={rememberViewport}
        onNodeDragStart={onDragStart}
        onNodeDragStop={onDragStop}
        onSelectionDragStart={onDragStart}
        onSelectionDragStop={onDragStop}
        onConnectEnd={onConnectEnd}
        onNodeContextMenu={(e, n) => {
          // a collapsed group's node stands for its members; a frame has its own buttons
          const members = selectionOf(store.getState().doc, n.id) ?? [n.id];
          if (members.length === 0) return;
          if (!members.every((m) => store.getState().selection.includes(m))) store.getState().select(members);
          menu.open(e);
        }}
        onSelectionContextMenu={menu.open}
        isValidConnection={isValidConnection}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Meta', 'Control']}
        zoomOnDoubleClick={false}
        minZoom={0.05}
        maxZoom={2}
        colorMode="dark"
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} size={1} />
        {/* A row at the top left: fitting keeps a row below it (or a column beside it) clear, and a graph too big
            for the canvas runs off the right and the bottom, away from it (canvas/fit.ts). */}
        <Controls showInteractive={false} orientation="horizontal" position="top-left" />
        {/* Only where it helps: a small graph is all on screen, and the map would cover its nodes. At
            the top right: a graph too big for the canvas is shown from its start, running off the
            right and the bottom, so panels at the left and the top stay clear of it (canvas/fit.ts). */}
        {doc.nodes.length > MINIMAP_FROM && (
          <MiniMap position="top-right" pannable zoomable style={MINIMAP_SIZE} nodeColor={(n) => (n.type === 'pwframe' ? 'transparent' : n.type === 'pwgroup' ? GROUP_MAP_COLOR : (STAGE_COLORS[(n as PwNode).data.info?.stage ?? 'data'] ?? '#666'))} />
        )}
        <ConnectionHint />
      </ReactFlow>
      {doc.nodes.length === 0 && (
        <div className="pw-empty-hint" data-testid="empty-hint">
          <b>An empty pipeline.</b> Click a node in the palette to add it here, drag one to a spot, or double-click the canvas to search.
          <br />
          Wire an output (right) to an input (left); the inspector on the right sets its params.
        </div>
      )}
      <GroupMenu at={menu.at} onClose={menu.close} />
      {quickAdd && (
        <QuickAdd
          at={quickAdd.screen}
          only={quickAdd.wire && { types: quickAdd.wire.ports, label: quickAdd.wire.label }}
          onPick={(type) => (quickAdd.wire ? addWired(store, type, quickAdd.flow, quickAdd.wire) : addNodeAt(type, quickAdd.flow))}
          onClose={() => setQuickAdd(null)}
        />
      )}
    </div>
  );
}

/** Where quick-add opens; `wire`: it was opened by dropping a wire from that handle. */
interface QuickAddAt {
  screen: Position;
  flow: Position;
  wire?: Wire;
}

interface Wire {
  node: string;
  port: string;
  side: 'source' | 'target';
  /** the types that can take the wire -> the port of theirs it joins */
  ports: Map<string, string>;
  label: string;
}

function wireFrom(doc: Pipeline, nodeId: string, port: string, side: 'source' | 'target'): Wire | null {
  const node = doc.nodes.find((n) => n.id === nodeId);
  const { byType, catalog } = useCatalog.getState();
  const info = node && byType.get(node.type);
  const kind = side === 'source' ? outputKind(info, port) : inputKind(info, node, port);
  if (!node || !kind) return null;
  return {
    node: nodeId,
    port,
    side,
    ports: compatibleTypes(catalog, kind, side),
    label: side === 'source' ? `taking a ${kind}` : `giving a ${kind}`,
  };
}

/** Adds a `type` node at `at` joined to the dropped wire: one undo step. */
function addWired(store: ReturnType<typeof useEditorStore>, type: string, at: Position, wire: Wire): void {
  const port = wire.ports.get(type);
  if (!port) return;
  let id = '';
  // an input's new feeder sits left of the drop point, an output's new consumer at it
  const position = wire.side === 'source' ? at : { x: at.x - 240, y: at.y };
  store.getState().edit(null, (d) => {
    const added = addNode(d, type, position, useCatalog.getState().byType.get(type));
    id = added.id;
    const l: Link = wire.side === 'source' ? { source: wire.node, sourcePort: wire.port, target: id, targetPort: port } : { source: id, sourcePort: port, target: wire.node, targetPort: wire.port };
    return connect(added.doc, l).doc;
  });
  store.getState().select([id]);
}

function normalise(from: { nodeId: string; id?: string | null; type: string }, to: { nodeId: string; id?: string | null; type: string }): Link | null {
  const [src, dst] = from.type === 'source' ? [from, to] : [to, from];
  if (src.type !== 'source' || dst.type !== 'target' || !src.id || !dst.id) return null;
  return { source: src.nodeId, sourcePort: src.id, target: dst.nodeId, targetPort: dst.id };
}

/** While a connection is dragged over a handle it may not join, says why, next to the pointer. */
function ConnectionHint() {
  const store = useEditorStore();
  const conn = useConnection();
  const refusal = useUi((s) => s.refusal);
  let reason: string | null = null;
  let at: Position | null = null;
  if (conn.inProgress && conn.toHandle) {
    const l = normalise(conn.fromHandle, conn.toHandle);
    const check = l ? checkConnection(store.getState().doc, useCatalog.getState().byType, l) : { ok: false as const, reason: 'an output joins an input' };
    if (!check.ok) {
      reason = check.reason;
      at = conn.to;
    }
  }
  if (!reason && refusal) reason = refusal;
  if (!reason) return null;
  return (
    <div className={`pw-connection-hint${at ? ' at-pointer' : ''}`} data-testid="connection-hint" role="alert">
      {reason}
    </div>
  );
}

function viewKey(s: ReactFlowState): string {
  const [tx, ty, z] = s.transform;
  if (!s.width || !s.height) return 'unsized';
  const w = s.width / z;
  const h = s.height / z;
  return `${Math.round(Math.log2(z) * 4)}:${Math.floor(-tx / z / (w / 2))}:${Math.floor(-ty / z / (h / 2))}`;
}

/** The visible flow area grown by half a screen each way: the key changes before the view leaves it. */
function expandedView(s: ReactFlowState): { x: number; y: number; width: number; height: number } {
  const [tx, ty, z] = s.transform;
  const w = (s.width || 1200) / z;
  const h = (s.height || 800) / z;
  return { x: -tx / z - w / 2, y: -ty / z - h / 2, width: 2 * w, height: 2 * h };
}
