/**
 * The open pipeline and project: opening, saving (every save is a pipeline version), autosave
 * within a second, the localStorage crash net, and running. React components read `useSession`;
 * the document itself lives in the per-pipeline editor store.
 */
import { create } from 'zustand';
import { emptyPipeline, type Issue, type Pipeline } from '../../shared/pipeline/model';
import { serializePipeline } from '../../shared/pipeline/serialize';
import type { AppInfo } from '../../shared/api/contract';
import type { RunEvent } from '../../shared/run';
import { ApiUnavailable, call, onEvent, tryCall, useNotices } from './api/client';
import { createEditorStore, type EditorStore } from './store/editor-store';
import { basename, defaultProjectFor, dirname } from './util/paths';
import { useCatalog } from './catalog-store';
import { validateText } from './local-validate';
import { useUi } from './ui-store';
import { nodeSignatures } from './doc/signature';
import type { AppCommand } from '../../shared/api/contract';
import type { NodeSchema } from '../../shared/catalog';

export interface SessionState {
  store: EditorStore;
  /** the .pipeline.yaml this came from, when opened by path */
  filePath: string | null;
  projectPath: string | null;
  info: AppInfo | null;
  recent: string[];
  /** validation problems of the current document, by place */
  issues: Issue[];
  /** the last canonical text of the document (what the YAML view shows when not being edited) */
  text: string;
  saveState: 'saved' | 'dirty' | 'saving' | 'error';
  lastVersion: string | null;
  /** the pipelines saved in the open project (each one's latest version can be opened again) */
  pipelines: { name: string; versions: number; updatedAt: string }[];
  /** what each node's outputs will carry, inferred without running (pickers before a run) */
  schemas: Record<string, NodeSchema>;
  ready: boolean;
}

export const useSession = create<SessionState>(() => ({
  store: createEditorStore(emptyPipeline('untitled')),
  filePath: null,
  projectPath: null,
  info: null,
  recent: [],
  issues: [],
  text: '',
  saveState: 'saved',
  lastVersion: null,
  pipelines: [],
  schemas: {},
  ready: false,
}));

const DRAFT_KEY = 'pipewright.draft.v1';
const PROJECT_KEY = 'pipewright.project';
/** the last run started here, so a reload shows its results (node states, metrics, sweep trials) again */
const LAST_RUN_KEY = 'pipewright.lastRun';

interface Draft {
  v: 1;
  projectPath: string | null;
  filePath: string | null;
  doc: Pipeline;
  savedAt: number;
}

let unsubscribeStore: (() => void) | null = null;

/** Bumped whenever another document is opened: answers still on their way for the one before are not applied to it. */
let docGeneration = 0;

/** The pipeline notices are about: its project and its name as it was opened (a rename keeps its notices). */
function noticeScope(): string | null {
  return useNotices.getState().scope;
}

/**
 * A notice about the open document; `scope` (taken before an await) files it under the pipeline it
 * is about when another was opened since: shown again once that one is open. `topic`: a later
 * success of the same kind settles it.
 */
function notice(level: 'error' | 'warn' | 'info', text: string, scope = noticeScope(), topic?: string) {
  useNotices.getState().push(level, text, { scope, topic });
}

/** Makes `doc` the open pipeline (never an undo step). */
export function openDocument(doc: Pipeline, opts: { filePath?: string | null; projectPath?: string | null } = {}): void {
  const s = useSession.getState();
  const store = s.store;
  store.getState().clearRun();
  store.getState().load(doc);
  // Notices were about the pipeline that was open (its run, its save): they wait for it, and the
  // answers still on their way for it are not about this one.
  docGeneration++;
  const project = opts.projectPath === undefined ? s.projectPath : opts.projectPath;
  const filePath = opts.filePath === undefined ? s.filePath : opts.filePath;
  useNotices.getState().setScope(`${project ?? filePath ?? ''}|${doc.metadata.name}`);
  useSession.setState({
    filePath,
    projectPath: project,
    issues: [],
    schemas: {},
    saveState: 'saved',
  });
  if (opts.projectPath) localStorage.setItem(PROJECT_KEY, opts.projectPath);
}

