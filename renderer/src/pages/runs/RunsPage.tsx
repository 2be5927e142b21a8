/**
 * The Runs page (issue 14): every run in a virtualised table; 2–10 ticked runs compared; lineage
 * from any output back to the data files; a pipeline's versions diffed and restored; retention.
 */
import { lazy, Suspense, useEffect, useLayoutEffect } from 'react';
import { useStore } from 'zustand';
import { useSession } from '../../session';
import { onEvent, tryCall } from '../../api/client';
import { useEditor } from '../../store/context';
import { useHistory, type HistoryView } from './history-store';
import { RunsTableView } from './RunsTable';

// The table paints first; the other views (charts, graphs, Monaco) load when opened.
const ComparePanel = lazy(() => import('./ComparePanel').then((m) => ({ default: m.ComparePanel })));
const LineagePanel = lazy(() => import('./LineagePanel').then((m) => ({ default: m.LineagePanel })));
const VersionsPanel = lazy(() => import('./VersionsPanel').then((m) => ({ default: m.VersionsPanel })));
const RetentionPanel = lazy(() => import('./RetentionPanel').then((m) => ({ default: m.RetentionPanel })));
import './runs.css';

performance.mark('pw:runs-module');

const VIEWS: { id: HistoryView; title: string }[] = [
  { id: 'runs', title: 'Runs' },
  { id: 'compare', title: 'Compare' },
  { id: 'lineage', title: 'Lineage' },
  { id: 'versions', title: 'Versions' },
  { id: 'retention', title: 'Retention' },
];

/** What the first paint asks for: a screenful and more, before every run arrives. */
const FIRST_PAGE = 200;
let loadSeq = 0;

/**
 * Loads the runs of the open project (again after a run finishes or gc): the newest first, for a
 * quick first paint, then all of them, which sorting and filtering work on.
 */
export async function loadRuns(project: string): Promise<void> {
  const seq = ++loadSeq;
  useHistory.setState({ loading: true, error: null });
  // (marks for the Runs page benchmark: where the first paint's time goes)
  performance.mark('pw:runs-fetch');
  const first = await tryCall('history.runs', { project, limit: FIRST_PAGE }, 'could not list the runs');
  performance.mark('pw:runs-data');
  if (seq !== loadSeq) return;
  if (!first) return useHistory.setState({ loading: false, error: 'could not list the runs' });
  useHistory.setState({ table: first, tableProject: project, loading: first.all > first.total });
  if (first.all <= first.total) return;
  const table = await tryCall('history.runs', { project }, 'could not list the runs');
  if (seq !== loadSeq || !table) return;
  useHistory.setState({ loading: false, table, tableProject: project });
}

export default function RunsPage() {
  const project = useStore(useSession, (s) => s.projectPath);
  const view = useHistory((s) => s.view);
  const table = useHistory((s) => s.table);
  const tableProject = useHistory((s) => s.tableProject);
  const picked = useHistory((s) => s.picked);
  const lastRun = useEditor((s) => s.run?.status);

  // A layout effect: the runs are asked for before the "Loading runs…" frame is painted, not after.
  useLayoutEffect(() => {
    if (project && (tableProject !== project || !table)) void loadRuns(project);
  }, [project, table, tableProject]);
  useEffect(() => {
    if (project && lastRun && lastRun !== 'running') void loadRuns(project);
  }, [lastRun, project]);
  // a run a trigger started (this app's watcher) began or ended
  useEffect(() => onEvent('triggers.changed', (e) => project === e.project && e.runId !== null && void loadRuns(project)), [project]);

  if (!project) return <div className="pw-runs-empty">Open or create a project (top bar): runs are recorded in it.</div>;
  return (
    <div className="pw-history" data-testid="history">
      <nav className="pw-history-tabs">
        {VIEWS.map((v) => (
          <button key={v.id} className={view === v.id ? 'active' : ''} onClick={() => useHistory.getState().setView(v.id)} data-testid={`history-tab-${v.id}`}>
            {v.title}
            {v.id === 'compare' && picked.length > 0 ? ` (${picked.length})` : ''}
          </button>
        ))}
      </nav>
      <div className="pw-history-body">
        {view === 'runs' && <RunsTableView project={project} />}
        <Suspense fallback={<div className="pw-runs-empty">Loading…</div>}>
          {view === 'compare' && <ComparePanel project={project} />}
          {view === 'lineage' && <LineagePanel project={project} />}
          {view === 'versions' && <VersionsPanel project={project} />}
          {view === 'retention' && <RetentionPanel project={project} />}
        </Suspense>
      </div>
    </div>
  );
}
