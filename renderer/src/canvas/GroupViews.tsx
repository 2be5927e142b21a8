/** The two faces of a group on the canvas: a frame around its members, and the compact node it collapses to. */
import { memo, useState, type CSSProperties } from 'react';
import { Handle, Position, useStore as useFlowStore, type NodeProps, type ReactFlowState } from '@xyflow/react';
import { useShallow } from 'zustand/react/shallow';
import { useEditor } from '../store/context';
import { isStale } from '../store/stale';
import { summarize, type Crossing, type GroupSummary, type MemberState } from '../doc/groups';
import { inputKind, outputKind } from '../doc/graph';
import { PORT_COLORS, useCatalog } from '../catalog-store';
import type { CollapsedNode, FrameNode } from './group-flow';
import { collapseGroup, cycleGroupColor, removeGroup, renameGroup, revealNode } from './group-commands';
import { PipelineNodeView } from './PipelineNodeView';
import './groups.css';

const NEUTRAL = '#64748b';

/** Below this zoom a group's name is also shown at a readable size above it (a big graph seen whole). */
const LABEL_BELOW = 0.6;
// quantised, so a zoom gesture re-renders the few group views a few times, not every frame
const labelScale = (s: ReactFlowState): number => {
  const z = s.transform[2];
  return z >= LABEL_BELOW ? 0 : Math.round((1 / z) * 4) / 4;
};

/** The group's name (and status) at screen size, standing on top of the frame or node. */
function ZoomLabel({ text, className }: { text: string; className?: string }) {
  const scale = useFlowStore(labelScale);
  if (!scale) return null;
  return (
    <div className={`pw-zoom-label${className ? ` ${className}` : ''}`} style={{ transform: `scale(${scale})` }}>
      {text}
    </div>
  );
}

function GroupFrameImpl({ data }: NodeProps<FrameNode>) {
  const g = data.group;
  const color = g.color ?? NEUTRAL;
  const [editing, setEditing] = useState(false);
  return (
    <div className="pw-frame" style={{ borderColor: color, background: `${color}14` }} data-testid={`group-frame-${g.id}`}>
      <ZoomLabel text={`${g.title} · ${g.nodes.length} nodes`} />
      <div className="pw-frame-title" style={{ background: `${color}40` }} onDoubleClick={() => setEditing(true)} title="Drag to move the group; double-click to rename">
        {editing ? (
          <TitleField value={g.title} onDone={(t) => (setEditing(false), t !== null && renameGroup(g.id, t))} />
        ) : (
          <span className="pw-frame-name" data-testid={`group-title-${g.id}`}>
            {g.title}
          </span>
        )}
        <span className="pw-frame-count">{g.nodes.length} nodes</span>
        <span className="pw-frame-tools nodrag">
          <button className="pw-frame-color" style={{ background: color }} onClick={() => cycleGroupColor(g.id)} title="Change colour" data-testid={`group-color-${g.id}`} />
          <button onClick={() => collapseGroup(g.id, true)} title="Collapse into one node" data-testid={`group-collapse-${g.id}`}>
            Collapse
          </button>
          <button onClick={() => removeGroup(g.id)} title="Ungroup (the nodes stay)" data-testid={`group-ungroup-${g.id}`}>
            Ungroup
          </button>
        </span>
      </div>
    </div>
  );
}

function TitleField({ value, onDone }: { value: string; onDone: (t: string | null) => void }) {
  const [text, setText] = useState(value);
  return (
    <input
      className="pw-input pw-frame-input nodrag"
      autoFocus
      value={text}
      maxLength={80}
      onChange={(e) => setText(e.target.value)}
      onBlur={() => onDone(text)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') onDone(text);
        else if (e.key === 'Escape') onDone(null);
      }}
      data-testid="group-title-input"
    />
  );
}

function useSummary(members: readonly string[]): GroupSummary {
  return useEditor(
    useShallow((s) => {
      const states: Record<string, MemberState | undefined> = {};
      for (const id of members) {
        const st = s.nodeStates[id];
        if (st) states[id] = { status: st.status, cached: st.cached, stale: isStale(s, id) };
      }
      return summarize(members, states);
    }),
  );
}

/** A boundary handle is coloured as the member port it stands for. */
function usePortColor(): (c: Crossing, side: 'in' | 'out') => CSSProperties | undefined {
  const byType = useCatalog((s) => s.byType);
  const nodes = useEditor((s) => s.doc.nodes);
  return (c, side) => {
    const id = side === 'in' ? c.link.target : c.link.source;
    const node = nodes.find((n) => n.id === id);
    const info = node && byType.get(node.type);
    const kind = side === 'in' ? inputKind(info, node, c.link.targetPort) : outputKind(info, c.link.sourcePort);
    return kind ? { background: PORT_COLORS[kind], borderColor: PORT_COLORS[kind] } : undefined;
  };
}