/** Parses and validates text (here: local-validate.ts); loads it when it is a pipeline at all. Returns the problems found. */
export async function openText(text: string, opts: { filePath?: string | null; projectPath?: string | null } = {}): Promise<Issue[] | null> {
  performance.mark('pw:read');
  let r;
  try {
    r = await validateText(text);
  } catch (e) {
    notice(e instanceof ApiUnavailable ? 'warn' : 'error', `could not read the pipeline: ${(e as Error).message}`);
    return null;
  }
  performance.mark('pw:validated');
  if (!r.pipeline) {
    notice('error', `not a pipeline: ${r.errors.map((e) => `${e.place}: ${e.message}`).join('; ')}`);
    return r.errors;
  }
  // The file's own text and problems are already known: no need to derive them again.
  skipNextDerive = true;
  openDocument(r.pipeline, opts);
  performance.mark('pw:loaded');
  useSession.setState({ issues: r.errors, text });
  void refreshSchemas(text, useSession.getState().store.getState().revision);
  return r.errors;
}

export async function openPath(path: string): Promise<void> {
  performance.mark('pw:open');
  const r = await tryCall('file.read', { path }, `could not open ${path}`);
  if (!r) return;
  if (!(await settleUnsaved())) return;
  const s = useSession.getState();
  const project = s.projectPath ?? defaultProjectFor(r.path);
  await openText(r.text, { filePath: r.path, projectPath: project });
  const scope = noticeScope();
  // Edits made here were saved as versions in the project, not into the file: say so, and where.
  const name = useSession.getState().store.getState().doc.metadata.name;
  try {
    const latest = (await call('pipeline.latest', { project, pipeline: name })).version;
    if (latest && latest.text !== r.text)
      notice('info', `This project also has a saved version of "${name}" that differs from the file (${new Date(latest.createdAt).toLocaleString()}): open it from Project ▸ Pipelines.`, scope);
  } catch {
    // A project that does not exist yet has no versions.
  }
}

/** Opens the latest saved version of one of the project's pipelines. */
export async function openSavedPipeline(name: string): Promise<boolean> {
  const project = currentProject();
  if (!project) return false;
  const latest = await tryCall('pipeline.latest', { project, pipeline: name }, `could not open ${name}`);
  if (!latest?.version) return false;
  if (!(await settleUnsaved())) return false;
  await openText(latest.version.text, { filePath: null, projectPath: project });
  useSession.setState({ lastVersion: latest.version.id });
  return true;
}

/**
 * Before the open document is replaced: work not yet in the project is saved first; when it
 * cannot be (no project, a failing save) the user is asked. Returns false to stay.
 */
export async function settleUnsaved(): Promise<boolean> {
  const s = useSession.getState();
  const doc = s.store.getState().doc;
  if (s.saveState === 'saved' || doc.nodes.length === 0) return true;
  if (saveTimer) {
    clearTimeout(saveTimer);
    saveTimer = null;
  }
  if (currentProject() && (await save(false))) return true;
  return confirm(`"${doc.metadata.name}" has changes that are not saved in a project. Discard them?`);
}

export async function openProject(path: string, create: boolean, quiet = false): Promise<boolean> {
  let info;
  if (quiet) {
    try {
      info = await call('project.open', { path, create });
    } catch {
      return false;
    }
  } else info = await tryCall('project.open', { path, create }, create ? 'could not create the project' : 'could not open the project');
  if (!info) return false;
  if (!(await settleUnsaved())) return false;
  useSession.setState({ projectPath: info.path, pipelines: info.pipelines });
  localStorage.setItem(PROJECT_KEY, info.path);
  const latest = await tryCall('pipeline.latest', { project: info.path }, 'could not read the project');
  if (latest?.version) {
    await openText(latest.version.text, { projectPath: info.path, filePath: null });
    useSession.setState({ lastVersion: latest.version.id });
  } else {
    openDocument(emptyPipeline(slug(info.name) || 'untitled'), { projectPath: info.path, filePath: null });
  }
  void refreshRecent();
  return true;
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/\.pwproj$/, '')
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

