/**
 * Every request, response and event of the local API, declared once. Main validates the params
 * of every request against these schemas (main is the trust boundary); results are typed here.
 * Add a method by adding an entry to `methods` and a handler in `main/api/`.
 */
import { z } from 'zod';
import type { Catalog, NodeSchema } from '../catalog';
import type { Issue, Pipeline } from '../pipeline/model';
import type { RunEvent, RunListItem, RunSummary, TrialRecord } from '../run';
import type { CompareResult, GcOverview, Lineage, RunShow, RunsTable, VersionInfo } from '../history';
import type { ModelDetails, ModelSummary } from '../registry';
import type { TriggersOverview } from '../triggers';

const text = z.string().max(5 * 1024 * 1024);
const path = z.string().min(1).max(4096);
const id = z.string().min(1).max(200);
const empty = z.object({});

function method<P extends z.ZodType, R>(params: P) {
  return { params, result: undefined as unknown as R };
}

export interface AppInfo {
  name: string;
  version: string;
  mode: 'electron' | 'web' | 'memory';
  /** the project opened at start, if any */
  projectPath: string | null;
  /** a bundled example to open on first start */
  examplePath: string | null;
  /**
   * A pipeline file the user asked for at launch (`npm run web -- --open FILE`, a file given to the
   * desktop app): open it (with `projectPath`, its project) instead of the last project used.
   */
  openPath?: string | null;
  /** the example gallery has not been shown yet on this machine (see `app.welcomed`) */
  firstStart?: boolean;
  /** the workspace folder the browser's file picker lists and dropped files go into */
  workspaceDir?: string | null;
}

/** One entry of a workspace folder (`workspace.files`): a folder, or a data file the node type reads. */
export interface WorkspaceEntry {
  name: string;
  /** absolute */
  path: string;
  kind: 'dir' | 'file';
  size: number;
  /** ISO time of the last change */
  modified: string;
}

export interface WorkspaceListing {
  /** the workspace folder, absolute */
  root: string;
  /** the listed folder relative to it, '' for its top, '/'-separated */
  dir: string;
  entries: WorkspaceEntry[];
}

/** A bundled example for the gallery. */
export interface ExampleInfo {
  name: string;
  title: string;
  description: string;
  nodes: number;
  /** the data files it reads (file names) */
  data: string[];
}

/**
 * A model server: one deploy.serve started in the app (main/serving/deploy.ts), or a
 * `pipewright serve` process on an open project, seen through the lease it keeps in the project
 * file (main/serving/lease.ts).
 */
export interface RunningServer {
  id: string;
  /** 'app': started by this app (it can stop it); 'external': a `pipewright serve` process, or another app's server */
  origin: 'app' | 'external';
  /** 'stopped': an external server whose heartbeat stopped or whose process is gone */
  state: 'running' | 'stopped';
  project: string;
  /** the model name(s) it answers for */
  name: string;
  url: string;
  startedAt: string;
  /** the version the model's name resolves to now (null: several models, or none yet) */
  version: number | null;
  /** every model it answers for, the version its name resolves to and the alias (or split) it follows */
  models: { name: string; version: number | null; alias: string | null }[];
  /** requests since start; req/s, p50 and p99 over the last 5 s */
  stats: { requests: number; errors: number; rps: number; p50: number | null; p99: number | null };
  /** an external server's process */
  process?: {
    pid: number;
    host: string;
    heartbeatAt: string;
    workers: number;
    auth: boolean;
    protocols: string[];
    why?: string;
    /** the app can call it (this host, loopback, no token) */
    tryable: boolean;
    /** `cli`: a `pipewright serve` from a terminal; `app`: a deploy.serve run in another Pipewright app (or `npm run web`) */
    startedBy: 'cli' | 'app';
  };
}

export interface ServingInputs {
  name: string;
  version: number;
  task: 'classification' | 'regression';
  classes: (string | number | boolean)[];
  inputs: { name: string; type: string; nullable: boolean }[];
}

/** HTTP status and body of the server's answer; `version` from its x-pipewright-model-version header */
export interface ServingAnswer {
  status: number;
  version: number | null;
  body: unknown;
}

