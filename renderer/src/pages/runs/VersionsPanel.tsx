/**
 * A pipeline's versions (issue 14): when each was saved, its hash, the runs that used it; a text
 * diff between any two; open or restore one; rename the pipeline or save the open one as another.
 * Whatever replaces the open document saves unsaved work first (or asks).
 */
import { lazy, Suspense, useEffect, useState } from 'react';
import { useStore } from 'zustand';
import type { VersionInfo } from '../../../../shared/history';
import { call, tryCall, useNotices } from '../../api/client';
import { newPipelineProblem, save, useSession } from '../../session';
import { useHistory } from './history-store';
import { openVersion } from './open-run';
import { fmtTime } from './format';

const TextDiff = lazy(() => import('./TextDiff'));

export function VersionsPanel({ project }: { project: string }) {
  const pipelines = useStore(useSession, (s) => s.pipelines);
  const openName = useSession.getState().store.getState().doc.metadata.name;
  const chosen = useHistory((s) => s.versionsOf) ?? (pipelines.some((p) => p.name === openName) ? openName : pipelines[0]?.name ?? null);
  const [versions, setVersions] = useState<VersionInfo[] | null>(null);
  const [pair, setPair] = useState<string[]>([]);
  const [texts, setTexts] = useState<{ a: string; b: string } | null>(null);
  const [name, setName] = useState('');
  const [reload, setReload] = useState(0);

  // The list's version counts are as of the project's opening: saves since add versions.
  useEffect(() => void refreshPipelines(project), [project]);
  useEffect(() => {
    if (!chosen) return;
    let live = true;
    setVersions(null);
    setPair([]);
    void tryCall('history.versions', { project, pipeline: chosen }, `could not list the versions of ${chosen}`).then((r) => live && r && setVersions(r.versions));
    return () => {
      live = false;
    };
  }, [project, chosen, reload]);

  useEffect(() => {
    setTexts(null);
    if (pair.length !== 2) return;
    let live = true;
    // older on the left
    const [x, y] = [...pair].sort((p, q) => Number(p) - Number(q));
    void Promise.all([tryCall('history.version', { project, id: x }), tryCall('history.version', { project, id: y })]).then(([a, b]) => live && a && b && setTexts({ a: a.version.text, b: b.version.text }));
    return () => {
      live = false;
    };
  }, [project, pair]);

  const problem = name ? newPipelineProblem(name) : null;
  const rename = async () => {
    if (!chosen || !name || problem) return;
    const r = await tryCall('pipeline.rename', { project, from: chosen, to: name }, `could not rename ${chosen}`);
    if (!r) return;
    const { store } = useSession.getState();
    // The open document is that pipeline: its next version is filed under the new name.
    if (store.getState().doc.metadata.name === chosen) {
      store.getState().edit(null, (d) => ({ ...d, metadata: { ...d.metadata, name: r.name } }));
      await save(false);
    }
    await refreshPipelines(project);
    useHistory.setState({ versionsOf: r.name });
    setName('');
  };
  const saveAs = async () => {
    if (!name || problem) return;
    const { store } = useSession.getState();
    store.getState().edit(null, (d) => ({ ...d, metadata: { ...d.metadata, name } }));
    if (await save(true)) {
      await refreshPipelines(project);
      useHistory.setState({ versionsOf: name });
      setName('');
    }
  };

  return (
    <div className="pw-versions" data-testid="versions">
      <div className="pw-runs-bar">
        <label className="small pw-muted">Pipeline</label>
        <select className="pw-input" value={chosen ?? ''} onChange={(e) => useHistory.setState({ versionsOf: e.target.value })} data-testid="versions-pipeline">
          {pipelines.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name} ({p.versions})
            </option>
          ))}
        </select>
        <input className="pw-input" placeholder="new name" value={name} onChange={(e) => setName(e.target.value.trim())} data-testid="versions-name" />
        <button disabled={!name || !!problem || !chosen} onClick={() => void rename()} title={`Rename ${chosen ?? ''} (its versions and runs go with it)`} data-testid="versions-rename">
          Rename
        </button>
        <button disabled={!name || !!problem} onClick={() => void saveAs()} title={`Save the open pipeline (${openName}) as a new pipeline`} data-testid="versions-save-as">
          Save open as…
        </button>
        {problem && <span className="pw-error small">{problem}</span>}
      </div>
      {!versions ? (
        <p className="pw-muted">{chosen ? 'Loading versions…' : 'No pipeline saved in this project yet.'}</p>
      ) : (
        <table className="pw-cmp pw-versions-table" data-testid="versions-table">
          <thead>
            <tr>
              <th title="tick two to diff">diff</th>
              <th>version</th>
              <th>saved</th>
              <th>hash</th>
              <th>runs</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {versions.map((v, i) => (
              <tr key={v.id} data-testid={`version-${v.id}`}>
                <td>
                  <input
                    type="checkbox"
                    checked={pair.includes(v.id)}
                    onChange={() => setPair((p) => (p.includes(v.id) ? p.filter((x) => x !== v.id) : [...p, v.id].slice(-2)))}
                    data-testid={`version-pick-${v.id}`}
                    aria-label={`diff version ${v.id}`}
                  />
                </td>
                <td>
                  #{v.id}
                  {i === 0 ? <span className="pw-muted small"> newest</span> : ''}
                </td>
                <td>{fmtTime(v.createdAt)}</td>
                <td>
                  <code>{v.hash.slice(0, 12)}</code>
                </td>
                <td className="small">
                  {v.runs.length === 0
                    ? '—'
                    : v.runs.slice(0, 6).map((r) => (
                        <button key={r} className="pw-link" onClick={() => useHistory.setState({ view: 'runs', detail: r })}>
                          {r}
                        </button>
                      ))}
                  {v.runs.length > 6 ? ' …' : ''}
                </td>
                <td className="pw-nowrap">
                  <button onClick={() => void openVersion(v.id, false)} data-testid={`version-open-${v.id}`} title="Open this version in the editor">
                    Open
                  </button>{' '}
                  <button
                    onClick={async () => {
                      if (await openVersion(v.id, true)) setReload((x) => x + 1);
                    }}
                    data-testid={`version-restore-${v.id}`}
                    title="Make this version the pipeline's current one and open it"
                  >
                    Restore
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pair.length === 2 && (
        <>
          <h3>
            Version #{[...pair].sort((p, q) => Number(p) - Number(q))[0]} → #{[...pair].sort((p, q) => Number(p) - Number(q))[1]}
          </h3>
          {texts ? (
            <Suspense fallback={<p className="pw-muted">Loading the diff editor…</p>}>
              <TextDiff a={texts.a} b={texts.b} />
            </Suspense>
          ) : (
            <p className="pw-muted">Loading…</p>
          )}
        </>
      )}
      {pair.length < 2 && versions && versions.length > 1 && <p className="pw-muted small">Tick two versions to see what changed between them.</p>}
    </div>
  );
}

async function refreshPipelines(project: string): Promise<void> {
  try {
    const info = await call('project.open', { path: project });
    useSession.setState({ pipelines: info.pipelines });
  } catch (e) {
    useNotices.getState().push('warn', `could not list the pipelines: ${(e as Error).message}`);
  }
}