async function refreshPipelines(): Promise<void> {
  const project = currentProject();
  if (!project) return;
  try {
    const info = await call('project.open', { path: project });
    if (currentProject() === info.path) useSession.setState({ pipelines: info.pipelines });
  } catch {
    // The list is a convenience; the versions are saved either way.
  }
}

export async function refreshRecent(): Promise<void> {
  try {
    const r = await call('project.recent', {});
    useSession.setState({ recent: r.paths });
  } catch {
    // Recent projects are a convenience: a server without the project store simply has none.
  }
}

/** The document's canonical text, written here (shared/pipeline is pure): main is called to save and run only. */
export async function serialize(doc: Pipeline): Promise<string | null> {
  try {
    return serializePipeline(doc);
  } catch (e) {
    notice('error', `could not write the pipeline: ${(e as Error).message}`);
    return null;
  }
}

/** Ctrl+S: a new pipeline version in the project. */
export async function save(explicit = true): Promise<boolean> {
  const s = useSession.getState();
  let project = s.projectPath;
  if (!project && s.filePath) project = defaultProjectFor(s.filePath);
  if (!project) {
    if (explicit) notice('warn', 'Open or create a project (top bar) to save versions; the draft is kept in this browser meanwhile.');
    return false;
  }
  const revision = s.store.getState().revision;
  const scope = noticeScope();
  const text = await serialize(s.store.getState().doc);
  if (text === null) return false;
  useSession.setState({ saveState: 'saving' });
  try {
    const r = await call('pipeline.save', { project, text });
    const still = useSession.getState().store.getState().revision === revision;
    useSession.setState({ saveState: still ? 'saved' : 'dirty', lastVersion: r.version.id, projectPath: project });
    if (r.created) void refreshPipelines();
    useNotices.getState().settle('save', scope);
    if (explicit) notice('info', r.created ? `Saved version ${r.version.id.slice(0, 8)}` : 'No changes since the last version', scope);
    return true;
  } catch (e) {
    useSession.setState({ saveState: 'error' });
    if (explicit) notice('error', `save failed: ${(e as Error).message}`, scope, 'save');
    else notice('warn', `autosave failed: ${(e as Error).message}`, scope, 'save');
    return false;
  }
}

// ---- autosave, draft, YAML text and validation follow the document ----

let saveTimer: ReturnType<typeof setTimeout> | null = null;
let draftTimer: ReturnType<typeof setTimeout> | null = null;
let deriveTimer: ReturnType<typeof setTimeout> | null = null;

export const AUTOSAVE_MS = 800;

function writeDraft(): void {
  const s = useSession.getState();
  const draft: Draft = { v: 1, projectPath: s.projectPath, filePath: s.filePath, doc: s.store.getState().doc, savedAt: Date.now() };
  try {
    localStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
  } catch {
    // Quota exceeded: the server-side autosave is still there.
  }
}

export function flushDraft(): void {
  if (draftTimer) {
    clearTimeout(draftTimer);
    draftTimer = null;
    writeDraft();
  }
}

function readDraft(): Draft | null {
  try {
    const raw = localStorage.getItem(DRAFT_KEY);
    if (!raw) return null;
    const d = JSON.parse(raw) as Draft;
    return d && d.v === 1 && d.doc && Array.isArray(d.doc.nodes) ? d : null;
  } catch {
    return null;
  }
}

