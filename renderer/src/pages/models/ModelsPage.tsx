/**
 * The Models page (contract section 5): registered models of the open project, their versions
 * with metrics and a link to the run that made each, alias badges, promote and roll back with a
 * reason, pending approvals with both versions' metrics side by side, and the audit trail.
 */
import { useCallback, useEffect, useState } from 'react';
import type { ModelDetails, ModelSummary, PendingMove, VersionInfo } from '../../../../shared/registry';
import { formatDelta, formatNumber } from '../../../../shared/format';
import { tryCall } from '../../api/client';
import { openProjectPath, openRecordedRun } from '../../session';
import './models.css';

const when = (iso: string): string => iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, '');

function AliasBadges({ aliases }: { aliases: string[] }) {
  return (
    <>
      {aliases.map((a) => (
        <span key={a} className={`pw-alias pw-alias-${a === 'champion' ? 'champion' : a === 'challenger' ? 'challenger' : 'other'}`} data-testid={`alias-${a}`}>
          {a}
        </span>
      ))}
    </>
  );
}

function Metrics({ m }: { m: Record<string, number> }) {
  const entries = Object.entries(m);
  if (!entries.length) return <span className="pw-muted">—</span>;
  return (
    <span className="pw-model-metrics">
      {entries.map(([k, v]) => (
        <span key={k}>
          <span className="pw-muted">{k}</span> {formatNumber(v)}
        </span>
      ))}
    </span>
  );
}

