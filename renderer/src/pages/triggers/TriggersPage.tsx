/**
 * The Triggers page (issue 13, contract section 8): every trigger of the open project's pipeline
 * files with its kind, when it fires (a schedule's next time), a Pause/Resume toggle each, and
 * the firings of the project's durable queue (status, attempts, the run it started, linked to
 * the Runs page). The app fires them itself while the project is open ("triggers: on"); the
 * switch pauses the project's triggers in its project file, for this app (after a restart too)
 * and every `pipewright watch` on it.
 */
import { useCallback, useEffect, useState } from 'react';
import { useStore } from 'zustand';
import type { FiringInfo, TriggerInfo, TriggersOverview } from '../../../../shared/triggers';
import { formatNumber } from '../../../../shared/format';
import { onEvent, tryCall, useNotices } from '../../api/client';
import { useSession } from '../../session';
import { useUi } from '../../ui-store';
import { basename } from '../../util/paths';
import { useHistory } from '../runs/history-store';
import { fmtTime } from '../runs/format';
import './triggers.css';

/** a headless watcher tells this window nothing: the page looks again this often while open */
const REFRESH_MS = 5000;

const KIND_NAMES: Record<TriggerInfo['kind'], string> = { schedule: 'cron', files: 'file glob', metric: 'metric' };