/** Re-serialises and re-validates the document: the YAML view and the inspector's inline errors. */
async function refreshDerived(): Promise<void> {
  const { store, filePath } = useSession.getState();
  const revision = store.getState().revision;
  const text = await serialize(store.getState().doc);
  if (text === null || store.getState().revision !== revision) return;
  useSession.setState({ text });
  try {
    const v = await validateText(text, filePath ? basename(filePath) : undefined);
    if (store.getState().revision === revision) useSession.setState({ issues: v.errors });
  } catch {
    // Validation is advisory here; a failure to reach main already shows as a notice elsewhere.
  }
  await refreshSchemas(text, revision);
}

/** The folder relative data paths resolve against: the pipeline file's, else the project's. */
export function baseDirOf(s: SessionState): string | undefined {
  if (s.filePath) return dirname(s.filePath);
  return s.projectPath ? dirname(s.projectPath) : undefined;
}

/** Columns and metric names of every node's outputs, from main (file headers, never rows). */
async function refreshSchemas(text: string, revision: number): Promise<void> {
  const s = useSession.getState();
  try {
    const r = await call('pipeline.schema', { text, baseDir: baseDirOf(s), ...(s.projectPath ? { project: s.projectPath } : {}) });
    if (s.store.getState().revision === revision) useSession.setState({ schemas: r.nodes });
  } catch {
    // An older server or a failed read: the pickers fall back to the last run's columns.
  }
}

let interacting = false;
let skipNextDerive = false;
let pendingWhileInteracting = false;

/**
 * While a node is being dragged nothing is serialised, saved or validated: that would send the
 * whole pipeline on every frame. The work happens once, when the drag ends.
 */
export function isInteracting(): boolean {
  return interacting;
}

export function setInteracting(on: boolean): void {
  interacting = on;
  if (!on && pendingWhileInteracting) {
    pendingWhileInteracting = false;
    onDocChanged();
  }
}

function onDocChanged(): void {
  if (interacting) {
    pendingWhileInteracting = true;
    return;
  }
  const s = useSession.getState();
  if (s.store.getState().lastSource !== 'load') {
    useSession.setState({ saveState: 'dirty' });
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      saveTimer = null;
      void save(false);
    }, AUTOSAVE_MS);
  }
  if (draftTimer) clearTimeout(draftTimer);
  // Both wait for a pause: during a drag they would serialise 1,000 nodes on every frame.
  // pagehide flushes the draft, so a reload still keeps the last edit.
  draftTimer = setTimeout(() => {
    draftTimer = null;
    writeDraft();
  }, 300);
  if (deriveTimer) clearTimeout(deriveTimer);
  if (skipNextDerive) {
    skipNextDerive = false;
    return;
  }
  deriveTimer = setTimeout(() => {
    deriveTimer = null;
    void refreshDerived();
  }, 350);
}

function attach(store: EditorStore): void {
  unsubscribeStore?.();
  let rev = store.getState().revision;
  unsubscribeStore = store.subscribe((st) => {
    if (st.revision !== rev) {
      rev = st.revision;
      onDocChanged();
    }
  });
}

// ---- running ----

function runTarget(): { project: string; baseDir?: string } | null {
  const s = useSession.getState();
  const project = s.projectPath ?? (s.filePath ? defaultProjectFor(s.filePath) : null);
  if (!project) {
    notice('warn', 'Open or create a project (top bar) before running: runs are recorded in it.');
    return null;
  }
  return { project, baseDir: baseDirOf(s) ?? dirname(project) };
}

/**
 * `exact`: re-runs a recorded run as it ran (issue 14): its version's text, its resolved params and
 * the folder it resolved data paths against, instead of the open document's.
 */
