import { useRef, useState } from 'react';
import { ExportMenu } from './ExportMenu';
import { MiddleEllipsis } from './MiddleEllipsis';
import { useDismiss } from './use-dismiss';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { useEditor } from '../store/context';
import { useSession, openProject, openPath, openText, save, startRun, cancelRun, newPipeline, newPipelineProblem, openSavedPipeline, settleUnsaved } from '../session';
import { layoutAll, fitView } from '../commands';
import { useUi } from '../ui-store';
import { basename } from '../util/paths';
import { pages } from '../pages/registry';
import { useGallery } from '../files/Gallery';

export function Toolbar() {
  const s = useStore(
    useSession,
    useShallow((st) => ({ projectPath: st.projectPath, saveState: st.saveState, recent: st.recent, info: st.info, pipelines: st.pipelines, lastVersion: st.lastVersion })),
  );
  // Only the name: the toolbar must not re-render on every frame of a drag.
  const pipelineName = useEditor((st) => st.doc.metadata.name);
  const canUndo = useEditor((st) => st.history.past.length > 0);
  const canRedo = useEditor((st) => st.history.future.length > 0);
  const run = useEditor((st) => st.run);
  const undo = useEditor((st) => st.undo);
  const redo = useEditor((st) => st.redo);
  const ui = useUi();
  const [projectField, setProjectField] = useState('');
  const [showProject, setShowProject] = useState(false);
  const [showNew, setShowNew] = useState(false);
  const [newName, setNewName] = useState('');
  const fileInput = useRef<HTMLInputElement>(null);
  const projectBox = useRef<HTMLDivElement>(null);
  const newBox = useRef<HTMLDivElement>(null);
  useDismiss(showProject, projectBox, () => setShowProject(false));
  useDismiss(showNew, newBox, () => setShowNew(false));
  const newProblem = newName ? newPipelineProblem(newName) : null;
  const createNew = async () => {
    if (newName && !newProblem && (await newPipeline(newName))) {
      setShowNew(false);
      setNewName('');
    }
  };
  const running = run?.status === 'running';

  return (
    <header className="pw-toolbar">
      <div className="pw-brand" title={s.info?.version ? `Pipewright v${s.info.version}` : 'Pipewright'}>
        <span className="pw-brand-full">Pipewright</span>
        <span className="pw-brand-short" aria-hidden>
          Pw
        </span>
      </div>
      {pages.length > 0 && (
        <nav className="pw-page-tabs" data-testid="page-tabs">
          {[{ id: 'editor', title: 'Editor', badge: undefined }, ...pages].map((p) => (
            <button key={p.id} className={ui.page === p.id ? 'active' : ''} aria-pressed={ui.page === p.id} onClick={() => ui.setPage(p.id)} data-testid={`page-tab-${p.id}`}>
              {p.title}
              {p.badge && <p.badge />}
            </button>
          ))}
        </nav>
      )}
      <div className="pw-project" data-testid="project-bar" ref={projectBox}>
        <button onClick={() => setShowProject((v) => !v)} data-testid="project-button" title={s.projectPath ? `Project: ${s.projectPath}` : 'no project'}>
          <MiddleEllipsis text={s.projectPath ? basename(s.projectPath) : 'No project'} />
        </button>
        <span className="pw-doc-name" data-testid="pipeline-name" title={pipelineName}>
          <MiddleEllipsis text={pipelineName} />
        </span>
        <span
          className={`pw-save-state ${s.saveState}`}
          data-testid="save-state"
          title={
            s.saveState === 'saved'
              ? s.lastVersion && s.projectPath
                ? `saved as version ${s.lastVersion} of "${pipelineName}" in ${basename(s.projectPath)}`
                : 'as opened: nothing changed since'
              : s.projectPath
                ? 'changes not in the project yet'
                : 'not saved: open or create a project to keep versions'
          }
        >
          {s.saveState === 'saved' ? 'saved' : s.saveState === 'saving' ? 'saving…' : s.saveState === 'dirty' ? (s.projectPath ? 'edited' : 'not saved') : 'not saved'}
        </span>
        {showProject && (
          <div className="pw-popover" data-testid="project-popover">
            <label>Project file (.pwproj)</label>
            <input
              className="pw-input"
              value={projectField}
              placeholder="/path/to/project.pwproj"
              onChange={(e) => setProjectField(e.target.value)}
              data-testid="project-path-input"
            />
            <div className="row">
              <button onClick={async () => (await openProject(projectField, false)) && setShowProject(false)} data-testid="project-open">
                Open
              </button>
              <button onClick={async () => (await openProject(projectField, true)) && setShowProject(false)} data-testid="project-create">
                Create
              </button>
            </div>
            <label>Open a pipeline file by path</label>
            <div className="row">
              <input className="pw-input" id="pw-open-path" placeholder="/path/to/x.pipeline.yaml" data-testid="open-path-input" />
              <button
                data-testid="open-path"
                onClick={async () => {
                  const v = (document.getElementById('pw-open-path') as HTMLInputElement).value;
                  if (v) {
                    await openPath(v);
                    setShowProject(false);
                  }
                }}
              >
                Open
              </button>
            </div>
            {s.pipelines.length > 0 && (
              <>
                <label>Pipelines in this project</label>
                <ul className="pw-recent" data-testid="project-pipelines">
                  {s.pipelines.map((p) => (
                    <li key={p.name}>
                      <button className="pw-link" data-testid={`open-pipeline-${p.name}`} onClick={async () => (await openSavedPipeline(p.name)) && setShowProject(false)}>
                        {p.name}
                      </button>{' '}
                      <span className="pw-muted small">
                        {p.versions} version{p.versions === 1 ? '' : 's'} · {new Date(p.updatedAt).toLocaleString()}
                      </span>
                    </li>
                  ))}
                </ul>
              </>
            )}
            {s.recent.length > 0 && (
              <>
                <label>Recent</label>
                <ul className="pw-recent">
                  {s.recent.map((p) => (
                    <li key={p}>
                      <button className="pw-link" onClick={async () => (await openProject(p, false)) && setShowProject(false)}>
                        {p}
                      </button>
                    </li>
                  ))}
                </ul>
              </>
            )}
            <button
              className="pw-link"
              data-testid="project-examples"
              onClick={() => {
                setShowProject(false);
                ui.setPage('editor');
                useGallery.getState().show();
              }}
            >
              Examples…
            </button>
          </div>
        )}
      </div>
      <div className="pw-group">
        <div className="pw-anchor" ref={newBox}>
          <button onClick={() => setShowNew((v) => !v)} title="New empty pipeline" data-testid="new-pipeline">
            New
          </button>
          {showNew && (
            <div className="pw-popover" data-testid="new-popover">
              <label htmlFor="pw-new-name">Name of the new pipeline</label>
              <div className="row">
                <input
                  id="pw-new-name"
                  className="pw-input"
                  autoFocus
                  value={newName}
                  placeholder="my-pipeline"
                  onChange={(e) => setNewName(e.target.value.trim())}
                  onKeyDown={(e) => e.key === 'Enter' && void createNew()}
                  data-testid="new-name-input"
                />
                <button className="primary" disabled={!newName || !!newProblem} onClick={() => void createNew()} data-testid="new-create">
                  Create
                </button>
              </div>
              {newProblem && <div className="pw-error" data-testid="new-name-problem">{newProblem}</div>}
              <button
                className="pw-link"
                data-testid="examples"
                onClick={() => {
                  setShowNew(false);
                  ui.setPage('editor');
                  useGallery.getState().show();
                }}
              >
                or start from an example…
              </button>
            </div>
          )}
        </div>
        <button onClick={() => fileInput.current?.click()} title="Import a .pipeline.yaml" data-testid="import">
          Import
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".yaml,.yml"
          hidden
          data-testid="import-input"
          onChange={async (e) => {
            const f = e.target.files?.[0];
            if (f && (await settleUnsaved())) await openText(await f.text(), { filePath: null });
            e.target.value = '';
          }}
        />
        <ExportMenu />
        <button onClick={() => save(true)} title="Save a version (Ctrl+S)" data-testid="save">
          Save
        </button>
      </div>
      {/* canvas tools mean nothing on the Runs, Models, … pages: hidden there, so the bar stays one line */}
      <div className="pw-group" hidden={ui.page !== 'editor'}>
        <button onClick={undo} disabled={!canUndo} title="Undo (Ctrl+Z)" data-testid="undo">
          ↶
        </button>
        <button onClick={redo} disabled={!canRedo} title="Redo (Shift+Ctrl+Z)" data-testid="redo">
          ↷
        </button>
        <button onClick={() => layoutAll()} title="Auto-layout" data-testid="auto-layout">
          Layout
        </button>
        <button onClick={fitView} title="Fit view" data-testid="fit-view">
          Fit
        </button>
      </div>
      <div className="pw-group">
        <button className="primary" onClick={() => startRun()} disabled={running} data-testid="run-all">
          ▶ Run all
        </button>
        <button onClick={cancelRun} disabled={!running} data-testid="cancel-run" title="Cancel the run">
          ■<span className="pw-wide-only"> Cancel</span>
        </button>
        {run && (
          <span className={`pw-run-status st-${run.status}`} data-testid="run-status" data-run-id={run.id} title={run.error}>
            {run.status}
          </span>
        )}
        {run?.error && (
          <span className="pw-run-error" data-testid="run-error" title={run.error}>
            {run.error}
          </span>
        )}
      </div>
      <div className="pw-group right">
        <button hidden={ui.page !== 'editor'} className={ui.yamlOpen ? 'on' : ''} onClick={() => ui.setYamlOpen(!ui.yamlOpen)} data-testid="toggle-yaml">
          YAML
        </button>
        <button hidden={ui.page !== 'editor'} className={ui.logOpen ? 'on' : ''} onClick={() => ui.setLogOpen(!ui.logOpen)} data-testid="toggle-log">
          Log
        </button>
      </div>
    </header>
  );
}
