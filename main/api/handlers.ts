/**
 * Main's side of the API contract (shared/api/contract.ts): one handler per method, the same
 * whether the transport is Electron IPC, the localhost WebSocket or an in-memory pair.
 * Params arrive already validated by `serve` against the contract's zod schemas.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { RpcError, type Connection, type Handlers } from '../../shared/api/rpc';
import type { AppInfo, PipelineVersion, ProjectInfo, RunningServer, TablePreview } from '../../shared/api/contract';
import { APP_VERSION } from '../../shared/version';
import { formatPipelineText, loadPipeline, parsePipelineText, serializePipeline, type ParamValue, type Pipeline } from '../../shared/pipeline';
import { registry as coreRegistry, type NodeRegistry } from '../../nodes/registry';
import { createChecker } from '../../nodes/checker';
import type { ArtifactRef } from '../../nodes/types';
import { openProject, ProjectFileError, ProjectWriteError, type PipelineVersionRow, type ProjectStore } from '../store';
import { asWriteError } from '../store/errors';
import { createDataEngine, type DuckDataEngine } from '../data/duck-engine';
import { configDir, openedFileTarget } from './paths';
import { RecentProjects } from './recent';
import { startRun, type StartedRun } from '../engine/engine';
import { InvalidPipelineError, planPipeline, planText, type Plan } from '../engine/planner';
import { WorkerPool } from '../engine/pool';
import { tableRows, tableStats, type ColumnStats } from './preview';
import { batchRunEvents } from './run-events';
import { checkDataFile } from './data-file';
import { postJson, ServerRegistry } from '../serving/deploy';
import { showModel } from '../registry/store';
import { forgetStoppedLeases, isOwnLease, leaseAsServer, readLeases, tryableUrl, type LeaseView } from '../serving/lease';
import { cachedSchemaContext, inferSchemas } from '../engine/schema';
import { exportText } from '../cli/commands/export';
import { ExportError } from '../export/graph';
import { NodeError } from '../../nodes/types';
import { applyGc, HistoryNotFound, lineageOf, showRun } from '../store/history';
import { compactProject, compareRuns, currentVersion, markSaved, gcOverview, modelVersions, pipelineVersion, pipelineVersions, renamePipeline, runsTable } from '../store/history-views';
import { modelHandlers } from './models';
import { appTriggers } from './triggers';
import { ActiveRuns } from './active-runs';
import { listWorkspace, Uploads } from './workspace-files';
import { listExamples, openExample } from './examples';
import { isWelcomed, markWelcomed } from './recent';

export interface ApiDeps {
  mode: AppInfo['mode'];
  registry?: NodeRegistry;
  /** where recent.json lives; default: the user's config folder (PIPEWRIGHT_HOME overrides) */
  configDir?: string;
  /** the project opened at start */
  projectPath?: string | null;
  /** a bundled example to open on first start */
  examplePath?: string | null;
  /** a pipeline file asked for at launch */
  openPath?: string | null;
  /** the workspace folder: the browser's file picker lists it, dropped files go into its data/ */
  workspaceDir?: string | null;
  /** the bundled resources/ folder (the example gallery) */
  resourcesDir?: string | null;
  /** the desktop app's native open dialog (absent in the browser); null when cancelled */
  pickFile?: (opts: { title: string; extensions: string[] }) => Promise<string | null>;
}

export interface ApiHandlers extends Handlers {
  /**
   * A transport's connection, told to the handlers for as long as it is open: run events go to
   * every attached connection, so a reloaded page or a second tab follows a run it did not start.
   * Returns the detach function.
   */
  attach(conn: Connection): () => void;
  /** closes project files and engines; pending runs are cancelled */
  dispose(): Promise<void>;
}