export async function startRun(
  opts: { upTo?: string; from?: string; noCache?: boolean; exact?: { text: string; params: Record<string, unknown>; baseDir?: string } } = {},
): Promise<string | null> {
  const where = runTarget();
  if (!where) return null;
  const target: { project: string; baseDir?: string; params?: Record<string, unknown> } = { ...where };
  const { store } = useSession.getState();
  const doc = store.getState().doc;
  const { exact, ...runOpts } = opts;
  const gen = docGeneration;
  const scope = noticeScope();
  const text = exact ? exact.text : await serialize(doc);
  if (text === null) return null;
  if (exact) {
    if (exact.baseDir) target.baseDir = exact.baseDir;
    target.params = exact.params;
  }
  // What each node's coming result is computed from: the result is stale once that changes.
  // Set before the call: the run's first events may arrive before its answer.
  store.setState({ runSigs: nodeSignatures(doc) });
  let r: { runId: string };
  try {
    r = await call('run.start', { ...target, text, ...runOpts });
  } catch (e) {
    const err = e as Error & { issues?: Issue[] };
    if (err.issues?.length) {
      // An invalid pipeline: the problems go where the user looks (nodes, inspector, YAML markers).
      if (gen === docGeneration) useSession.setState({ issues: err.issues });
      const head = err.issues.slice(0, 3).map((i) => `${i.place}: ${i.message}`).join('; ');
      notice('error', `could not start the run: ${head}${err.issues.length > 3 ? ` (and ${err.issues.length - 3} more)` : ''}`, scope, 'run');
    } else notice(e instanceof ApiUnavailable ? 'warn' : 'error', `could not start the run: ${err.message}`, scope, 'run');
    return null;
  }
  // A run of this pipeline started: why the last one could not is no longer news.
  useNotices.getState().settle('run', scope);
  store.getState().startRun(r.runId);
  // The whole log for a new run: a filter set on the last run's failed node is not about this one.
  if (useUi.getState().logFilter) useUi.setState({ logFilter: null });
  try {
    localStorage.setItem(LAST_RUN_KEY, JSON.stringify({ project: target.project, runId: r.runId }));
  } catch {
    // Only the reload convenience is lost.
  }
  return r.runId;
}

function currentProject(): string | null {
  const s = useSession.getState();
  return s.projectPath ?? (s.filePath ? defaultProjectFor(s.filePath) : null);
}

/**
 * What a finished run did not stream: a cached sweep's trials and a cached trainer's curves belong
 * to the execution it reused, so the project is asked for them.
 */
async function fetchRecorded(runId: string): Promise<void> {
  const project = currentProject();
  const { store } = useSession.getState();
  const st = store.getState();
  const { byType } = useCatalog.getState();
  const sweeps = st.doc.nodes.filter((n) => byType.get(n.type)?.capabilities?.sweep && st.nodeStates[n.id] && !st.trials[n.id]?.length);
  const cached = Object.entries(st.nodeStates)
    .filter(([id, n]) => n.cached && n.runId === runId && !st.series[id])
    .map(([id]) => id);
  if (!project) return;
  if (sweeps.length) {
    try {
      const r = await call('run.get', { project, runId });
      if (r.trials) store.getState().setTrials(runId, r.trials);
    } catch {
      // The trials table stays as the events left it.
    }
  }
  if (cached.length) {
    try {
      const r = await call('run.curves', { project, runId, nodes: cached });
      store.getState().setCurves(runId, r.curves);
    } catch {
      // An older server: the cached node shows its metrics without a curve.
    }
  }
}

/** After a reload: the last run started here, replayed from the project's record. */
async function restoreLastRun(): Promise<void> {
  const project = currentProject();
  let last: { project?: unknown; runId?: unknown } | null;
  try {
    last = JSON.parse(localStorage.getItem(LAST_RUN_KEY) ?? 'null') as { project?: unknown; runId?: unknown } | null;
  } catch {
    return;
  }
  if (!project || !last || last.project !== project || typeof last.runId !== 'string') return;
  await replayRun(project, last.runId, true);
}

/**
 * Draws a recorded run on the open document: node states, metrics, outputs, log, sweep trials and
 * curves, as the project recorded them. `ifIdle`: not over a run started meanwhile.
 */