/** "in 4 s", "in 12 min", "in 3 h", or the time itself further out. */
export function untilText(iso: string, now: number): string {
  const ms = Date.parse(iso) - now;
  if (ms <= 0) return 'due now';
  const s = Math.ceil(ms / 1000);
  if (s < 90) return `in ${s} s`;
  if (s < 90 * 60) return `in ${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `in ${Math.round(s / 3600)} h`;
  return fmtTime(iso);
}

/** What fired a firing, in a few words. */
function firedBy(f: FiringInfo): string {
  const d = f.detail;
  if (f.kind === 'schedule' && typeof d.scheduledFor === 'string') return `scheduled for ${fmtTime(d.scheduledFor)}`;
  if (f.kind === 'files' && Array.isArray(d.files)) {
    const n = typeof d.count === 'number' ? d.count : d.files.length;
    return `${n} file${n === 1 ? '' : 's'}: ${d.files.slice(0, 3).join(', ')}${n > 3 ? ', …' : ''}`;
  }
  if (f.kind === 'metric' && typeof d.value === 'number') return `run ${String(d.run)}: ${String(d.node)}.${String(d.name)} = ${formatNumber(d.value)}`;
  return '';
}

function openRun(runId: string): void {
  useHistory.setState({ view: 'runs', detail: runId });
  useUi.getState().setPage('runs');
}

function FiringStatus({ f }: { f: FiringInfo }) {
  const text = f.status === 'done' ? (f.outcome ?? 'done') : f.status === 'gave_up' ? 'gave up' : f.status;
  const cls = f.status === 'done' ? (f.outcome === 'succeeded' ? 'st-succeeded' : 'st-failed') : f.status === 'gave_up' ? 'st-failed' : 'st-running';
  return <span className={`pw-status-label ${cls}`}>{text}</span>;
}

function TriggerRow({ t, project, now, onChange }: { t: TriggerInfo; project: string; now: number; onChange: () => void }) {
  const [busy, setBusy] = useState(false);
  const toggle = async () => {
    setBusy(true);
    await tryCall('triggers.pause', { project, key: t.key, paused: !t.paused }, t.paused ? 'could not resume the trigger' : 'could not pause the trigger');
    setBusy(false);
    onChange();
  };
  return (
    <tr data-testid="trigger-row" data-kind={t.kind} data-paused={t.paused} className={t.paused ? 'paused' : undefined}>
      <td title={t.file}>
        <strong>{t.pipeline}</strong>
        <div className="pw-muted small">{basename(t.file)}</div>
      </td>
      <td>{KIND_NAMES[t.kind]}</td>
      <td>
        <code className="pw-trigger-spec" title={t.spec}>
          {t.spec}
        </code>
        {t.runs !== t.file && <div className="pw-muted small">runs {basename(t.runs)}</div>}
      </td>
      <td data-testid="trigger-next" title={t.next ?? undefined}>
        {t.paused ? <span className="pw-muted">paused</span> : t.next ? untilText(t.next, now) : <span className="pw-muted">{t.kind === 'files' ? 'on a new or changed file' : 'after a run crosses it'}</span>}
      </td>
      <td title={t.lastFiredAt ?? undefined}>{t.lastFiredAt ? fmtTime(t.lastFiredAt) : <span className="pw-muted">never</span>}</td>
      <td className="pw-trigger-action">
        <button disabled={busy} onClick={() => void toggle()} data-testid="trigger-pause">
          {t.paused ? 'Resume' : 'Pause'}
        </button>
      </td>
    </tr>
  );
}

/** Cancels a firing's run under way (in this app, as the editor's Cancel does); the firing then ends as cancelled. */
function CancelRun({ project, runId, onChange }: { project: string; runId: string; onChange: () => void }) {
  const [busy, setBusy] = useState(false);
  const cancel = async () => {
    setBusy(true);
    const r = await tryCall('run.cancel', { project, runId }, `could not cancel run ${runId}`);
    if (r && !r.cancelled) useNotices.getState().push('warn', `run ${runId} is not running in this app: a pipewright watch elsewhere runs it (stop that watcher to stop it)`);
    setBusy(false);
    onChange();
  };
  return (
    <button className="pw-trigger-cancel" disabled={busy} onClick={() => void cancel()} data-testid={`firing-cancel-${runId}`} title={`Cancel run ${runId}`}>
      ■ Cancel
    </button>
  );
}

function Firings({ o, onChange }: { o: TriggersOverview; onChange: () => void }) {
  const byKey = new Map(o.triggers.map((t) => [t.key, t]));
  if (o.firings.length === 0) return <p className="pw-muted">No trigger of this project has fired yet.</p>;
  return (
    <table className="pw-triggers-table" data-testid="firings">
      <thead>
        <tr>
          <th className="num">#</th>
          <th>fired</th>
          <th>trigger</th>
          <th>status</th>
          <th className="num">attempts</th>
          <th>run</th>
          <th>why</th>
        </tr>
      </thead>
      <tbody>
        {o.firings.map((f) => {
          const t = byKey.get(f.triggerKey);
          const spec = t ? `${t.pipeline} · ${t.spec}` : f.triggerKey.slice(f.triggerKey.lastIndexOf('#') + 1);
          return (
            <tr key={f.id} data-testid={`firing-${f.id}`} data-status={f.status}>
              <td className="num">{f.id}</td>
              <td>{fmtTime(f.firedAt)}</td>
              <td className="pw-trigger-spec-cell" title={f.triggerKey}>
                {KIND_NAMES[f.kind]} <span className="pw-muted">{spec}</span>
              </td>
              <td>
                <FiringStatus f={f} />
              </td>
              <td className="num">{f.attempts}</td>
              <td className="pw-firing-run">
                {f.runId ? (
                  <>
                    <button className="pw-link" onClick={() => openRun(f.runId!)} data-testid={`firing-run-${f.runId}`}>
                      run {f.runId}
                    </button>
                    {f.status === 'running' && <CancelRun project={o.project} runId={f.runId} onChange={onChange} />}
                  </>
                ) : (
                  <span className="pw-muted">—</span>
                )}
              </td>
              <td className={f.error ? 'pw-trigger-error' : 'pw-muted'} title={f.error ?? undefined}>
                {f.error ?? firedBy(f)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export default function TriggersPage() {
  const project = useStore(useSession, (s) => s.projectPath);
  const [o, setO] = useState<TriggersOverview | null>(null);
  const [now, setNow] = useState(Date.now());
  const load = useCallback(async () => {
    if (!project) return;
    const r = await tryCall('triggers.list', { project }, 'could not read the triggers');
    if (r && r.project === project) setO(r);
  }, [project]);

  useEffect(() => {
    setO(null);
    void load();
    const off = onEvent('triggers.changed', (e) => e.project === project && void load());
    const poll = setInterval(() => void load(), REFRESH_MS);
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      off();
      clearInterval(poll);
      clearInterval(tick);
    };
  }, [project, load]);

  if (!project) return <div className="pw-triggers-empty">Open or create a project (top bar): triggers run in a project.</div>;
  if (!o) return <div className="pw-page-loading">Loading…</div>;
  const setApp = async (on: boolean) => {
    await tryCall('triggers.app', { project, on }, on ? 'could not turn triggers on' : 'could not pause triggers');
    void load();
  };
  return (
    <div className="pw-triggers" data-testid="triggers-page">
      <div className="pw-triggers-head">
        <h2>Triggers</h2>
        <button
          className={`pw-triggers-app ${o.app}`}
          onClick={() => void setApp(o.app !== 'on')}
          disabled={o.app === 'off'}
          title={
            o.app === 'on'
              ? 'This app fires and runs these triggers while the project is open. Click to pause them: kept in the project file, for this app after a restart and for pipewright watch too.'
              : 'Paused for this project (this app and pipewright watch). Click to resume: schedules missed meanwhile fire once.'
          }
          data-testid="triggers-app"
          data-state={o.app}
        >
          triggers: {o.app}
        </button>
        <span className="pw-muted small">
          pipeline files in <code>{o.folder}</code>
        </span>
      </div>
      {o.problems.map((p) => (
        <div key={p.file} className="pw-trigger-error" data-testid="trigger-problem">
          {p.message}
        </div>
      ))}
      {o.triggers.length === 0 ? (
        <div className="pw-triggers-empty" data-testid="triggers-empty">
          <p>No pipeline file of this project declares triggers. Add them after <code>nodes:</code> in a pipeline file beside the project:</p>
          <pre>{`triggers:
  - schedule: "0 3 * * *"                # cron, local time (6 fields: seconds first)
  - files: data/incoming/*.csv           # a new or changed file
  - metric: { node: drift, name: datasetDrift, above: 0 }
    pipeline: retrain.pipeline.yaml      # run that file instead`}</pre>
          <p className="pw-muted">The app runs them while the project is open; on a server, <code>pipewright watch</code> does.</p>
        </div>
      ) : (
        <table className="pw-triggers-table" data-testid="triggers">
          <thead>
            <tr>
              <th>pipeline</th>
              <th>kind</th>
              <th>fires on</th>
              <th>next</th>
              <th>last fired</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {o.triggers.map((t) => (
              <TriggerRow key={t.key} t={t} project={project} now={now} onChange={() => void load()} />
            ))}
          </tbody>
        </table>
      )}
      <h3>Firings</h3>
      <Firings o={o} onChange={() => void load()} />
    </div>
  );
}