/** What the members did, in words: "50 of 50", "1 failed, 48 done, 1 skipped". */
function counts(s: GroupSummary): string {
  if (s.status === 'running') return `${s.finished} of ${s.total} finished`;
  if (!s.failedCount && !s.staleCount && !s.skipped) return `${s.ok} of ${s.total}`;
  const parts = [
    s.failedCount ? `${s.failedCount} failed` : '',
    s.staleCount ? `${s.staleCount} stale` : '',
    s.ok ? `${s.ok} ${s.status === 'cached' ? 'cached' : 'done'}` : '',
    s.skipped ? `${s.skipped} skipped` : '',
  ].filter(Boolean);
  return parts.join(', ');
}

const LABEL: Record<string, string> = { running: 'running', failed: 'failed', stale: 'stale', cached: 'cached', done: 'done', skipped: 'skipped', cancelled: 'cancelled' };

function GroupNodeImpl({ data, selected }: NodeProps<CollapsedNode>) {
  const { group: g, boundary: b } = data;
  const frame = g.color ?? NEUTRAL;
  const sum = useSummary(g.nodes);
  const rows = Math.max(b.inputs.length, b.outputs.length);
  const color = usePortColor();
  return (
    <div
      className={`pw-node pw-group-node${selected ? ' selected' : ''}${sum.status ? ` st-${sum.status === 'done' ? 'succeeded' : sum.status}` : ''}`}
      data-testid={`group-node-${g.id}`}
      data-status={sum.status ?? undefined}
      onDoubleClick={(e) => {
        e.stopPropagation();
        collapseGroup(g.id, false);
      }}
      title="A collapsed group: double-click to open it; select it to move, copy or delete it whole"
    >
      <ZoomLabel text={sum.status ? `${g.title} · ${LABEL[sum.status]}` : g.title} className={sum.status ? `st-${sum.status === 'done' ? 'succeeded' : sum.status}` : undefined} />
      <div className="pw-node-header" style={{ background: frame }}>
        <span className="pw-node-id">{g.title}</span>
        <button className="pw-group-open nodrag" onClick={() => collapseGroup(g.id, false)} title="Expand: show its nodes where they were" data-testid={`group-expand-${g.id}`}>
          Expand
        </button>
      </div>
      <div className="pw-node-type">
        group · {g.nodes.length} nodes
      </div>
      <div className="pw-node-ports" style={{ minHeight: rows * 22 }}>
        {b.inputs.map((c, i) => (
          <div className="pw-port in" key={c.handle} style={{ top: i * 22 }}>
            <Handle type="target" position={Position.Left} id={c.handle} className="pw-handle" isConnectable={false} style={color(c, 'in')} title={`${c.link.source}.${c.link.sourcePort} → ${c.inner}`} />
            <span className="pw-port-label">{c.inner}</span>
          </div>
        ))}
        {b.outputs.map((c, i) => (
          <div className="pw-port out" key={c.handle} style={{ top: i * 22 }}>
            <span className="pw-port-label">{c.inner}</span>
            <Handle type="source" position={Position.Right} id={c.handle} className="pw-handle" isConnectable={false} style={color(c, 'out')} title={c.inner} />
          </div>
        ))}
      </div>
      {sum.status && (
        <div className="pw-node-status" data-testid={`group-status-${g.id}`} data-status={sum.status}>
          <span className={`pw-status-label st-${sum.status === 'done' ? 'succeeded' : sum.status}`}>
            {LABEL[sum.status]} · {counts(sum)}
          </span>
          {sum.failed && (
            <button className="pw-link nodrag" onClick={() => revealNode(sum.failed!)} data-testid={`group-failed-${g.id}`} title="Open the group and show the node that failed">
              {sum.failed} failed{sum.failedCount > 1 ? ` (+${sum.failedCount - 1} more)` : ''} — show
            </button>
          )}
        </div>
      )}
    </div>
  );
}

export const GroupFrameView = memo(GroupFrameImpl);
export const GroupNodeView = memo(GroupNodeImpl);

/** Every node type the canvas draws. */
export const canvasNodeTypes = { pw: PipelineNodeView, pwframe: GroupFrameView, pwgroup: GroupNodeView };