export async function replayRun(project: string, runId: string, ifIdle = false): Promise<boolean> {
  let r;
  try {
    r = await call('run.get', { project, runId });
  } catch {
    return false;
  }
  const { store } = useSession.getState();
  // A run started since the reload wins over the replay.
  if (ifIdle && store.getState().run && store.getState().run?.id !== runId) return false;
  if (!ifIdle) store.getState().clearRun();
  // The draft is what was run (a reload keeps it): its signatures mark later edits as stale.
  store.setState({ runSigs: nodeSignatures(store.getState().doc) });
  store.getState().applyEvents(r.events);
  if (r.trials) store.getState().setTrials(runId, r.trials);
  void fetchRecorded(runId);
  return true;
}

/** The editor on a recorded run of a saved pipeline (the Models page's link to a version's run). */
export async function openRecordedRun(pipeline: string, runId: string): Promise<boolean> {
  const project = currentProject();
  if (!project) return false;
  if (!(await openSavedPipeline(pipeline))) return false;
  useUi.getState().setPage('editor');
  return replayRun(project, runId);
}

/** The open project's file (the Models page reads its registry). */
export function openProjectPath(): string | null {
  return currentProject();
}

// ---- run events: at most one store update per animation frame, whatever the event rate ----

let pendingEvents: RunEvent[] = [];
let frameRequested = false;

function applyPendingEvents(): void {
  frameRequested = false;
  const events = pendingEvents;
  pendingEvents = [];
  if (!events.length) return;
  const { store } = useSession.getState();
  const before = store.getState().run?.id;
  const t0 = performance.now();
  store.getState().applyEvents(events);
  // The cost of a frame's events (store update and React render), for the editor benchmark.
  performance.measure('pw:events', { start: t0, end: performance.now() });
  // A new run shows the whole log: a filter set on the last run's failed node is not about this one.
  const after = store.getState().run?.id;
  if (after !== before && useUi.getState().logFilter) useUi.setState({ logFilter: null });
  for (const e of events) if (e.type === 'run.finished' && store.getState().run?.id === e.runId) void fetchRecorded(e.runId);
}

/** While a node is dragged, run events are applied this often, not every frame: one heavier frame in 30 keeps the drag p95 at one frame. */
const APPLY_WHILE_DRAGGING_MS = 500;

function onRunEvents(batch: RunEvent[]): void {
  for (const e of batch) pendingEvents.push(e);
  if (frameRequested) return;
  frameRequested = true;
  if (interacting) {
    setTimeout(applyPendingEvents, APPLY_WHILE_DRAGGING_MS);
    return;
  }
  // A hidden page gets no animation frames; the timer keeps its state from piling up unseen.
  requestAnimationFrame(() => frameRequested && applyPendingEvents());
  setTimeout(() => frameRequested && applyPendingEvents(), 250);
}

export async function cancelRun(): Promise<void> {
  const run = useSession.getState().store.getState().run;
  if (!run || run.status !== 'running') return;
  await tryCall('run.cancel', { runId: run.id }, 'could not cancel');
}

// ---- start-up ----

export async function boot(): Promise<void> {
  attach(useSession.getState().store);
  onEvent('run.events', onRunEvents);
  onEvent('app.command', (c) => void onAppCommand(c));
  addEventListener('pagehide', flushDraft);
  addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && flushDraft());

  const [cat, info] = await Promise.all([tryCall('catalog.list', {}, 'could not load the node catalogue'), tryCall('app.info', {})]);
  performance.mark('pw:catalog');
  if (cat) useCatalog.getState().setCatalog(cat.nodes);
  useSession.setState({ info });
  void refreshRecent();

  const draft = readDraft();
  if (draft) {
    openDocument(draft.doc, { filePath: draft.filePath, projectPath: draft.projectPath });
    // The draft may be ahead of the project's last version (a crash, a reload within the autosave second).
    useSession.setState({ saveState: 'dirty' });
    if (draft.projectPath) void save(false);
  } else {
    // The last project used here, else the one main was started with; a first start has neither
    // on disk yet and opens the bundled example, whose project autosave then creates.
    const candidates = [localStorage.getItem(PROJECT_KEY), info?.projectPath].filter((p): p is string => !!p);
    let opened = false;
    for (const p of candidates) if (!opened) opened = await openProject(p, false, true);
    if (!opened) {
      if (info?.examplePath) {
        await openPath(info.examplePath);
        if (info.projectPath) useSession.setState({ projectPath: info.projectPath });
      } else openDocument(emptyPipeline('untitled'));
    }
  }
  useSession.setState({ ready: true });
  void restoreLastRun();
}