const MAX_PIPELINE_BYTES = 5 * 1024 * 1024;
const DEFAULT_PREVIEW_ROWS = 200;
/** column statistics kept for the tables previewed most recently (an app stays open for days) */
const STATS_CACHE_ENTRIES = 64;
/** the OS nice value of the app's engine workers: the editor keeps its frames while a run trains */
const APP_WORKER_NICE = 10;

export function notAvailable(what: string): RpcError {
  return new RpcError(`${what} is not available yet`, 'unavailable');
}

function toVersion(v: PipelineVersionRow): PipelineVersion {
  return { id: String(v.id), pipeline: v.pipeline, hash: v.hash, createdAt: v.createdAt, text: v.text };
}

/**
 * A write to the project file that did not happen (another process kept it locked past the wait,
 * SQLite refused the write: read-only, disk full, damaged) as the one line the UI shows, naming
 * the file. Anything else is passed on unchanged.
 */
function projectWriteError(e: unknown, file: string): unknown {
  const w = asWriteError(e, file);
  return w instanceof ProjectWriteError || w instanceof ProjectFileError ? new RpcError(w.message, 'project') : w;
}

/** A history read: a run, version or reference the project does not hold is a `not_found` naming it. */
function history<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof HistoryNotFound) throw new RpcError(e.message, 'not_found');
    throw e;
  }
}

function isProjectPath(path: string): boolean {
  return /\.pwproj$/i.test(path);
}

