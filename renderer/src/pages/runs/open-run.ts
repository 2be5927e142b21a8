/** Opening a recorded run in the editor as it ran, and re-running it exactly (issue 14). */
import { call, tryCall, useNotices } from '../../api/client';
import { openText, replayRun, settleUnsaved, startRun, useSession } from '../../session';
import { useUi } from '../../ui-store';
import { useHistory } from './history-store';

export function currentProjectPath(): string | null {
  return useSession.getState().projectPath;
}

/**
 * Draws run `runId` on the canvas: its pipeline version (not the latest), its node states,
 * metrics and results. Unsaved work is saved (or the user is asked) first.
 */
export async function openRunOnCanvas(runId: string): Promise<boolean> {
  const project = currentProjectPath();
  if (!project) return false;
  const r = await tryCall('history.show', { project, runId }, `could not open run ${runId}`);
  if (!r) return false;
  if (r.text === null) {
    useNotices.getState().push('warn', `run ${runId} recorded no pipeline version: it cannot be drawn as it ran`);
    return false;
  }
  if (!(await settleUnsaved())) return false;
  await openText(r.text, { filePath: null, projectPath: project });
  useSession.setState({ lastVersion: r.show.pipelineVersion ? String(r.show.pipelineVersion.id) : null });
  await replayRun(project, runId);
  const { store } = useSession.getState();
  useHistory.setState({
    opened: {
      runId,
      pipeline: r.show.run.pipeline,
      version: r.show.pipelineVersion?.hash.slice(0, 8) ?? '',
      text: r.text,
      params: r.show.params,
      baseDir: typeof r.show.options.baseDir === 'string' ? r.show.options.baseDir : undefined,
      revision: store.getState().revision,
    },
  });
  useUi.getState().setPage('editor');
  return true;
}

/** The same version with the same params, started from the editor (the run is followed there). */
export async function rerunExactly(runId: string): Promise<string | null> {
  let opened = useHistory.getState().opened;
  if (opened?.runId !== runId) {
    if (!(await openRunOnCanvas(runId))) return null;
    opened = useHistory.getState().opened;
  }
  if (!opened) return null;
  const id = await startRun({ exact: { text: opened.text, params: opened.params, baseDir: opened.baseDir } });
  if (id) useHistory.setState({ opened: null, table: null });
  return id;
}

/** Opens a stored pipeline version in the editor; `restore` also saves it as the newest version. */
export async function openVersion(versionId: string, restore: boolean): Promise<boolean> {
  const project = currentProjectPath();
  if (!project) return false;
  const r = await tryCall('history.version', { project, id: versionId }, `could not read version ${versionId}`);
  if (!r || !(await settleUnsaved())) return false;
  await openText(r.version.text, { filePath: null, projectPath: project });
  useHistory.setState({ opened: null });
  if (restore) {
    // Stored again as the newest version: what a later Run or save builds on.
    try {
      const saved = await call('pipeline.save', { project, text: r.version.text });
      useSession.setState({ lastVersion: saved.version.id, saveState: 'saved' });
      useNotices.getState().push('info', `Restored version ${r.version.hash.slice(0, 8)} of "${r.version.pipeline}"`);
    } catch (e) {
      useNotices.getState().push('error', `could not restore: ${(e as Error).message}`);
      return false;
    }
  } else useSession.setState({ lastVersion: r.version.id });
  useUi.getState().setPage('editor');
  return true;
}
