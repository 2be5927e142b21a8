/**
 * The project store behind an interface (as MLflow's AbstractStore): what the engine, the API,
 * the CLI and history need from a project file, whatever keeps it. `openProject` returns the
 * SQLite implementation (project-store.ts); callers depend on this file only.
 *
 * Writes: a run's record is a stream of `StoreEvent`s. `append` writes a batch of them in one
 * transaction and keeps the projections (runs, node executions, lineage, metrics, logs, trials,
 * artifacts) up to date; it is all or nothing and fails loudly (a ProjectWriteError naming the
 * file). Executions are addressed by (run, node id), never by a row id the caller has to wait for.
 * Reads: `getRun` replays a stored run as the events the UI and API show, in a fixed number of
 * queries whatever the number of nodes.
 *
 * Feature modules with their own tables (registry, serving, feature store, monitoring: their
 * migrations 0004–0008) use `db` for their SQL and `transaction(fn)` to write, so their rows
 * commit together with the store's when they join one transaction.
 */
import type Database from 'better-sqlite3';
import type { Artifact } from '../../shared/artifacts';
import type { PortKind } from '../../shared/catalog';
import type { LogLevel } from '../../shared/log';
import type { NodeStatus, RunEvent, RunListItem, RunStatus, RunSummary, TrialRecord } from '../../shared/run';
import type { LockWait } from './lock-wait';

export interface PipelineVersionRow {
  id: number;
  pipeline: string;
  hash: string;
  text: string;
  createdAt: string;
}

export interface RunRow {
  id: number;
  pipeline: string;
  pipelineVersionId: number | null;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  params: Record<string, unknown>;
  options: Record<string, unknown>;
  environment: Record<string, unknown>;
  backend: string | null;
}

export interface ExecutionRow {
  id: number;
  runId: number;
  nodeId: string;
  type: string;
  typeVersion: number;
  status: Exclude<NodeStatus, 'queued'>;
  cacheKey: string | null;
  cached: boolean;
  reusedFrom: number | null;
  reason: string;
  error: string | null;
  gateFailed: boolean;
  params: Record<string, unknown>;
  backend: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
}

/** A stored artifact: the shared Artifact and its size in bytes. */
export interface ArtifactInfo extends Artifact {
  size: number;
}

/** A succeeded execution whose outputs can stand in for a new one with the same cache key. */
export interface ReusableExecution {
  executionId: number;
  runId: number;
  outputs: Record<string, ArtifactInfo>;
  metrics: Record<string, number>;
}

export interface ExecutionStart {
  runId: number;
  nodeId: string;
  type: string;
  typeVersion: number;
  status: 'running' | 'skipped' | 'cancelled' | 'failed' | 'succeeded';
  cacheKey?: string | null;
  params?: Record<string, unknown>;
  backend?: string | null;
  reason?: string;
  /** input port -> artifact hash (lineage) */
  inputs?: Record<string, string>;
  startedAt?: string;
}

export interface ExecutionFinish {
  status: Exclude<NodeStatus, 'queued' | 'running'>;
  cached?: boolean;
  reusedFrom?: number | null;
  /** reused from the execution of this node in the same run (when its id is not known yet) */
  reusedFromNode?: string;
  reason: string;
  error?: string | null;
  gateFailed?: boolean;
  finishedAt?: string;
  durationMs: number;
  /** output port -> artifact hash (the artifact must be stored already, or earlier in the same batch) */
  outputs?: Record<string, string>;
  backend?: string | null;
  /** replaces the key given at the start (the backend a node really got can differ from the one assumed) */
  cacheKey?: string;
}

export interface MetricPoint {
  key: string;
  value: number;
  step?: number | null;
}

/** A whole execution in one record: a node that never ran (skipped, cancelled) or was reused. */
export type ExecutionRecord = ExecutionStart & ExecutionFinish & { metrics?: MetricPoint[] };

export interface RunStart {
  pipeline: string;
  pipelineVersionId?: number | null;
  params?: Record<string, unknown>;
  options?: Record<string, unknown>;
  environment?: Record<string, unknown>;
  backend?: string | null;
}

/**
 * One fact about a run, as the store records it. Executions are named by `runId` + `nodeId`
 * (unique in a run), so an event never waits for a row id.
 */
export type StoreEvent =
  /** a node starts running (lineage of its inputs recorded now) */
  | { type: 'execution.started'; execution: ExecutionStart }
  /** a node that ran ends: its outputs (stored already, or by an earlier `artifact` event) and scalars */
  | { type: 'execution.finished'; runId: number; nodeId: string; finish: ExecutionFinish; metrics?: Record<string, number> }
  /** a node that did not run (reused, skipped, cancelled before it started), whole */
  | { type: 'execution.recorded'; execution: ExecutionRecord }
  /** an output file to keep, once per content hash; `hash`, when given, is checked while the file is read */
  | { type: 'artifact'; file: string; kind: PortKind; meta: Record<string, unknown>; hash?: string }
  /** a log line of a node, or of the run as a whole (`nodeId` null) */
  | { type: 'log'; runId: number; nodeId: string | null; level: LogLevel; message: string; time: number }
  /** a point of a series (loss per epoch) */
  | { type: 'metric'; runId: number; nodeId: string; key: string; value: number; step: number }
  /** a child execution (a sweep trial); the same index again replaces the first */
  | { type: 'trial'; runId: number; nodeId: string; trial: TrialRecord }
  /** the sha256 of the data files a node read (path as written -> hash), kept in the run's options for lineage */
  | { type: 'run.dataFiles'; runId: number; nodeId: string; files: Record<string, string> }
  /** the run's owner is alive */
  | { type: 'run.heartbeat'; runId: number }
  | { type: 'run.environment'; runId: number; environment: Record<string, unknown> }
  | { type: 'run.finished'; runId: number; status: Exclude<RunStatus, 'running'>; durationMs: number; backend?: string | null }
  /** a project-wide setting (the probed compute backend) */
  | { type: 'meta'; key: string; value: string };

