/** One run beside the table: what `pipewright show` prints, with the ways on from it. */
import { useEffect, useState } from 'react';
import type { RunShow } from '../../../../shared/history';
import { formatNumber, formatValue } from '../../../../shared/format';
import { onEvent, tryCall, useNotices } from '../../api/client';
import { useHistory } from './history-store';
import { openRunOnCanvas, rerunExactly } from './open-run';
import { fmtDuration, fmtTime } from './format';

export function RunDetail({ project, runId }: { project: string; runId: string }) {
  const [show, setShow] = useState<RunShow | null>(null);
  const [busy, setBusy] = useState(false);
  /** bumped when this run ends (a run the editor or a trigger started): the details are read again */
  const [ended, setEnded] = useState(0);
  useEffect(() => {
    let live = true;
    if (!ended) setShow(null);
    void tryCall('history.show', { project, runId }, `could not read run ${runId}`).then((r) => live && r && setShow(r.show));
    return () => {
      live = false;
    };
  }, [project, runId, ended]);
  const running = show?.run.status === 'running';
  useEffect(() => {
    if (!running) return;
    const bump = () => setEnded((n) => n + 1);
    const offTrigger = onEvent('triggers.changed', (e) => e.project === project && e.runId === runId && bump());
    const offRun = onEvent('run.events', (batch) => batch.some((e) => e.type === 'run.finished' && e.runId === runId) && bump());
    return () => {
      offTrigger();
      offRun();
    };
  }, [project, runId, running]);
  const lineage = (ref: string) => useHistory.setState({ lineageRef: ref, view: 'lineage' });
  return (
    <aside className="pw-run-detail" data-testid="run-detail" data-run={runId}>
      <header>
        <b>Run {runId}</b>
        <button className="pw-link" onClick={() => useHistory.setState({ detail: null })} aria-label="close" data-testid="run-detail-close">
          ✕
        </button>
      </header>
      {!show ? (
        <div className="pw-muted">Loading…</div>
      ) : (
        <>
          <div className="pw-run-facts">
            <span className={`pw-run-status st-${show.run.status}`} data-testid="run-detail-status">
              {show.run.status}
            </span>{' '}
            {show.run.pipeline} · version <code>{show.pipelineVersion?.hash.slice(0, 8) ?? '—'}</code>
            {running && (
              <button
                className="pw-run-cancel"
                disabled={busy}
                onClick={async () => {
                  setBusy(true);
                  const r = await tryCall('run.cancel', { project, runId }, `could not cancel run ${runId}`);
                  if (r && !r.cancelled) useNotices.getState().push('warn', `run ${runId} is not running in this app: another process runs it`);
                  setBusy(false);
                }}
                title="Stops the run, whether the editor or a trigger started it"
                data-testid="run-cancel"
              >
                ■ Cancel
              </button>
            )}
            <div className="pw-muted small">
              {fmtTime(show.run.startedAt)} · {fmtDuration(show.run.durationMs)} · {show.run.backend ?? ''}
            </div>
          </div>
          <div className="row">
            <button className="primary" disabled={busy || !show.pipelineVersion} onClick={() => void openRunOnCanvas(runId)} data-testid="run-open-canvas">
              Open on canvas
            </button>
            <button
              disabled={busy || !show.pipelineVersion}
              onClick={async () => {
                setBusy(true);
                await rerunExactly(runId);
                setBusy(false);
              }}
              title="The same pipeline version with the same params (unchanged nodes reuse their results)"
              data-testid="run-rerun"
            >
              Re-run exactly
            </button>
          </div>
          {Object.keys(show.params).length > 0 && (
            <>
              <h4>Params</h4>
              <table className="pw-kv">
                <tbody>
                  {Object.entries(show.params).map(([k, v]) => (
                    <tr key={k}>
                      <td>{k}</td>
                      <td>{formatValue(v)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          <h4>Nodes</h4>
          {Object.entries(show.nodes).map(([id, n]) => (
            <div key={id} className="pw-run-node" data-testid={`run-node-${id}`}>
              <div>
                <b>{id}</b> <span className="pw-muted small">{n.type}</span> <span className={`pw-status-label st-${n.cached ? 'cached' : n.status}`}>{n.cached ? 'cached' : n.status}</span>
              </div>
              {n.error && <div className="pw-error small">{n.error}</div>}
              {Object.keys(n.metrics).length > 0 && (
                <div className="small">
                  {Object.entries(n.metrics).map(([k, v]) => (
                    <span key={k} className="pw-metric">
                      {k} <b>{formatNumber(v)}</b>
                    </span>
                  ))}
                </div>
              )}
              {Object.entries(n.outputs).map(([port, o]) => (
                <div key={port} className="small pw-muted">
                  {port}: {o.kind} <code>{o.hash.slice(0, 12)}</code>
                  {o.rows !== undefined ? ` · ${o.rows} rows` : ''}{' '}
                  <button className="pw-link" onClick={() => lineage(`${runId}:${id}.${port}`)} data-testid={`run-lineage-${id}-${port}`}>
                    lineage
                  </button>
                </div>
              ))}
            </div>
          ))}
        </>
      )}
    </aside>
  );
}