export interface ValidateResult {
  errors: Issue[];
  /** the parsed pipeline when it parsed as a pipeline at all (possibly with errors) */
  pipeline: Pipeline | null;
}

export interface ProjectInfo {
  path: string;
  name: string;
  pipelines: { name: string; versions: number; updatedAt: string }[];
}

export interface PipelineVersion {
  id: string;
  pipeline: string;
  hash: string;
  createdAt: string;
  text: string;
}

export interface TablePreview {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  totalRows: number;
  /** per column: histogram bins (numeric) or top values (text) */
  stats: { name: string; bins?: { x0: number; x1: number; count: number }[]; top?: { value: string; count: number }[]; nulls: number }[];
}

export const methods = {
  'app.info': method<typeof empty, AppInfo>(empty),
  'catalog.list': method<typeof empty, { nodes: Catalog }>(empty),
  /** `fileName`: the file's own name, when it has one (a metric trigger naming it is a loop). */
  'pipeline.validate': method<z.ZodObject<{ text: typeof text; fileName: z.ZodOptional<z.ZodString> }>, ValidateResult>(z.object({ text, fileName: z.string().max(255).optional() })),
  'pipeline.format': method<z.ZodObject<{ text: typeof text }>, { text: string; changed: boolean }>(z.object({ text })),
  'pipeline.serialize': method<z.ZodObject<{ pipeline: z.ZodType<Pipeline> }>, { text: string }>(
    z.object({ pipeline: z.custom<Pipeline>((v) => typeof v === 'object' && v !== null) }),
  ),
  /**
   * What every node's outputs will carry, without running: columns through the graph (data files'
   * headers are read, never their rows) and metric names. Relative data paths resolve against
   * `baseDir`; `project` (optional) is the open project, whose model registry types the
   * columns of data.predictions. node id -> its schema (`error` says why a node's could not be told).
   */
  'pipeline.schema': method<z.ZodObject<{ text: typeof text; baseDir: z.ZodOptional<typeof path>; project: z.ZodOptional<typeof path> }>, { nodes: Record<string, NodeSchema> }>(
    z.object({ text, baseDir: path.optional(), project: path.optional() }),
  ),
  /**
   * The pipeline as a CI workflow, exactly what `pipewright export FILE --to T` writes for a file
   * at `file` holding `text` (relative data paths resolve against its folder; Argo hashes them).
   */
  'pipeline.export': method<
    z.ZodObject<{ text: typeof text; to: z.ZodEnum<{ argo: 'argo'; 'github-actions': 'github-actions' }>; file: typeof path }>,
    { text: string; fileName: string }
  >(z.object({ text, to: z.enum(['argo', 'github-actions']), file: path })),
  'file.read': method<z.ZodObject<{ path: typeof path }>, { path: string; text: string }>(z.object({ path })),
  'project.open': method<z.ZodObject<{ path: typeof path; create: z.ZodOptional<z.ZodBoolean> }>, ProjectInfo>(
    z.object({ path, create: z.boolean().optional() }),
  ),
  'project.recent': method<typeof empty, { paths: string[] }>(empty),
  'pipeline.save': method<z.ZodObject<{ project: typeof path; text: typeof text }>, { version: PipelineVersion; created: boolean }>(
    z.object({ project: path, text }),
  ),
  'pipeline.latest': method<z.ZodObject<{ project: typeof path; pipeline: z.ZodOptional<typeof id> }>, { version: PipelineVersion | null }>(
    z.object({ project: path, pipeline: id.optional() }),
  ),
  'run.start': method<
    z.ZodObject<{
      project: typeof path;
      text: typeof text;
      /** resolve relative data paths against this folder */
      baseDir: z.ZodOptional<typeof path>;
      params: z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodUnknown>>;
      noCache: z.ZodOptional<z.ZodBoolean>;
      /** run only this node and what it needs */
      upTo: z.ZodOptional<typeof id>;
      /** force this node and everything downstream to re-run */
      from: z.ZodOptional<typeof id>;
    }>,
    { runId: string }
  >(
    z.object({
      project: path,
      text,
      baseDir: path.optional(),
      params: z.record(z.string(), z.unknown()).optional(),
      noCache: z.boolean().optional(),
      upTo: id.optional(),
      from: id.optional(),
    }),
  ),
  /**
   * Cancels a run this app has under way, started in the editor or by a trigger; `project` picks
   * the project (run ids count per project; without it, that run of any open project).
   */
  'run.cancel': method<z.ZodObject<{ runId: typeof id; project: z.ZodOptional<typeof path> }>, { cancelled: boolean }>(z.object({ runId: id, project: path.optional() })),
  'run.list': method<z.ZodObject<{ project: typeof path }>, { runs: RunListItem[] }>(z.object({ project: path })),
  /** `trials`: node id -> its child executions (sweep trials), for a cached node those of the execution it reused */
  'run.get': method<z.ZodObject<{ project: typeof path; runId: typeof id }>, { summary: RunSummary; events: RunEvent[]; trials?: Record<string, TrialRecord[]> }>(
    z.object({ project: path, runId: id }),
  ),
  /**
   * The recorded training curves (metric series by step) of some nodes of a run; for a cached node
   * those of the execution it reused. node id -> metric key -> points in step order.
   */
  'run.curves': method<
    z.ZodObject<{ project: typeof path; runId: typeof id; nodes: z.ZodArray<typeof id> }>,
    { curves: Record<string, Record<string, { step: number; value: number }[]>> }
  >(z.object({ project: path, runId: id, nodes: z.array(id).max(10_000) })),
  'artifact.preview': method<
    z.ZodObject<{ project: typeof path; hash: typeof id; offset: z.ZodOptional<z.ZodNumber>; limit: z.ZodOptional<z.ZodNumber> }>,
    TablePreview
  >(z.object({ project: path, hash: id, offset: z.number().int().min(0).optional(), limit: z.number().int().min(1).max(10_000).optional() })),
  /** the model servers deploy.serve keeps running in the app, with live request figures */
  'serving.list': method<typeof empty, { servers: RunningServer[] }>(empty),
  'serving.stop': method<z.ZodObject<{ id: z.ZodString }>, { stopped: boolean }>(z.object({ id: z.string().min(1).max(5000) })),
  /** the inputs a running server's model takes now (its name's default version), for the Serving page's "try it" form */
  'serving.inputs': method<z.ZodObject<{ id: z.ZodString }>, ServingInputs>(z.object({ id: z.string().min(1).max(5000) })),
  /** one row predicted through that running server's own HTTP route (logged and counted like any request) */
  'serving.predict': method<z.ZodObject<{ id: z.ZodString; row: z.ZodRecord<z.ZodString, z.ZodUnknown> }>, ServingAnswer>(
    z.object({ id: z.string().min(1).max(5000), row: z.record(z.string(), z.unknown()) }),
  ),
  // ---- files and examples (issue 15): the browser's picker and drops stay inside the workspace folder
  /** the folders and the data files `type` reads in a workspace folder (`dir` relative to it: never `..`, absolute, or a link out) */
  'workspace.files': method<z.ZodObject<{ type: typeof id; dir: z.ZodOptional<z.ZodString> }>, WorkspaceListing>(
    z.object({ type: id, dir: z.string().max(4096).optional() }),
  ),
  /**
   * One chunk (≤ 4 MiB, base64) of a file dropped on the canvas, uploaded into the workspace's
   * data/ folder: the first chunk (offset 0, no `upload`) starts it; the last one places it under
   * the first free name (never replacing a file) and returns its path. Refused: over 256 MiB, or
   * not a file `type` reads.
   */
  'workspace.upload': method<
    z.ZodObject<{ type: typeof id; name: z.ZodString; total: z.ZodNumber; offset: z.ZodNumber; data: z.ZodString; upload: z.ZodOptional<typeof id> }>,
    { upload: string; received: number; path: string | null }
  >(
    z.object({
      type: id,
      name: z.string().min(1).max(1000),
      total: z.number().int().min(0),
      offset: z.number().int().min(0),
      data: z.string().max(6 * 1024 * 1024),
      upload: id.optional(),
    }),
  ),
  /** the desktop app's native open dialog for a file `type` reads; `path` null when cancelled (unavailable in the browser) */
  'file.pickData': method<z.ZodObject<{ type: typeof id }>, { path: string | null }>(z.object({ type: id })),
  /**
   * The desktop app's path of a file dropped on the window, checked before a node reads it: an
   * existing regular file `type` reads, outside the system's folders; its real path (unavailable in the browser).
   */
  'file.dropped': method<z.ZodObject<{ type: typeof id; path: z.ZodString }>, { path: string }>(z.object({ type: id, path: z.string().min(1).max(4096) })),
  'examples.list': method<typeof empty, { examples: ExampleInfo[] }>(empty),
  /**
   * Example `name` as a pipeline file in the workspace: the workspace copy while it is unchanged,
   * else a new copy under a free name (file and metadata.name), checked against `project`'s pipelines.
   */
  'examples.open': method<z.ZodObject<{ name: typeof id; project: z.ZodOptional<typeof path> }>, { path: string; name: string; copied: boolean }>(
    z.object({ name: id, project: path.optional() }),
  ),
  /** the first-start gallery was shown: `app.info`'s firstStart is false from now on */
  'app.welcomed': method<typeof empty, { firstStart: false }>(empty),
  'artifact.json': method<z.ZodObject<{ project: typeof path; hash: typeof id }>, { json: unknown }>(z.object({ project: path, hash: id })),

  // ---- history (issue 14; contract sections 2b and 9): the Runs page
  /** every run of the project in one compact answer (the page sorts and filters it) */
  'history.runs': method<z.ZodObject<{ project: typeof path; limit: z.ZodOptional<z.ZodNumber> }>, RunsTable>(
    z.object({ project: path, limit: z.number().int().min(1).max(1_000_000).optional() }),
  ),
  /** one run as `pipewright show --json`, plus the text of the pipeline version it ran */
  'history.show': method<z.ZodObject<{ project: typeof path; runId: typeof id }>, { show: RunShow; text: string | null }>(
    z.object({ project: path, runId: id }),
  ),
  /** 2–10 runs side by side; each one's diff against the first is section 9's `diff` */
  'history.compare': method<z.ZodObject<{ project: typeof path; runs: z.ZodArray<typeof id> }>, CompareResult>(
    z.object({ project: path, runs: z.array(id).min(2).max(10) }),
  ),
  /** section 9's lineage of an artifact hash, `RUN:NODE.PORT` or `NAME:VERSION` */
  'history.lineage': method<z.ZodObject<{ project: typeof path; ref: typeof id }>, Lineage>(z.object({ project: path, ref: id })),
  'history.versions': method<z.ZodObject<{ project: typeof path; pipeline: typeof id }>, { versions: VersionInfo[] }>(
    z.object({ project: path, pipeline: id }),
  ),
  'history.version': method<z.ZodObject<{ project: typeof path; id: typeof id }>, { version: PipelineVersion }>(z.object({ project: path, id })),
  /** renames a pipeline with its versions and runs */
  'pipeline.rename': method<z.ZodObject<{ project: typeof path; from: typeof id; to: typeof id }>, { name: string }>(
    z.object({ project: path, from: id, to: id }),
  ),
  /** registered model versions, newest first: lineage starts from `NAME:VERSION` */
  'history.models': method<
    z.ZodObject<{ project: typeof path }>,
    { models: { name: string; version: number; run: string | null; node: string | null; createdAt: string }[] }
  >(z.object({ project: path })),
  /** what each retention policy frees (nothing deleted) */
  'history.gcPlan': method<z.ZodObject<{ project: typeof path }>, GcOverview>(z.object({ project: path })),
  /** deletes what `keepLast` (null: keep every run) frees, then compacts; refuses while a run is running */
  'history.gc': method<
    z.ZodObject<{ project: typeof path; keepLast: z.ZodNullable<z.ZodNumber> }>,
    { deletedRuns: number[]; artifacts: { count: number; bytes: number }; fileBytes: { before: number; after: number }; compacted: boolean }
  >(z.object({ project: path, keepLast: z.number().int().min(1).max(1_000_000).nullable() })),
  // ---- the model registry (contract section 5; main/api/models.ts). Changes are audited with via "editor".
  'models.list': method<z.ZodObject<{ project: typeof path }>, { models: ModelSummary[] }>(z.object({ project: path })),
  'models.show': method<z.ZodObject<{ project: typeof path; name: typeof id }>, ModelDetails>(z.object({ project: path, name: id })),
  /** points `alias` at `version` (promote, roll back); `version: null` removes the alias */
  'models.alias': method<
    z.ZodObject<{ project: typeof path; name: typeof id; alias: typeof id; version: z.ZodNullable<z.ZodNumber>; reason: z.ZodOptional<z.ZodString> }>,
    { from: number | null; to: number | null }
  >(z.object({ project: path, name: id, alias: id, version: z.number().int().min(1).nullable(), reason: z.string().max(2000).optional() })),
  /** carries out the pending alias moves to `version` */
  /** what `pipewright export-model REF --project P --to kserve --image I [...]` writes, byte for byte */
  'models.exportKserve': method<
    z.ZodObject<{
      project: typeof path;
      ref: typeof id;
      image: z.ZodString;
      storageUri: z.ZodOptional<z.ZodString>;
      minReplicas: z.ZodOptional<z.ZodNumber>;
      maxReplicas: z.ZodOptional<z.ZodNumber>;
      name: z.ZodOptional<z.ZodString>;
      namespace: z.ZodOptional<z.ZodString>;
    }>,
    { text: string; fileName: string; name: string; version: number }
  >(
    z.object({
      project: path,
      ref: id,
      image: z.string().min(1).max(1000),
      storageUri: z.string().max(4096).optional(),
      minReplicas: z.number().int().min(0).max(9999).optional(),
      maxReplicas: z.number().int().min(1).max(9999).optional(),
      name: z.string().max(200).optional(),
      namespace: z.string().max(200).optional(),
    }),
  ),
  'models.approve': method<
    z.ZodObject<{ project: typeof path; name: typeof id; version: z.ZodNumber; reason: z.ZodOptional<z.ZodString> }>,
    { moved: { alias: string; from: number | null; to: number }[] }
  >(z.object({ project: path, name: id, version: z.number().int().min(1), reason: z.string().max(2000).optional() })),
  // ---- triggers (contract section 8; main/api/triggers.ts): the Triggers page
  /** the triggers of the project's pipeline files, its queue's firings, and whether this app runs them */
  'triggers.list': method<z.ZodObject<{ project: typeof path; limit: z.ZodOptional<z.ZodNumber> }>, TriggersOverview>(
    z.object({ project: path, limit: z.number().int().min(1).max(10_000).optional() }),
  ),
  /** pauses or resumes one trigger (for every watcher of the project: the state is in the project file) */
  'triggers.pause': method<z.ZodObject<{ project: typeof path; key: z.ZodString; paused: z.ZodBoolean }>, { paused: boolean }>(
    z.object({ project: path, key: z.string().min(1).max(10_000), paused: z.boolean() }),
  ),
  /** whether this app fires and runs the project's triggers while it is open (a `pipewright watch` is not affected) */
  'triggers.app': method<z.ZodObject<{ project: typeof path; on: z.ZodBoolean }>, { app: TriggersOverview['app'] }>(
    z.object({ project: path, on: z.boolean() }),
  ),
};

export type MethodName = keyof typeof methods;
export type Params<M extends MethodName> = z.input<(typeof methods)[M]['params']>;
export type Result<M extends MethodName> = (typeof methods)[M]['result'];

/**
 * A command from the desktop shell's menu (Electron only): main shows the native dialogs and
 * passes the chosen path; the renderer does the rest with the methods above.
 */
export type AppCommand =
  | { command: 'project.new' | 'project.open'; path: string }
  | { command: 'pipeline.open' | 'pipeline.import'; path: string }
  | { command: 'pipeline.export' | 'save' | 'view.toggleYaml' | 'run.all' | 'run.cancel' | 'help.about' | 'examples.show' };

export interface Events {
  /** a run's events in order, batched (a node's superseded progress events dropped; see main/api/run-events.ts) */
  'run.events': RunEvent[];
  'app.command': AppCommand;
  /** a trigger of an open project fired, or a run it started began or ended (`runId`) */
  'triggers.changed': { project: string; runId: string | null };
}
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = Events[E];
