/** The one generic node component: a header coloured by stage, a handle per port, live run state. */
import { memo } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { useStore } from 'zustand';
import { PORT_COLORS, STAGE_COLORS } from '../catalog-store';
import { useEditor } from '../store/context';
import { useSession } from '../session';
import { useUi } from '../ui-store';
import { NEW_INPUT } from '../doc/graph';
import type { PwNode } from './to-flow';
import type { PortSpec } from '../../../shared/catalog';
import { formatNumber } from '../../../shared/format';
import { isStale } from '../store/stale';

const HEADLINE_METRICS = ['accuracy', 'f1', 'rocAuc', 'r2', 'rmse', 'mae'];

function PipelineNodeViewImpl({ id, data, selected }: NodeProps<PwNode>) {
  const { node, info } = data;
  const state = useEditor((s) => s.nodeStates[id]);
  const stale = useEditor((s) => isStale(s, id));
  const issueCount = useStore(useSession, (s) => countIssues(s.issues, id));
  const stageColor = info ? STAGE_COLORS[info.stage] : '#6b7280';

  const inputs: (PortSpec & { variadic?: boolean })[] = info ? [...info.inputs] : [];
  if (info?.variadicInputs) {
    for (const name of Object.keys(node.inputs)) if (!inputs.some((p) => p.name === name)) inputs.push({ name, kind: info.variadicInputs.kind });
    inputs.push({ name: NEW_INPUT, kind: info.variadicInputs.kind, variadic: true });
  }
  const outputs = info?.outputs ?? [];
  const rows = Math.max(inputs.length, outputs.length);
  const status = state?.status;
  const label = stale ? 'stale' : state?.cached ? 'cached' : status;
  const metrics = state ? HEADLINE_METRICS.filter((k) => k in state.metrics).slice(0, 2) : [];

  return (
    <div
      className={`pw-node${selected ? ' selected' : ''}${status ? ` st-${label}` : ''}${info ? '' : ' unknown'}`}
      data-testid={`node-${id}`}
      title={stale ? 'stale: params or upstream changed since this result; run again to update it' : state?.reason ? `${label}: ${state.reason}` : undefined}
    >
      <div className="pw-node-header" style={{ background: stageColor }}>
        <span className="pw-node-id">{id}</span>
        {issueCount > 0 && (
          <span className="pw-node-issues" title={`${issueCount} problem${issueCount > 1 ? 's' : ''}: see the inspector`}>
            !{issueCount}
          </span>
        )}
      </div>
      <div className="pw-node-type">
        {node.type}
        {info && !info.available && <span className="pw-badge warn" title="This node type is declared but cannot run yet">not available</span>}
        {!info && <span className="pw-badge err">unknown type</span>}
      </div>
      <div className="pw-node-ports" style={{ minHeight: rows * 22 }}>
        {inputs.map((p, i) => (
          <div className="pw-port in" key={`in-${p.name}`} style={{ top: i * 22 }}>
            <Handle
              type="target"
              position={Position.Left}
              id={p.name}
              className="pw-handle"
              data-testid={`handle-${id}-in-${p.name}`}
              style={{ background: p.variadic ? 'transparent' : PORT_COLORS[p.kind], borderColor: PORT_COLORS[p.kind] }}
              title={`${p.variadic ? 'add an input' : p.name}: ${p.kind}`}
            />
            <span className="pw-port-label">{p.variadic ? '+ input' : p.name}{p.optional ? '?' : ''}</span>
          </div>
        ))}
        {outputs.map((p, i) => (
          <div className="pw-port out" key={`out-${p.name}`} style={{ top: i * 22 }}>
            <span className="pw-port-label">{p.name}</span>
            <Handle
              type="source"
              position={Position.Right}
              id={p.name}
              className="pw-handle"
              data-testid={`handle-${id}-out-${p.name}`}
              style={{ background: PORT_COLORS[p.kind], borderColor: PORT_COLORS[p.kind] }}
              title={`${p.name}: ${p.kind}`}
            />
          </div>
        ))}
      </div>
      {state && (
        <div className="pw-node-status" data-testid={`node-status-${id}`} data-status={state.cached ? 'cached' : state.status} data-stale={stale ? 'true' : undefined}>
          {state.status === 'running' && (
            <div className="pw-progress" title={state.message}>
              <div style={{ transform: `scaleX(${Math.round((state.progress ?? 0) * 100) / 100})` }} />
            </div>
          )}
          <span className={`pw-status-label st-${label}`}>
            {stale ? `stale · was ${state.cached ? 'cached' : state.status}` : label}
            {state.status === 'running' && state.message ? ` · ${state.message}` : ''}
            {state.durationMs !== undefined && !state.cached && !stale && state.status !== 'running' ? ` · ${fmtMs(state.durationMs)}` : ''}
          </span>
          {state.status === 'failed' && (
            <button className="pw-link nodrag" onClick={() => useUi.getState().showLog(id)} title={state.error} data-testid={`node-error-${id}`}>
              {state.error ?? 'failed'} — log
            </button>
          )}
          {metrics.length > 0 && (
            <div className="pw-node-metrics" data-testid={`node-metrics-${id}`}>
              {metrics.map((k) => (
                <span key={k} data-metric={k}>
                  {k} <b>{formatNumber(state.metrics[k])}</b>
                </span>
              ))}
            </div>
          )}
        </div>
      )}
    </div>
  );
}

function countIssues(issues: { place: string }[], id: string): number {
  let n = 0;
  const prefix = `nodes.${id}`;
  for (const i of issues) if (i.place === prefix || i.place.startsWith(prefix + '.')) n++;
  return n;
}

function fmtMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export const PipelineNodeView = memo(PipelineNodeViewImpl);
export const nodeTypes = { pw: PipelineNodeView };