export interface TransactionOptions {
  /**
   * How long to wait for another process's write lock (default: the store's `lock.waitMs`,
   * saying so once through `lock.onWait` when it is more than a moment). When the lock stays
   * taken the transaction throws a ProjectWriteError with `busy` set, having written nothing.
   */
  waitMs?: number;
}

/** A stored run replayed: the CLI's `--json` summary and the events the UI and the API show. */
export interface StoredRun {
  summary: RunSummary;
  events: RunEvent[];
  run: RunRow;
  executions: ExecutionRow[];
  /** node -> the trials behind it (its own, or for a reused node those of the execution it reused) */
  trials: Record<string, TrialRecord[]>;
}

/** The log lines of a run, in order. */
export interface LogRow {
  executionId: number | null;
  nodeId: string | null;
  time: number;
  level: LogLevel;
  message: string;
}

export interface ProjectStore {
  /** the project file (absolute) */
  readonly path: string;
  /** how writes wait for another process's lock; `onWait` may be set later (the CLI's stderr) */
  readonly lock: LockWait;
  /** the SQLite handle, for feature modules that keep tables of their own (write through `transaction`) */
  readonly db: Database.Database;
  readonly isOpen: boolean;
  close(): void;

  /**
   * The one transaction idiom: runs `fn` in one write transaction (`BEGIN IMMEDIATE`); a call
   * inside another joins it. A failed SQLite write, or a lock held past the wait, throws a
   * ProjectWriteError naming the file and nothing of `fn` is kept; other errors pass through
   * (and roll back as well).
   */
  transaction<T>(fn: () => T, opts?: TransactionOptions): T;
  /** Records a batch of run events in one transaction (see `transaction` for failures). */
  append(events: readonly StoreEvent[], opts?: TransactionOptions): void;

  schemaVersion(): number;
  integrityCheck(): string[];
  /** A consistent copy of the whole project in a new file (save-as, backups). */
  backupTo(destFile: string): void;
  getMeta(key: string): string | null;
  setMeta(key: string, value: string): void;

  // pipelines
  /** Stores a pipeline's canonical text once per content hash. */
  savePipelineVersion(pipeline: string, text: string): { version: PipelineVersionRow; created: boolean };
  /** The newest saved version of a pipeline (of any pipeline when `pipeline` is omitted). */
  latestPipelineVersion(pipeline?: string): PipelineVersionRow | null;
  pipelineVersion(id: number): PipelineVersionRow | null;
  listPipelines(): { name: string; versions: number; updatedAt: string }[];

  // runs
  /** Records a run as running, owned by this process; its nodes follow through `append`. */
  createRun(args: RunStart): RunRow;
  /** Marks runs whose owning process died as `interrupted` (done on open). */
  markInterruptedRuns(): number[];
  getRunRow(runId: number): RunRow | null;
  /** Runs, newest first, with their headline metrics (filters applied in SQL). */
  listRuns(opts?: { pipeline?: string; status?: RunStatus; limit?: number }): RunListItem[];
  /** The scalars that sum up a run. */
  headlineMetrics(runId: number): Record<string, number>;
  /** A stored run replayed as events, in a fixed number of queries. */
  getRun(runId: number): StoredRun | null;
  getLogs(runId: number): LogRow[];

  // executions
  getExecutions(runId: number): ExecutionRow[];
  executionInputs(executionId: number): Record<string, string>;
  executionOutputs(executionId: number): Record<string, ArtifactInfo>;
  /** node -> port -> output artifact of every execution of a run (one query). */
  runOutputs(runId: number): Map<string, Record<string, ArtifactInfo>>;
  /** node -> scalar metrics of a run (one query). */
  runScalars(runId: number): Map<string, Record<string, number>>;
  /** The newest succeeded, really-run execution with this cache key, with its outputs. */
  findReusableExecution(cacheKey: string): ReusableExecution | null;
  /** The execution of a node id in the newest run of a pipeline (before `beforeRunId`) where it got as far as a cache key. */
  lastExecutionOfNode(pipeline: string, nodeId: string, beforeRunId?: number): (ExecutionRow & { inputs: Record<string, string> }) | null;
  /** The trials an execution ran itself, in index order. */
  listTrials(parentExecutionId: number): TrialRecord[];
  scalarMetrics(executionId: number): Record<string, number>;
  /** Every series (loss per epoch) of an execution: key -> points in step order. */
  metricSeries(executionId: number): Record<string, { step: number; value: number }[]>;

  // artifacts (stored in fixed-size chunks, streamed in and out)
  hasArtifact(hash: string): boolean;
  getArtifact(hash: string): ArtifactInfo | null;
  /**
   * Stores a file once per content hash, reading it once in chunks and hashing while it is
   * written (never whole in memory); returns the hash. A given `hash` skips a stored artifact
   * without reading the file, and is checked against the bytes otherwise.
   */
  putArtifact(file: string, kind: PortKind, meta?: Record<string, unknown>, hash?: string): string;
  /** Stores bytes once by content hash. */
  putArtifactBytes(bytes: Buffer, kind: PortKind, meta?: Record<string, unknown>): string;
  /** An artifact's bytes whole (small JSON artifacts); null when absent. */
  artifactBytes(hash: string): Buffer | null;
  /** Streams an artifact's bytes to a file (for a node that needs it as a file); returns the file. */
  extractArtifact(hash: string, destFile: string): string;
  /** Parses a JSON artifact (model, metrics, report, endpoint). */
  artifactJson(hash: string): unknown;
}