export function createHandlers(deps: ApiDeps): ApiHandlers {
  const registry = deps.registry ?? coreRegistry;
  const checker = createChecker(registry);
  const recent = new RecentProjects(deps.configDir ?? configDir());
  const projects = new Map<string, ProjectStore>();
  const statsCache = new Map<string, ColumnStats[]>();
  const schemaMemo = new Map<string, Promise<{ name: string; type: string }[]>>();
  let scratch: string | null = null;
  let data: Promise<DuckDataEngine> | null = null;
  /** one pool for every run of this app: runs from several tabs share the cores fairly */
  let pool: WorkerPool | null = null;
  /** the runs under way, the editor's and the triggers' alike: Cancel finds both */
  const active = new ActiveRuns();
  const attached = new Set<Connection>();
  /** long-lived model servers of deploy.serve, for as long as the app runs */
  const servers = new ServerRegistry();
  /** at nice 10: a long training run must not take the cores from the editor that draws it (issue 15) */
  const sharedPool = (): WorkerPool => (pool ??= new WorkerPool(undefined, { nice: APP_WORKER_NICE }));
  /** the triggers of the projects the windows have open, run in this process (main/api/triggers.ts) */
  const triggers = appTriggers({
    project: (path) => project(path),
    pool: sharedPool,
    servers,
    started: (path, run) => active.add(path, run),
    openPath: deps.openPath,
    changed: (event) => {
      for (const c of attached) c.emit('triggers.changed', event);
    },
    log: (line) => process.stderr.write(`pipewright: ${line}\n`),
  });
  const uploads = new Uploads(() => deps.workspaceDir ?? null);
  const config = deps.configDir ?? configDir();

  /** The file endings node type `type` reads (its `fileExtensions`), or a refusal naming it. */
  function extensionsOf(type: string): string[] {
    const exts = registry.get(type)?.fileExtensions;
    if (!exts?.length) throw new RpcError(`${type} reads no data file`, 'invalid_params');
    return exts;
  }

  function workspace(): string {
    if (!deps.workspaceDir) throw new RpcError('this app has no workspace folder', 'unavailable');
    return deps.workspaceDir;
  }

  /** Opens a project once and keeps it open: the file stays locked to this process's WAL. */
  function project(path: string, create = false): ProjectStore {
    const abs = resolve(path);
    const open = projects.get(abs);
    if (open?.isOpen) return open;
    if (!isProjectPath(abs)) throw new RpcError(`${abs}: a project file ends in .pwproj`, 'refused');
    try {
      const store = openProject(abs, { create });
      projects.set(abs, store);
      return store;
    } catch (e) {
      // a file that is not a project, or one another process keeps locked while it is set up
      throw projectWriteError(e, abs);
    }
  }

  function scratchDir(): string {
    if (!scratch) scratch = mkdtempSync(join(tmpdir(), 'pipewright-api-'));
    return scratch;
  }

  function dataEngine(): Promise<DuckDataEngine> {
    // One worker thread for DuckDB: previews must not starve a run that is using the cores.
    if (!data) {
      data = createDataEngine({ tmpDir: join(scratchDir(), 'duck'), threads: 1 });
      // A failed start is not kept: the next preview tries again.
      data.catch(() => (data = null));
    }
    return data;
  }

  /** A table artifact as a file DuckDB can scan; extracted once per hash (content never changes). */
  function tableFile(store: ProjectStore, hash: string): ArtifactRef {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new RpcError(`not an artifact hash: ${hash}`, 'invalid_params');
    const info = store.getArtifact(hash);
    if (!info) throw new RpcError(`artifact ${hash} is not in ${store.path}`, 'not_found');
    if (info.kind !== 'table') throw new RpcError(`artifact ${hash} is a ${info.kind}, not a table: use artifact.json`, 'refused');
    const dir = join(scratchDir(), 'artifacts');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${hash}.parquet`);
    if (!existsSync(file)) {
      // Two previews of one table may race: each writes its own temp file, the rename is atomic.
      const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      store.extractArtifact(hash, tmp);
      renameSync(tmp, file);
    }
    return { kind: 'table', path: file, hash, meta: info.meta };
  }

  /** `pipewright serve` processes and other apps' servers on the open projects (their leases); stopped ones a minute old are deleted. */
  function externalServers(): RunningServer[] {
    const out: RunningServer[] = [];
    for (const store of projects.values()) {
      if (!store.isOpen) continue;
      try {
        forgetStoppedLeases(store);
        // this app's own servers are listed by `servers` (with Stop), not again from their rows
        out.push(...readLeases(store).filter((l) => !isOwnLease(l)).map((l) => leaseAsServer(store.path, l)));
      } catch (e) {
        process.stderr.write(`pipewright: could not read the model servers of ${store.path}: ${(e as Error).message}\n`);
      }
    }
    return out;
  }

  /** An external server's lease by its Serving-page id (`external|<project>|<key>`), on a project open here. */
  function externalLease(serverId: string): { store: ProjectStore; lease: LeaseView } {
    const at = serverId.lastIndexOf('|');
    const store = projects.get(serverId.slice('external|'.length, at));
    const lease = store?.isOpen ? readLeases(store).find((l) => l.key === serverId.slice(at + 1)) : undefined;
    if (!store || !lease) throw new RpcError('that server is no longer listed (it stopped)', 'not_found');
    try {
      tryableUrl(lease);
    } catch (e) {
      throw new RpcError((e as Error).message, 'refused');
    }
    return { store, lease };
  }

  /** The folders the user opened: where the app's projects and launch files are, and recent projects. */
  function openedFolders(): string[] {
    const files = [deps.projectPath, deps.examplePath, deps.openPath, ...projects.keys(), ...recent.list()];
    return [...new Set(files.filter((f): f is string => Boolean(f)).map((f) => dirname(resolve(f))))];
  }

  function projectInfo(store: ProjectStore): ProjectInfo {
    return { path: store.path, name: basename(store.path).replace(/\.pwproj$/i, ''), pipelines: store.listPipelines() };
  }

  return {
    ...modelHandlers(project),
    ...triggers.handlers,
    'app.info': () => ({
      name: 'Pipewright',
      version: APP_VERSION,
      mode: deps.mode,
      projectPath: deps.projectPath ?? null,
      examplePath: deps.examplePath ?? null,
      openPath: deps.openPath ?? null,
      firstStart: !isWelcomed(config),
      workspaceDir: deps.workspaceDir ?? null,
    }),

    'app.welcomed': () => {
      markWelcomed(config);
      return { firstStart: false as const };
    },

    'workspace.files': ({ type, dir }) => listWorkspace(workspace(), dir ?? '', extensionsOf(type)),

    'workspace.upload': ({ type, name, total, offset, data: chunk, upload }) => uploads.chunk({ upload, name, total, offset, data: chunk, extensions: extensionsOf(type) }),

    'file.pickData': async ({ type }) => {
      const exts = extensionsOf(type);
      if (!deps.pickFile) throw new RpcError('no native file dialog here: choose from the workspace folder', 'unavailable');
      const picked = await deps.pickFile({ title: `Choose a file for ${registry.get(type)?.title ?? type}`, extensions: exts });
      return { path: picked === null ? null : checkDataFile(picked, exts) };
    },

    'file.dropped': ({ type, path }) => {
      if (deps.mode !== 'electron') throw new RpcError('a dropped file has a path only in the desktop app: here it is uploaded into the workspace', 'unavailable');
      return { path: checkDataFile(path, extensionsOf(type)) };
    },

    'examples.list': () => ({ examples: listExamples(deps.resourcesDir ?? null, registry) }),

    'examples.open': ({ name, project: path }) =>
      openExample({
        resourcesDir: deps.resourcesDir ?? null,
        workspaceDir: deps.workspaceDir ?? null,
        registry,
        name,
        projectText: (pipeline) => {
          if (!path || !existsSync(path)) return null;
          return currentVersion(project(path), pipeline)?.text ?? null;
        },
      }),

    'catalog.list': () => ({ nodes: registry.catalog() }),

    'pipeline.validate': ({ text, fileName }) => {
      const loaded = loadPipeline(text, checker, { fileName: fileName === undefined ? undefined : basename(fileName) });
      return { errors: loaded.errors, pipeline: loaded.pipeline ?? loaded.partial ?? null };
    },

    'pipeline.format': ({ text }) => {
      const r = formatPipelineText(text, checker);
      if (r.errors.length) throw new RpcError(`the pipeline has ${r.errors.length} error(s); fix them before formatting`, 'invalid_pipeline', r.errors);
      return { text: r.text, changed: r.changed };
    },

    'pipeline.serialize': ({ pipeline }) => {
      const p = pipeline as Pipeline;
      if (!Array.isArray(p.nodes) || typeof p.metadata?.name !== 'string') throw new RpcError('not a pipeline model (nodes and metadata.name are required)', 'invalid_params');
      try {
        return { text: serializePipeline(p) };
      } catch (e) {
        throw new RpcError(`cannot write this pipeline: ${(e as Error).message}`, 'invalid_params');
      }
    },

    'pipeline.schema': async ({ text, baseDir, project: projectPath }) => {
      const loaded = loadPipeline(text, checker);
      const pipeline = loaded.pipeline ?? loaded.partial;
      if (!pipeline) return { nodes: {} };
      const base = baseDir ? resolve(baseDir) : null;
      const resolvePath = (p: string) => {
        if (isAbsolute(p)) return p;
        if (!base) throw new NodeError(`${p}: a relative path needs the pipeline's folder (save the pipeline in a project first)`);
        return resolve(base, p);
      };
      const ctx = cachedSchemaContext(await dataEngine(), resolvePath, schemaMemo);
      // data.predictions' columns come from the open project's registry (never created here)
      if (projectPath && existsSync(projectPath)) {
        ctx.model = async (ref) => {
          const { describeLoggedModel } = await import('../serving/logged-requests');
          return describeLoggedModel(project(projectPath), ref);
        };
      }
      return { nodes: await inferSchemas(pipeline, registry, ctx) };
    },

    'pipeline.export': async ({ text, to, file }) => {
      if (!isAbsolute(file)) throw new RpcError(`${file}: the pipeline file's place must be an absolute path`, 'invalid_params');
      let plan: Plan;
      try {
        // The CLI's own path: the same plan, then the same writer.
        plan = await planText(text);
      } catch (e) {
        if (e instanceof InvalidPipelineError) throw new RpcError(`the pipeline has ${e.issues.length} error(s); fix them before exporting`, 'invalid_pipeline', e.issues);
        throw e;
      }
      try {
        const out = await exportText(plan, { file, to, gpu: false });
        const name = plan.pipeline.metadata.name;
        return { text: out, fileName: to === 'argo' ? `${name}.argo.yaml` : `${name}.yml` };
      } catch (e) {
        if (e instanceof ExportError) throw new RpcError(e.message, 'invalid_params');
        throw e;
      }
    },

    'file.read': ({ path }) => {
      const abs = resolve(path);
      // The API reads pipeline files only: a page that holds the token must still not be able
      // to read ~/.ssh or the project databases through it.
      if (!/\.ya?ml$/i.test(abs)) throw new RpcError(`${basename(abs)}: only .pipeline.yaml or .yaml files can be opened`, 'refused');
      let real: string;
      try {
        real = openedFileTarget(abs, openedFolders());
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new RpcError(`${abs}: no such file`, 'not_found');
        throw new RpcError((e as Error).message, 'refused');
      }
      let size: number;
      try {
        const st = statSync(real);
        if (!st.isFile()) throw new RpcError(`${abs}: not a file`, 'refused');
        size = st.size;
      } catch (e) {
        if (e instanceof RpcError) throw e;
        throw new RpcError(`${abs}: no such file`, 'not_found');
      }
      if (size > MAX_PIPELINE_BYTES) throw new RpcError(`${abs}: larger than 5 MiB, not a pipeline file`, 'refused');
      return { path: abs, text: readFileSync(real, 'utf8') };
    },

    'project.open': ({ path, create }, conn) => {
      const store = project(path, Boolean(create));
      triggers.follow(conn, store);
      recent.add(store.path);
      return projectInfo(store);
    },

    'project.recent': () => ({ paths: recent.list().filter((p) => existsSync(p)) }),

    'pipeline.save': ({ project: path, text }) => {
      // Every save is kept, even of a pipeline that does not validate yet (autosave must lose
      // nothing); it only needs a name to be filed under.
      const parsed = parsePipelineText(text);
      const name = (parsed.pipeline ?? parsed.partial)?.metadata.name;
      if (!name) throw new RpcError('cannot save: the text has no metadata.name', 'invalid_pipeline', parsed.errors);
      const store = project(path, true);
      let saved: ReturnType<ProjectStore['savePipelineVersion']>;
      try {
        saved = store.savePipelineVersion(name, text);
        markSaved(store, saved);
      } catch (e) {
        throw projectWriteError(e, store.path);
      }
      return { version: toVersion(saved.version), created: saved.created };
    },

    'pipeline.latest': ({ project: path, pipeline }) => {
      const v = currentVersion(project(path), pipeline);
      return { version: v ? toVersion(v) : null };
    },

    'run.start': async ({ project: path, text, baseDir, params, noCache, upTo, from }, conn) => {
      const loaded = loadPipeline(text, checker);
      if (!loaded.pipeline) throw new RpcError(`the pipeline has ${loaded.errors.length} error(s)`, 'invalid_pipeline', loaded.errors);
      let plan: Plan;
      try {
        // The same plan as `pipewright run`: the same canonical text, so the same version hash.
        plan = await planPipeline(loaded.pipeline, { text, overrides: params as Record<string, ParamValue> | undefined });
      } catch (e) {
        if (e instanceof InvalidPipelineError) throw new RpcError(`the pipeline cannot run: ${e.issues.length} error(s)`, 'invalid_pipeline', e.issues);
        throw e;
      }
      const store = project(path, true);
      const pool = sharedPool();
      // Batched: a training run's per-epoch events would otherwise be one message each.
      const events = batchRunEvents((batch) => {
        for (const c of new Set([conn, ...attached])) c.emit('run.events', batch);
      });
      let run: StartedRun;
      try {
        run = await startRun({
          store,
          plan,
          // Relative data paths resolve against the pipeline file's folder; a project sits beside it.
          baseDir: baseDir ? resolve(baseDir) : dirname(store.path),
          noCache,
          upTo,
          from,
          pool,
          servers,
          onEvent: (e) => events.push(e),
        });
      } catch (e) {
        if (e instanceof InvalidPipelineError) throw new RpcError(`the pipeline cannot run: ${e.issues.length} error(s)`, 'invalid_pipeline', e.issues);
        // the version or the run could not be recorded: nothing runs, and the UI says why
        throw projectWriteError(e, store.path);
      }
      active.add(store.path, run);
      // The summary is recorded in the project file by the engine; the caller follows the events.
      void run.done.catch(() => undefined).finally(() => events.flush());
      return { runId: run.runId };
    },

    'run.cancel': ({ runId, project: path }) => ({ cancelled: active.cancel(runId, path) }),

    'run.list': ({ project: path }) => ({ runs: project(path).listRuns() }),

    'run.get': ({ project: path, runId }) => {
      const n = Number(runId);
      const run = Number.isInteger(n) ? project(path).getRun(n) : null;
      if (!run) throw new RpcError(`no run ${runId} in ${resolve(path)}`, 'not_found');
      return { summary: run.summary, events: run.events, trials: run.trials };
    },

    'run.curves': ({ project: path, runId, nodes }) => {
      const store = project(path);
      const n = Number(runId);
      if (!Number.isInteger(n) || !store.getRunRow(n)) throw new RpcError(`no run ${runId} in ${resolve(path)}`, 'not_found');
      const wanted = new Set(nodes);
      const curves: Record<string, Record<string, { step: number; value: number }[]>> = {};
      for (const e of store.getExecutions(n)) {
        if (!wanted.has(e.nodeId)) continue;
        const exec = e.cached && e.reusedFrom !== null ? e.reusedFrom : e.id;
        const series = store.metricSeries(exec);
        if (Object.keys(series).length) curves[e.nodeId] = series;
      }
      return { curves };
    },

    'artifact.preview': async ({ project: path, hash, offset, limit }): Promise<TablePreview> => {
      const table = tableFile(project(path), hash);
      const engine = await dataEngine();
      const page = await tableRows(engine, table, offset ?? 0, limit ?? DEFAULT_PREVIEW_ROWS);
      let stats = statsCache.get(hash);
      if (stats) statsCache.delete(hash);
      else stats = await tableStats(engine, table);
      // re-inserted last: the Map's order is least recently used first
      statsCache.set(hash, stats);
      if (statsCache.size > STATS_CACHE_ENTRIES) statsCache.delete(statsCache.keys().next().value!);
      return { ...page, stats };
    },

    'artifact.json': ({ project: path, hash }) => {
      const store = project(path);
      const info = store.getArtifact(hash);
      if (!info) throw new RpcError(`artifact ${hash} is not in ${store.path}`, 'not_found');
      if (info.kind === 'table') throw new RpcError(`artifact ${hash} is a table: use artifact.preview`, 'refused');
      return { json: store.artifactJson(hash) };
    },

    'history.runs': ({ project: path, limit }) => history(() => runsTable(project(path), limit)),

    'history.show': ({ project: path, runId }) =>
      history(() => {
        const store = project(path);
        const show = showRun(store, runId);
        return { show, text: show.pipelineVersion ? pipelineVersion(store, String(show.pipelineVersion.id)).text : null };
      }),

    'history.compare': ({ project: path, runs }) => history(() => compareRuns(project(path), runs)),

    'history.lineage': ({ project: path, ref }) => history(() => lineageOf(project(path), ref)),

    'history.versions': ({ project: path, pipeline }) => history(() => ({ versions: pipelineVersions(project(path), pipeline) })),

    'history.version': ({ project: path, id: versionId }) => history(() => ({ version: pipelineVersion(project(path), versionId) })),

    'pipeline.rename': ({ project: path, from, to }) =>
      history(() => {
        const store = project(path);
        try {
          renamePipeline(store, from, to);
        } catch (e) {
          throw projectWriteError(e, store.path);
        }
        return { name: to };
      }),

    'history.models': ({ project: path }) => ({ models: modelVersions(project(path)) }),

    'history.gcPlan': ({ project: path }) => history(() => gcOverview(project(path))),

    'history.gc': ({ project: path, keepLast }) =>
      history(() => {
        const store = project(path);
        const mine = active.ofProject(store.path);
        if (mine.length) throw new RpcError(`run ${mine[0].runId} is running: nothing is deleted while a run is running; try again when it has finished`, 'refused');
        const size = () => [store.path, `${store.path}-wal`].reduce((t, f) => t + (existsSync(f) ? statSync(f).size : 0), 0);
        const before = size();
        let plan;
        try {
          plan = applyGc(store, keepLast ?? undefined);
        } catch (e) {
          throw projectWriteError(e, store.path);
        }
        if (plan.running.length) {
          const r = plan.running[0];
          throw new RpcError(`run ${r.id} is running${r.pid ? ` (process ${r.pid}${r.host ? ` on ${r.host}` : ''})` : ''}: nothing was deleted; try again when it has finished`, 'refused');
        }
        const compacted = compactProject(store) === null;
        return { deletedRuns: plan.deletedRuns, artifacts: plan.artifacts, fileBytes: { before, after: size() }, compacted };
      }),

    // The model servers deploy.serve started (contract 4b): listed and stopped in the Serving page.
    // and the `pipewright serve` processes on the open projects, through their leases
    'serving.list': () => ({ servers: [...servers.list(), ...externalServers()] }),
    'serving.stop': async ({ id: serverId }) => {
      if (serverId.startsWith('external|')) throw new RpcError("that server was started outside the app (pipewright serve, or another Pipewright app): stop it where it runs (Ctrl-C, that app's Serving page, or kill its process)", 'refused');
      return { stopped: await servers.stop(serverId) };
    },
    'serving.inputs': ({ id: serverId }) => {
      if (!serverId.startsWith('external|')) return servers.inputs(serverId);
      const { store, lease } = externalLease(serverId);
      const m = lease.models[0];
      const v = m?.version == null ? undefined : showModel(store, m.name).versions.find((x) => x.version === m.version);
      if (!m || !v) throw new RpcError(`process ${lease.pid} serves no version yet`, 'not_found');
      return { name: m.name, version: v.version, task: v.task, classes: v.classes ?? [], inputs: v.inputs.map((i) => ({ ...i })) };
    },
    'serving.predict': async ({ id: serverId, row }) => {
      if (!serverId.startsWith('external|')) return servers.predict(serverId, row);
      const { lease } = externalLease(serverId);
      const name = lease.models[0]?.name;
      if (!name) throw new RpcError(`process ${lease.pid} serves no model yet`, 'not_found');
      const answer = await postJson(tryableUrl(lease), `/v1/models/${encodeURIComponent(name)}:predict`, { instances: [row] });
      const v = Number(answer.version.split(':').pop());
      return { status: answer.status, version: answer.version && Number.isInteger(v) ? v : null, body: answer.body };
    },

    attach(conn) {
      attached.add(conn);
      return () => {
        attached.delete(conn);
        triggers.unfollow(conn);
      };
    },

    async dispose() {
      await triggers.dispose();
      uploads.dispose();
      await servers.stopAll();
      await active.cancelAll();
      await pool?.close();
      pool = null;
      if (data) await (await data).close().catch(() => undefined);
      data = null;
      for (const store of projects.values()) store.close();
      projects.clear();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
      scratch = null;
    },
  };
}
