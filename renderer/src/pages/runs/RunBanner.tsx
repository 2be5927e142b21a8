/** Over the canvas while a recorded run is drawn on it: which run, and that edits make a new version. */
import { useEditor } from '../../store/context';
import { useUi } from '../../ui-store';
import { useHistory } from './history-store';
import { rerunExactly } from './open-run';

export function RunBanner() {
  const opened = useHistory((s) => s.opened);
  const revision = useEditor((s) => s.revision);
  const name = useEditor((s) => s.doc.metadata.name);
  const runId = useEditor((s) => s.run?.id);
  if (!opened || name !== opened.pipeline || (runId && runId !== opened.runId)) return null;
  const edited = revision !== opened.revision;
  return (
    <div className="pw-run-banner" role="status" data-testid="run-banner" data-run={opened.runId}>
      <span>
        Viewing <b>run {opened.runId}</b> as it ran · version <code>{opened.version}</code>
        {edited ? ' · edited since: results are stale, and the next save is a new version' : ' · read it as recorded; an edit starts a new version'}
      </span>
      <button className="primary" onClick={() => void rerunExactly(opened.runId)} data-testid="run-banner-rerun" title="The same version with the same params">
        Re-run exactly
      </button>
      <button
        onClick={() => {
          useHistory.setState({ view: 'runs', detail: opened.runId });
          useUi.getState().setPage('runs');
        }}
        data-testid="run-banner-back"
      >
        Back to runs
      </button>
      <button className="pw-link" onClick={() => useHistory.setState({ opened: null })} aria-label="dismiss" data-testid="run-banner-close">
        ✕
      </button>
    </div>
  );
}