/** Both versions' metrics side by side, with the change. */
function Compare({ from, to }: { from: VersionInfo | undefined; to: VersionInfo | undefined }) {
  const keys = [...new Set([...Object.keys(from?.metrics ?? {}), ...Object.keys(to?.metrics ?? {})])];
  return (
    <table className="pw-model-table pw-compare" data-testid="pending-compare">
      <thead>
        <tr>
          <th>metric</th>
          <th>{from ? `version ${from.version} (now)` : 'now: none'}</th>
          <th>{to ? `version ${to.version}` : ''}</th>
          <th>change</th>
        </tr>
      </thead>
      <tbody>
        {keys.map((k) => {
          const a = from?.metrics[k];
          const b = to?.metrics[k];
          const d = a !== undefined && b !== undefined ? b - a : undefined;
          return (
            <tr key={k}>
              <td>{k}</td>
              <td>{a === undefined ? '—' : formatNumber(a)}</td>
              <td>{b === undefined ? '—' : formatNumber(b)}</td>
              <td className={d === undefined || d === 0 ? 'pw-muted' : ''} data-change={d === undefined ? undefined : k}>
                {d === undefined ? '' : formatDelta(d, a!, b!)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function PendingCard({ model, p, onDone }: { model: ModelDetails; p: PendingMove; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const byVersion = (n: number | null) => model.versions.find((v) => v.version === n);
  const project = openProjectPath();
  const approve = async () => {
    if (!project) return;
    setBusy(true);
    const r = await tryCall('models.approve', { project, name: model.name, version: p.version, reason: reason.trim() || undefined }, 'could not approve');
    setBusy(false);
    if (r) onDone();
  };
  return (
    <div className="pw-pending" data-testid={`pending-${p.alias}-${p.version}`}>
      <div className="pw-pending-head">
        <strong>{p.alias}</strong>: version {p.from ?? 'none'} → <strong>version {p.version}</strong>
        <span className="pw-muted small">
          {' '}
          asked by {p.requestedBy} via {p.via}, {when(p.requestedAt)}
        </span>
      </div>
      <Compare from={byVersion(p.from)} to={byVersion(p.version)} />
      <div className="pw-pending-actions">
        <input placeholder="reason (recorded in the audit trail)" value={reason} onChange={(e) => setReason(e.target.value)} data-testid="approve-reason" />
        <button className="primary" disabled={busy} onClick={() => void approve()} data-testid="approve">
          Approve
        </button>
      </div>
    </div>
  );
}

/** Moves an alias to a version (promote or roll back) with a reason. */
function MoveForm({ model, version, onDone, onCancel }: { model: ModelDetails; version: VersionInfo; onDone: () => void; onCancel: () => void }) {
  const [alias, setAlias] = useState('champion');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const current = model.aliases[alias];
  const rollback = current !== undefined && version.version < current;
  const valid = /^[a-z][a-z0-9-]*$/.test(alias) && current !== version.version;
  const submit = async () => {
    const project = openProjectPath();
    if (!project || !valid) return;
    setBusy(true);
    const r = await tryCall('models.alias', { project, name: model.name, alias, version: version.version, reason: reason.trim() || undefined }, `could not move ${alias}`);
    setBusy(false);
    if (r) onDone();
  };
  return (
    <div className="pw-move" data-testid="move-form">
      <label>
        alias <input list="pw-alias-names" value={alias} onChange={(e) => setAlias(e.target.value.trim())} data-testid="move-alias" size={12} />
      </label>
      <datalist id="pw-alias-names">
        {['champion', 'challenger', ...Object.keys(model.aliases)].filter((a, i, all) => all.indexOf(a) === i).map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      <input placeholder="reason (recorded in the audit trail)" value={reason} onChange={(e) => setReason(e.target.value)} data-testid="move-reason" />
      <button className="primary" disabled={!valid || busy} onClick={() => void submit()} data-testid="move-confirm">
        {rollback ? `Roll ${alias} back to ${version.version}` : `Point ${alias} at ${version.version}`}
      </button>
      <button onClick={onCancel}>Cancel</button>
      {current === version.version && <span className="pw-muted small">{alias} is already version {version.version}</span>}
    </div>
  );
}

function ModelView({ model, reload }: { model: ModelDetails; reload: () => void }) {
  const [moving, setMoving] = useState<number | null>(null);
  const done = () => {
    setMoving(null);
    reload();
  };
  return (
    <section className="pw-model" data-testid={`model-${model.name}`}>
      <h2>
        {model.name}{' '}
        {Object.entries(model.aliases).map(([a, v]) => (
          <span key={a} className="pw-alias-pointer">
            <AliasBadges aliases={[a]} /> → {v}
          </span>
        ))}
      </h2>
      {model.traffic && (
        <p className="pw-muted" data-testid="traffic">
          traffic: {Object.entries(model.traffic).map(([a, p]) => `${a} ${p}%`).join(', ')}
          {model.shadow ? `; shadow ${model.shadow}` : ''}
        </p>
      )}
      {model.pending.length > 0 && (
        <div className="pw-model-section">
          <h3>Waiting for approval</h3>
          {model.pending.map((p) => (
            <PendingCard key={p.id} model={model} p={p} onDone={reload} />
          ))}
        </div>
      )}
      <div className="pw-model-section">
        <h3>Versions</h3>
        <table className="pw-model-table" data-testid="versions">
          <thead>
            <tr>
              <th>version</th>
              <th>aliases</th>
              <th>run</th>
              <th>registered</th>
              <th>metrics</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {model.versions.map((v) => (
              <VersionRow key={v.version} model={model} v={v} moving={moving === v.version} onMove={() => setMoving(v.version)} onDone={done} onCancel={() => setMoving(null)} />
            ))}
          </tbody>
        </table>
      </div>
      <div className="pw-model-section">
        <h3>Audit trail</h3>
        {model.audit.length === 0 ? (
          <p className="pw-muted">No alias has been set yet.</p>
        ) : (
          <table className="pw-model-table" data-testid="audit">
            <thead>
              <tr>
                <th>when</th>
                <th>alias</th>
                <th>from</th>
                <th>to</th>
                <th>by</th>
                <th>via</th>
                <th>reason</th>
              </tr>
            </thead>
            <tbody>
              {model.audit.map((a, i) => (
                <tr key={i}>
                  <td className="pw-nowrap">{when(a.at)}</td>
                  <td>{a.alias}</td>
                  <td>{a.from ?? '—'}</td>
                  <td>{a.to ?? '—'}</td>
                  <td>{a.by}</td>
                  <td>{a.via}</td>
                  <td className="pw-reason">{a.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}

function VersionRow(props: { model: ModelDetails; v: VersionInfo; moving: boolean; onMove: () => void; onDone: () => void; onCancel: () => void }) {
  const { model, v } = props;
  return (
    <>
      <tr data-testid={`version-${v.version}`}>
        <td>
          <strong>{v.version}</strong>
        </td>
        <td>
          <AliasBadges aliases={v.aliases} />
        </td>
        <td>
          {v.run !== null && v.pipeline ? (
            <button className="pw-link" title={`open run ${v.run} of ${v.pipeline} in the editor`} onClick={() => void openRecordedRun(v.pipeline!, String(v.run))} data-testid={`run-link-${v.version}`}>
              run {v.run}
            </button>
          ) : v.source ? (
            <span title={`registered from ${v.source.path}\nsha256 ${v.source.sha256}`} data-testid={`source-${v.version}`}>
              file {v.source.path.split(/[\\/]/).pop()} <span className="pw-muted small">{v.source.sha256.slice(0, 12)}</span>
            </span>
          ) : (
            '—'
          )}
          {v.pipeline && <span className="pw-muted small"> {v.pipeline}</span>}
        </td>
        <td className="pw-nowrap">{when(v.createdAt)}</td>
        <td>
          <Metrics m={v.metrics} />
        </td>
        <td>
          {!props.moving && (
            <button onClick={props.onMove} data-testid={`move-${v.version}`}>
              {model.aliases.champion !== undefined && v.version < model.aliases.champion ? 'Roll back…' : 'Promote…'}
            </button>
          )}
        </td>
      </tr>
      {props.moving && (
        <tr>
          <td colSpan={6}>
            <MoveForm model={model} version={v} onDone={props.onDone} onCancel={props.onCancel} />
          </td>
        </tr>
      )}
    </>
  );
}

export default function ModelsPage() {
  const project = openProjectPath();
  const [models, setModels] = useState<ModelSummary[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [details, setDetails] = useState<ModelDetails | null>(null);

  const reload = useCallback(async () => {
    if (!project) return;
    const list = await tryCall('models.list', { project }, 'could not read the model registry');
    if (!list) return;
    setModels(list.models);
    const name = selected && list.models.some((m) => m.name === selected) ? selected : (list.models[0]?.name ?? null);
    setSelected(name);
    setDetails(name ? await tryCall('models.show', { project, name }, `could not read model ${name}`) : null);
  }, [project, selected]);

  useEffect(() => {
    void reload();
  }, [reload]);

  if (!project) return <p className="pw-muted">Open a project to see its registered models.</p>;
  if (models === null) return <p className="pw-muted">Loading the model registry…</p>;
  return (
    <div className="pw-models" data-testid="models-page">
      <aside className="pw-models-list">
        <div className="pw-models-list-head">
          <h3>Models</h3>
          <button onClick={() => void reload()} data-testid="models-refresh" title="read the registry again">
            Refresh
          </button>
        </div>
        {models.length === 0 && <p className="pw-muted small">No registered models yet. Add a deploy.register node after the trainer and run the pipeline.</p>}
        {models.map((m) => (
          <button key={m.name} className={`pw-models-item${m.name === selected ? ' active' : ''}`} onClick={() => setSelected(m.name)} data-testid={`models-item-${m.name}`}>
            <span className="pw-models-name">{m.name}</span>
            <span className="pw-muted small">
              {m.versions} version{m.versions === 1 ? '' : 's'}
              {m.pending ? `, ${m.pending} waiting` : ''}
            </span>
            <span>
              <AliasBadges aliases={Object.keys(m.aliases)} />
            </span>
          </button>
        ))}
      </aside>
      {details && <ModelView model={details} reload={() => void reload()} />}
    </div>
  );
}
