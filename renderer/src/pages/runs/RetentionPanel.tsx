/**
 * Retention (issue 14): what each policy would delete and free, computed without deleting
 * anything; deleting asks first. Runs a registered model version came from, the runs their cached
 * nodes reused, and running runs are always kept; nothing is deleted while a run is running.
 */
import { useEffect, useState } from 'react';
import type { GcOverview } from '../../../../shared/history';
import { call, tryCall, useNotices } from '../../api/client';
import { useHistory } from './history-store';
import { fmtBytes } from './format';

export function RetentionPanel({ project }: { project: string }) {
  const [plan, setPlan] = useState<GcOverview | null>(null);
  const [busy, setBusy] = useState(false);
  const [reload, setReload] = useState(0);
  useEffect(() => {
    let live = true;
    setPlan(null);
    void tryCall('history.gcPlan', { project }, 'could not plan the clean-up').then((r) => live && r && setPlan(r));
    return () => {
      live = false;
    };
  }, [project, reload]);

  const apply = async (keepLast: number | null, runs: number, bytes: number) => {
    const what = keepLast === null ? 'artifacts no run needs' : `${runs} run${runs === 1 ? '' : 's'} and the artifacts only they need`;
    if (!confirm(`Delete ${what} (${fmtBytes(bytes)})? This cannot be undone.`)) return;
    setBusy(true);
    try {
      const r = await call('history.gc', { project, keepLast });
      useNotices
        .getState()
        .push('info', `Deleted ${r.deletedRuns.length} run${r.deletedRuns.length === 1 ? '' : 's'} and ${r.artifacts.count} artifact${r.artifacts.count === 1 ? '' : 's'}; the project file went from ${fmtBytes(r.fileBytes.before)} to ${fmtBytes(r.fileBytes.after)}${r.compacted ? '' : ' (not compacted)'}`);
      useHistory.setState({ table: null, picked: [], detail: null });
    } catch (e) {
      useNotices.getState().push('error', `clean-up refused: ${(e as Error).message}`);
    }
    setBusy(false);
    setReload((x) => x + 1);
  };

  if (!plan) return <div className="pw-runs-empty">Working out what each policy would free…</div>;
  return (
    <div className="pw-retention" data-testid="retention">
      <p>
        The project file is <b data-testid="retention-size">{fmtBytes(plan.fileBytes)}</b>. Each row says what a policy would delete; nothing is deleted until you press its button. Runs
        a registered model version came from, and runs whose results kept runs reuse, are always kept.
      </p>
      {plan.running.length > 0 && (
        <p className="pw-warn" data-testid="retention-running">
          Run {plan.running.map((r) => r.id).join(', ')} is running: nothing can be deleted until it has finished.
        </p>
      )}
      <table className="pw-cmp" data-testid="retention-table">
        <thead>
          <tr>
            <th>policy</th>
            <th>runs deleted</th>
            <th>runs kept</th>
            <th>artifacts deleted</th>
            <th>frees</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {plan.policies.map((p) => {
            const id = p.keepLast === null ? 'all' : String(p.keepLast);
            const nothing = p.deletedRuns.length === 0 && p.artifacts.count === 0;
            return (
              <tr key={id} data-testid={`retention-${id}`}>
                <td>{p.keepLast === null ? 'keep every run' : `keep the newest ${p.keepLast} run${p.keepLast === 1 ? '' : 's'} of each pipeline`}</td>
                <td data-testid={`retention-${id}-runs`}>
                  {p.deletedRuns.length}
                  {p.deletedRuns.length > 0 && <span className="pw-muted small"> ({p.deletedRuns.slice(0, 8).join(', ')}{p.deletedRuns.length > 8 ? ', …' : ''})</span>}
                </td>
                <td>
                  {p.keptRuns}
                  {p.protectedRuns.length > 0 && <span className="pw-muted small"> ({p.protectedRuns.length} for registered models)</span>}
                </td>
                <td>{p.artifacts.count}</td>
                <td data-testid={`retention-${id}-bytes`}>{fmtBytes(p.artifacts.bytes)}</td>
                <td>
                  <button disabled={busy || nothing || plan.running.length > 0} onClick={() => void apply(p.keepLast, p.deletedRuns.length, p.artifacts.bytes)} data-testid={`retention-apply-${id}`}>
                    Delete
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