/** Why `name` cannot be a new pipeline of the open project, or null. */
export function newPipelineProblem(name: string): string | null {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) return 'lowercase letters, digits and dashes, starting with a letter or digit';
  if (useSession.getState().pipelines.some((p) => p.name === name)) return `the project already has a pipeline "${name}": open it from the list, or pick another name`;
  return null;
}

/**
 * Starts afresh: an empty pipeline under a new name in the current project, saved at once so the
 * name is taken and the header's "saved" is true. Never replaces another pipeline's versions.
 */
export async function newPipeline(name: string): Promise<boolean> {
  const problem = newPipelineProblem(name);
  if (problem) {
    notice('warn', `cannot create "${name}": ${problem}`);
    return false;
  }
  if (!(await settleUnsaved())) return false;
  openDocument(emptyPipeline(name), { filePath: null });
  if (currentProject()) await save(false);
  else useSession.setState({ saveState: 'dirty' });
  return true;
}

export function discardDraft(): void {
  localStorage.removeItem(DRAFT_KEY);
}

/** Saves `text` as a file the browser downloads. */
export function download(name: string, text: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'application/yaml' }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** The pipeline file as a download (export in the browser). */
export async function exportDownload(): Promise<void> {
  const doc = useSession.getState().store.getState().doc;
  const text = await serialize(doc);
  if (text !== null) download(`${doc.metadata.name}.pipeline.yaml`, text);
}

/**
 * The pipeline as a CI workflow, the CLI's own output (`pipewright export FILE --to T`) for the
 * file it came from, or for `<name>.pipeline.yaml` beside the project when it lives in a project.
 */
export async function exportWorkflow(to: 'argo' | 'github-actions'): Promise<void> {
  const s = useSession.getState();
  const doc = s.store.getState().doc;
  const text = await serialize(doc);
  const folder = baseDirOf(s);
  if (text === null) return;
  if (!folder) return notice('warn', 'Open or create a project first: the export names data files relative to its folder.');
  const file = s.filePath ?? `${folder}/${doc.metadata.name}.pipeline.yaml`;
  const r = await tryCall('pipeline.export', { text, to, file }, `could not export to ${to === 'argo' ? 'Argo' : 'GitHub Actions'}`);
  if (r) download(r.fileName, r.text);
}

/** Commands from the desktop shell's menu; main has already shown the native dialog. */
async function onAppCommand(c: AppCommand): Promise<void> {
  switch (c.command) {
    case 'project.new':
      await openProject(c.path, true);
      return;
    case 'project.open':
      await openProject(c.path, false);
      return;
    case 'pipeline.open':
      await openPath(c.path);
      return;
    case 'pipeline.import': {
      const r = await tryCall('file.read', { path: c.path }, `could not import ${c.path}`);
      if (r && (await settleUnsaved())) await openText(r.text, { filePath: null });
      return;
    }
    case 'pipeline.export':
      await exportDownload();
      return;
    case 'save':
      await save(true);
      return;
    case 'view.toggleYaml':
      useUi.getState().setYamlOpen(!useUi.getState().yamlOpen);
      return;
    case 'run.all':
      await startRun();
      return;
    case 'run.cancel':
      await cancelRun();
      return;
    case 'help.about': {
      const info = useSession.getState().info;
      notice('info', `${info?.name ?? 'Pipewright'} ${info?.version ?? ''} — ML pipelines as graphs, one pipeline file, one project file.`);
      return;
    }
  }
}
