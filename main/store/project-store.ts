/**
 * The project file (`.pwproj`): one SQLite database holding pipelines and their versions, runs,
 * node executions, metrics, logs, artifacts (stored once by content hash) and lineage.
 * Synchronous by design (better-sqlite3): every call is a short transaction on the main thread.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { PortKind } from '../../shared/catalog';
import type { LogLevel } from '../../shared/log';
import type { NodeResult, NodeStatus, RunEvent, RunListItem, RunStatus, RunSummary, TrialRecord } from '../../shared/run';
import { artifactOf, type Artifact } from '../../shared/artifacts';
import { registry } from '../../nodes/registry';
import { LATEST_VERSION, migrations } from './migrations';
import { pidAlive } from '../pid';
import { isBusy, ProjectFileError } from './errors';
import { lockWaitFromEnv, withLockWait, type LockWait } from './lock-wait';
import { APPLICATION_ID, asFileError, checkSchema, connect, preflight, verifyFile, walHasFrames } from './preflight';

export { ProjectFileError, ProjectWriteError } from './errors';
export { APPLICATION_ID } from './preflight';
export { backupProject } from './backup';
export { DEFAULT_LOCK_WAIT_MS, lockTimeout, lockWaitFromEnv, waitingMessage, type LockWait } from './lock-wait';

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
  inputs?: Record<string, string>;
  startedAt?: string;
}

export interface ExecutionFinish {
  status: Exclude<NodeStatus, 'queued' | 'running'>;
  cached?: boolean;
  reusedFrom?: number | null;
  reason: string;
  error?: string | null;
  gateFailed?: boolean;
  finishedAt?: string;
  durationMs: number;
  /** output port -> artifact hash (the artifact must be stored already) */
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

export interface OpenOptions {
  /** create the file when it does not exist */
  create?: boolean;
  /** open read-only (no migrations, no interrupted marking) */
  readonly?: boolean;
  /** how long a write waits for another process's lock (default: PIPEWRIGHT_LOCK_WAIT_MS, else 30 s) */
  lockWaitMs?: number;
  /** told when a write waits for another process's lock */
  onWait?: (message: string) => void;
}

/** How long a live owner's heartbeat may be silent before its run counts as dead anyway. */
const STALE_HEARTBEAT_MS = 120_000;
/** A run owned by another host is judged by its heartbeat alone. */
const FOREIGN_STALE_MS = 60_000;

const now = (): string => new Date().toISOString();

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function parseJson(text: string | null | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Opens (or creates) a project file, migrating it to this app's schema. Nothing is written to
 * the file (not even its journal mode) until it passed every check: a regular, writable file,
 * a Pipewright file of a schema this app knows, and `PRAGMA quick_check`.
 */
export function openProject(path: string, opts: OpenOptions = {}): ProjectStore {
  const file = resolve(path);
  const readonly = Boolean(opts.readonly);
  const pre = preflight(file, { create: opts.create, readonly, latest: LATEST_VERSION });
  if (!pre.exists) mkdirSync(dirname(file), { recursive: true });
  const lock: LockWait = { waitMs: opts.lockWaitMs ?? lockWaitFromEnv(), onWait: opts.onWait };
  // Commits still in the -wal are checked on a read-only connection: closing a writable one
  // would checkpoint them into a file that may be refused.
  const apart = pre.header !== null && !readonly && walHasFrames(file);
  if (apart) {
    const ro = connect(file, true);
    try {
      ro.pragma(`busy_timeout = ${lock.waitMs}`);
      verifyFile(ro, file);
    } catch (e) {
      throw asFileError(e, file);
    } finally {
      ro.close();
    }
  }
  const db = connect(file, readonly);
  try {
    db.pragma(`busy_timeout = ${lock.waitMs}`);
    if (!apart) verifyFile(db, file);
    if (!readonly) {
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') withLockWait(db, file, lock, () => db.pragma('journal_mode = WAL'));
      db.pragma('synchronous = FULL');
      migrate(db, file, lock);
    }
    db.pragma('foreign_keys = ON');
  } catch (e) {
    db.close();
    throw asFileError(e, file);
  }
  const store = new ProjectStore(db, file, lock);
  if (!readonly) {
    try {
      store.markInterruptedRuns();
    } catch (e) {
      store.close();
      throw e;
    }
  }
  return store;
}

/** Runs every pending migration in one transaction, then sets `user_version`. */
export function migrate(db: Database.Database, file = db.name, lock: LockWait = { waitMs: lockWaitFromEnv() }): void {
  // An up-to-date file takes no write lock at all.
  if ((db.pragma('user_version', { simple: true }) as number) === LATEST_VERSION) return;
  withLockWait(db, file, lock, () =>
    db
      .transaction(() => {
        // Read under the lock: another process may have created the schema meanwhile.
        const current = db.pragma('user_version', { simple: true }) as number;
        checkSchema(file, { userVersion: current, applicationId: APPLICATION_ID }, LATEST_VERSION, false);
        const pending = migrations.filter((m) => m.version > current);
        if (pending.length === 0) return;
        for (const m of pending) m.up(db);
        if (current === 0) {
          db.pragma(`application_id = ${APPLICATION_ID}`);
          db.prepare('INSERT OR IGNORE INTO project_meta (key, value) VALUES (?, ?)').run('created_at', now());
        }
        db.pragma(`user_version = ${LATEST_VERSION}`);
      })
      .immediate(),
  );
}

interface RunDbRow {
  id: number;
  pipeline: string;
  pipeline_version_id: number | null;
  status: RunStatus;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  params: string;
  options: string;
  environment: string;
  backend: string | null;
}

interface ExecDbRow {
  id: number;
  run_id: number;
  node_id: string;
  type: string;
  type_version: number;
  status: ExecutionRow['status'];
  cache_key: string | null;
  cached: number;
  reused_from: number | null;
  reason: string;
  error: string | null;
  gate_failed: number;
  params: string;
  backend: string | null;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
}

function toRun(r: RunDbRow): RunRow {
  return {
    id: r.id,
    pipeline: r.pipeline,
    pipelineVersionId: r.pipeline_version_id,
    status: r.status,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationMs: r.duration_ms,
    params: parseJson(r.params),
    options: parseJson(r.options),
    environment: parseJson(r.environment),
    backend: r.backend,
  };
}

function toExec(r: ExecDbRow): ExecutionRow {
  return {
    id: r.id,
    runId: r.run_id,
    nodeId: r.node_id,
    type: r.type,
    typeVersion: r.type_version,
    status: r.status,
    cacheKey: r.cache_key,
    cached: r.cached === 1,
    reusedFrom: r.reused_from,
    reason: r.reason,
    error: r.error,
    gateFailed: r.gate_failed === 1,
    params: parseJson(r.params),
    backend: r.backend,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationMs: r.duration_ms,
  };
}

const METRIC_CHUNK = 250;
const METRIC_CHUNK_SQL = `INSERT INTO metrics (execution_id, key, step, value) VALUES ${Array(METRIC_CHUNK).fill('(?, ?, ?, ?)').join(', ')}`;

const RUN_SELECT = `SELECT r.id, p.name AS pipeline, r.pipeline_version_id, r.status, r.started_at, r.finished_at, r.duration_ms,
  r.params, r.options, r.environment, r.backend FROM runs r JOIN pipelines p ON p.id = r.pipeline_id`;

export class ProjectStore {
  private readonly stmts = new Map<string, Database.Statement>();
  private closed = false;

  constructor(
    readonly db: Database.Database,
    readonly path: string,
    /** how writes wait for another process's lock; `onWait` may be set later (the CLI's stderr) */
    readonly lock: LockWait = { waitMs: lockWaitFromEnv() },
  ) {
    // One wrapper for every transaction: making a new one per call shows up in profiles.
    this.txn = db.transaction((fn: () => unknown): unknown => fn());
  }

  private st(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  private readonly txn: Database.Transaction<(fn: () => unknown) => unknown>;

  /**
   * Runs `fn` in one write transaction (nested calls join the outer one as a savepoint). When
   * another process holds the lock it waits for `lock.waitMs` (saying so once), then throws a
   * ProjectWriteError naming the file.
   */
  transaction<T>(fn: () => T): T {
    return withLockWait(this.db, this.path, this.lock, () => this.txn.immediate(fn) as T);
  }

  /**
   * One try at a write transaction that waits at most `waitMs` for another process's lock:
   * false when the lock stayed taken (then nothing was written); a failed write throws.
   */
  tryTransaction(fn: () => void, waitMs = 0): boolean {
    if (this.db.inTransaction) {
      fn();
      return true;
    }
    this.db.pragma(`busy_timeout = ${waitMs}`);
    try {
      this.txn.immediate(fn);
      return true;
    } catch (e) {
      if (isBusy(e)) return false;
      throw e;
    } finally {
      this.db.pragma(`busy_timeout = ${this.lock.waitMs}`);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** The schema version of the file. */
  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  getMeta(key: string): string | null {
    const r = this.st('SELECT value FROM project_meta WHERE key = ?').get(key) as { value: string } | undefined;
    return r ? r.value : null;
  }

  setMeta(key: string, value: string): void {
    this.st('INSERT INTO project_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  // ---------------------------------------------------------------- pipelines

  private pipelineId(name: string): number {
    const r = this.st('SELECT id FROM pipelines WHERE name = ?').get(name) as { id: number } | undefined;
    if (r) return r.id;
    return Number(this.st('INSERT INTO pipelines (name, created_at) VALUES (?, ?)').run(name, now()).lastInsertRowid);
  }

  /** Stores a pipeline's canonical text once per content hash. */
  savePipelineVersion(pipeline: string, text: string): { version: PipelineVersionRow; created: boolean } {
    return this.transaction(() => {
      const pid = this.pipelineId(pipeline);
      const hash = sha256Hex(text);
      const found = this.st('SELECT id, created_at FROM pipeline_versions WHERE pipeline_id = ? AND hash = ?').get(pid, hash) as
        | { id: number; created_at: string }
        | undefined;
      if (found) return { version: { id: found.id, pipeline, hash, text, createdAt: found.created_at }, created: false };
      const createdAt = now();
      const id = Number(
        this.st('INSERT INTO pipeline_versions (pipeline_id, hash, text, created_at) VALUES (?, ?, ?, ?)').run(pid, hash, text, createdAt).lastInsertRowid,
      );
      return { version: { id, pipeline, hash, text, createdAt }, created: true };
    });
  }

  /** The newest saved version of a pipeline (of any pipeline when `pipeline` is omitted). */
  latestPipelineVersion(pipeline?: string): PipelineVersionRow | null {
    const sql = `SELECT v.id, p.name AS pipeline, v.hash, v.text, v.created_at AS createdAt FROM pipeline_versions v
      JOIN pipelines p ON p.id = v.pipeline_id ${pipeline === undefined ? '' : 'WHERE p.name = ?'} ORDER BY v.id DESC LIMIT 1`;
    const r = (pipeline === undefined ? this.st(sql).get() : this.st(sql).get(pipeline)) as PipelineVersionRow | undefined;
    return r ?? null;
  }

  listPipelines(): { name: string; versions: number; updatedAt: string }[] {
    return this.st(
      `SELECT p.name, count(v.id) AS versions, coalesce(max(v.created_at), p.created_at) AS updatedAt
       FROM pipelines p LEFT JOIN pipeline_versions v ON v.pipeline_id = p.id GROUP BY p.id ORDER BY p.name`,
    ).all() as { name: string; versions: number; updatedAt: string }[];
  }

  // ---------------------------------------------------------------- runs

  createRun(args: {
    pipeline: string;
    pipelineVersionId?: number | null;
    params?: Record<string, unknown>;
    options?: Record<string, unknown>;
    environment?: Record<string, unknown>;
    backend?: string | null;
  }): RunRow {
    return this.transaction(() => {
      const pid = this.pipelineId(args.pipeline);
      const startedAt = now();
      const id = Number(
        this.st(
          `INSERT INTO runs (pipeline_id, pipeline_version_id, status, started_at, params, options, environment, backend, owner_host, owner_pid, heartbeat_at)
           VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          pid,
          args.pipelineVersionId ?? null,
          startedAt,
          JSON.stringify(args.params ?? {}),
          JSON.stringify(args.options ?? {}),
          JSON.stringify(args.environment ?? {}),
          args.backend ?? null,
          hostname(),
          process.pid,
          Date.now(),
        ).lastInsertRowid,
      );
      return this.getRunRow(id)!;
    });
  }

  /** Proves the owner of a running run is alive (see markInterruptedRuns). */
  heartbeat(runId: number): void {
    this.st("UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'").run(Date.now(), runId);
  }

  setRunBackend(runId: number, backend: string): void {
    this.st('UPDATE runs SET backend = ? WHERE id = ?').run(backend, runId);
  }

  setRunEnvironment(runId: number, environment: Record<string, unknown>): void {
    this.st('UPDATE runs SET environment = ? WHERE id = ?').run(JSON.stringify(environment), runId);
  }

  finishRun(runId: number, status: Exclude<RunStatus, 'running'>, durationMs: number, backend?: string | null): void {
    this.st('UPDATE runs SET status = ?, finished_at = ?, duration_ms = ?, backend = coalesce(?, backend) WHERE id = ?').run(
      status,
      now(),
      Math.round(durationMs),
      backend ?? null,
      runId,
    );
  }

  /**
   * Marks runs whose owning process died as `interrupted`, with their unfinished node executions
   * `cancelled`. A run is left alone while its owner process lives on this host and its heartbeat
   * is recent, so a run in another live process is never marked.
   */
  markInterruptedRuns(): number[] {
    const rows = this.st("SELECT id, owner_host, owner_pid, heartbeat_at FROM runs WHERE status = 'running'").all() as {
      id: number;
      owner_host: string | null;
      owner_pid: number | null;
      heartbeat_at: number | null;
    }[];
    const host = hostname();
    const t = Date.now();
    const dead = rows.filter((r) => {
      const age = t - (r.heartbeat_at ?? 0);
      if (r.owner_host === host && r.owner_pid != null) return !pidAlive(r.owner_pid) || age > STALE_HEARTBEAT_MS;
      return age > FOREIGN_STALE_MS;
    });
    if (dead.length === 0) return [];
    this.transaction(() => {
      for (const r of dead) {
        this.st(
          `UPDATE runs SET status = 'interrupted', finished_at = ?,
             duration_ms = CAST((julianday(?) - julianday(started_at)) * 86400000 AS INTEGER) WHERE id = ? AND status = 'running'`,
        ).run(now(), now(), r.id);
        this.st(
          `UPDATE node_executions SET status = 'cancelled', error = 'the run was interrupted (its process died)', finished_at = ?
           WHERE run_id = ? AND status IN ('queued', 'running')`,
        ).run(now(), r.id);
      }
    });
    return dead.map((r) => r.id);
  }

  getRunRow(runId: number): RunRow | null {
    const r = this.st(`${RUN_SELECT} WHERE r.id = ?`).get(runId) as RunDbRow | undefined;
    return r ? toRun(r) : null;
  }

  /** Runs, newest first, with their headline metrics. */
  listRuns(opts: { pipeline?: string; limit?: number } = {}): RunListItem[] {
    const rows = (
      opts.pipeline === undefined
        ? this.st(`${RUN_SELECT} ORDER BY r.id DESC LIMIT ?`).all(opts.limit ?? -1)
        : this.st(`${RUN_SELECT} WHERE p.name = ? ORDER BY r.id DESC LIMIT ?`).all(opts.pipeline, opts.limit ?? -1)
    ) as RunDbRow[];
    return rows.map((r) => ({
      id: String(r.id),
      status: r.status,
      pipeline: r.pipeline,
      startedAt: r.started_at,
      durationMs: r.duration_ms,
      metrics: this.headlineMetrics(r.id),
    }));
  }

  /** Which node types' scalars sum up a run: those that declare `headlineMetrics` (plugins: set your own). */
  headlineType: (type: string) => boolean = (type) => Boolean(registry.get(type)?.headlineMetrics);

  /**
   * The scalars that sum up a run: those of its nodes whose type declares `headlineMetrics`
   * (the evaluate.* types) when it has any, else every node's scalars (a later node wins a name clash).
   */
  headlineMetrics(runId: number): Record<string, number> {
    const rows = this.st(
      `SELECT e.type, m.key, m.value FROM metrics m JOIN node_executions e ON e.id = m.execution_id
       WHERE e.run_id = ? AND m.step IS NULL ORDER BY e.id, m.rowid`,
    ).all(runId) as { type: string; key: string; value: number | null }[];
    const evals = rows.filter((r) => this.headlineType(r.type));
    const out: Record<string, number> = {};
    for (const r of evals.length > 0 ? evals : rows) if (r.value !== null) out[r.key] = r.value;
    return out;
  }

  // ---------------------------------------------------------------- executions

  /** Inserts a node execution (at its start, or whole when it never ran); returns its id. */
  startExecution(e: ExecutionStart): number {
    const id = Number(
      this.st(
        `INSERT INTO node_executions (run_id, node_id, type, type_version, status, cache_key, params, backend, reason, started_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        e.runId,
        e.nodeId,
        e.type,
        e.typeVersion,
        e.status,
        e.cacheKey ?? null,
        JSON.stringify(e.params ?? {}),
        e.backend ?? null,
        e.reason ?? '',
        e.startedAt ?? now(),
      ).lastInsertRowid,
    );
    if (e.inputs) this.linkArtifacts('execution_inputs', id, e.inputs);
    return id;
  }

  /** Lineage: which artifact went into (or came out of) each port of an execution. */
  private linkArtifacts(table: 'execution_inputs' | 'execution_outputs', executionId: number, ports: Record<string, string>, replace = false): void {
    const ins = this.st(`INSERT${replace ? ' OR REPLACE' : ''} INTO ${table} (execution_id, port, artifact_hash) VALUES (?, ?, ?)`);
    for (const [port, hash] of Object.entries(ports)) ins.run(executionId, port, hash);
  }

  finishExecution(executionId: number, f: ExecutionFinish): void {
    this.st(
      `UPDATE node_executions SET status = ?, cached = ?, reused_from = ?, reason = ?, error = ?, gate_failed = ?,
         finished_at = ?, duration_ms = ?, backend = coalesce(?, backend), cache_key = coalesce(?, cache_key) WHERE id = ?`,
    ).run(
      f.status,
      f.cached ? 1 : 0,
      f.reusedFrom ?? null,
      f.reason,
      f.error ?? null,
      f.gateFailed ? 1 : 0,
      f.finishedAt ?? now(),
      Math.round(f.durationMs),
      f.backend ?? null,
      f.cacheKey ?? null,
      executionId,
    );
    if (f.outputs) this.linkArtifacts('execution_outputs', executionId, f.outputs, true);
  }

  /** A whole execution in one call (start and finish): one row, its lineage and metrics. */
  recordExecution(e: ExecutionStart & ExecutionFinish & { metrics?: MetricPoint[] }): number {
    return this.transaction(() => {
      const t = e.finishedAt ?? now();
      const id = Number(
        this.st(
          `INSERT INTO node_executions (run_id, node_id, type, type_version, status, cache_key, cached, reused_from, reason, error, gate_failed,
             params, backend, started_at, finished_at, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          e.runId,
          e.nodeId,
          e.type,
          e.typeVersion,
          e.status,
          e.cacheKey ?? null,
          e.cached ? 1 : 0,
          e.reusedFrom ?? null,
          e.reason,
          e.error ?? null,
          e.gateFailed ? 1 : 0,
          JSON.stringify(e.params ?? {}),
          e.backend ?? null,
          e.startedAt ?? t,
          t,
          Math.round(e.durationMs),
        ).lastInsertRowid,
      );
      if (e.inputs) this.linkArtifacts('execution_inputs', id, e.inputs);
      if (e.outputs) this.linkArtifacts('execution_outputs', id, e.outputs);
      if (e.metrics && e.metrics.length) this.recordMetrics(id, e.metrics);
      return id;
    });
  }

  getExecutions(runId: number): ExecutionRow[] {
    return (this.st('SELECT * FROM node_executions WHERE run_id = ? ORDER BY id').all(runId) as ExecDbRow[]).map(toExec);
  }

  getExecution(executionId: number): ExecutionRow | null {
    const r = this.st('SELECT * FROM node_executions WHERE id = ?').get(executionId) as ExecDbRow | undefined;
    return r ? toExec(r) : null;
  }

  executionInputs(executionId: number): Record<string, string> {
    const rows = this.st('SELECT port, artifact_hash FROM execution_inputs WHERE execution_id = ?').all(executionId) as { port: string; artifact_hash: string }[];
    return Object.fromEntries(rows.map((r) => [r.port, r.artifact_hash]));
  }

  executionOutputs(executionId: number): Record<string, ArtifactInfo> {
    const rows = this.st(
      `SELECT o.port, a.hash, a.kind, a.size, a.meta FROM execution_outputs o JOIN artifacts a ON a.hash = o.artifact_hash WHERE o.execution_id = ?`,
    ).all(executionId) as { port: string; hash: string; kind: PortKind; size: number; meta: string }[];
    return Object.fromEntries(rows.map((r) => [r.port, { hash: r.hash, kind: r.kind, size: r.size, meta: parseJson(r.meta) }]));
  }

  /** The newest succeeded, really-run execution with this cache key, with its outputs. */
  findReusableExecution(cacheKey: string): ReusableExecution | null {
    const r = this.st(
      "SELECT id, run_id FROM node_executions WHERE cache_key = ? AND status = 'succeeded' AND cached = 0 ORDER BY id DESC LIMIT 1",
    ).get(cacheKey) as { id: number; run_id: number } | undefined;
    if (!r) return null;
    return { executionId: r.id, runId: r.run_id, outputs: this.executionOutputs(r.id), metrics: this.scalarMetrics(r.id) };
  }

  /**
   * The newest execution of a node id in a pipeline that got as far as a cache key: what a new
   * execution is compared with to say why it re-runs.
   */
  lastExecutionOfNode(pipeline: string, nodeId: string, beforeRunId?: number): (ExecutionRow & { inputs: Record<string, string> }) | null {
    const r = this.st(
      `SELECT e.* FROM node_executions e JOIN runs r ON r.id = e.run_id JOIN pipelines p ON p.id = r.pipeline_id
       WHERE p.name = ? AND e.node_id = ? AND e.cache_key IS NOT NULL AND e.run_id < ? ORDER BY e.id DESC LIMIT 1`,
    ).get(pipeline, nodeId, beforeRunId ?? Number.MAX_SAFE_INTEGER) as ExecDbRow | undefined;
    if (!r) return null;
    return { ...toExec(r), inputs: this.executionInputs(r.id) };
  }

  // ---------------------------------------------------------------- child executions (trials)

  /**
   * Records one trial as a child execution of `parentExecutionId`. The same index recorded again
   * replaces the first record, so a retried report never duplicates a child.
   */
  recordTrial(parentExecutionId: number, t: TrialRecord): number {
    const write = (): number => {
      this.st('DELETE FROM trial_executions WHERE parent_execution_id = ? AND trial_index = ?').run(parentExecutionId, t.index);
      const id = Number(
        this.st(
          `INSERT INTO trial_executions (parent_execution_id, trial_index, status, params, error, duration_ms, recorded_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        ).run(parentExecutionId, t.index, t.status, JSON.stringify(t.params ?? {}), t.error ?? null, Math.round(t.durationMs), now()).lastInsertRowid,
      );
      const ins = this.st('INSERT OR REPLACE INTO trial_metrics (trial_id, key, value) VALUES (?, ?, ?)');
      for (const [key, value] of Object.entries(t.metrics ?? {})) ins.run(id, key, Number.isFinite(value) ? value : null);
      return id;
    };
    return this.db.inTransaction ? write() : this.transaction(write);
  }

  /** The trials an execution ran itself, in index order (a cached execution has none of its own). */
  listTrials(parentExecutionId: number): TrialRecord[] {
    const rows = this.st(
      'SELECT id, trial_index, status, params, error, duration_ms FROM trial_executions WHERE parent_execution_id = ? ORDER BY trial_index',
    ).all(parentExecutionId) as { id: number; trial_index: number; status: TrialRecord['status']; params: string; error: string | null; duration_ms: number }[];
    if (rows.length === 0) return [];
    const metricsOf = this.st('SELECT key, value FROM trial_metrics WHERE trial_id = ? ORDER BY rowid');
    return rows.map((r) => {
      const metrics: Record<string, number> = {};
      for (const m of metricsOf.all(r.id) as { key: string; value: number | null }[]) if (m.value !== null) metrics[m.key] = m.value;
      const t: TrialRecord = { index: r.trial_index, params: parseJson(r.params), metrics, status: r.status, durationMs: r.duration_ms };
      if (r.error !== null) t.error = r.error;
      return t;
    });
  }

  /**
   * The trials behind each node of a run: those its execution ran, or for a cached node those
   * of the execution it reused (children stay attached to the execution that ran them).
   */
  runTrials(runId: number): Record<string, TrialRecord[]> {
    const out: Record<string, TrialRecord[]> = {};
    for (const e of this.getExecutions(runId)) {
      const trials = this.listTrials(e.cached && e.reusedFrom !== null ? e.reusedFrom : e.id);
      if (trials.length) out[e.nodeId] = trials;
    }
    return out;
  }

  // ---------------------------------------------------------------- metrics and logs

  /**
   * Records metric points in one transaction. Points go in many rows per statement: the
   * per-statement cost, not SQLite, dominates 100,000 single-row inserts.
   */
  recordMetrics(executionId: number, points: MetricPoint[]): void {
    const one = this.st('INSERT INTO metrics (execution_id, key, step, value) VALUES (?, ?, ?, ?)');
    const write = (): void => {
      let i = 0;
      if (points.length >= METRIC_CHUNK) {
        const many = this.st(METRIC_CHUNK_SQL);
        const args: unknown[] = new Array(METRIC_CHUNK * 4);
        for (; i + METRIC_CHUNK <= points.length; i += METRIC_CHUNK) {
          for (let j = 0; j < METRIC_CHUNK; j++) {
            const p = points[i + j];
            args[j * 4] = executionId;
            args[j * 4 + 1] = p.key;
            args[j * 4 + 2] = p.step ?? null;
            args[j * 4 + 3] = Number.isFinite(p.value) ? p.value : null;
          }
          many.run(args);
        }
      }
      for (; i < points.length; i++) {
        const p = points[i];
        one.run(executionId, p.key, p.step ?? null, Number.isFinite(p.value) ? p.value : null);
      }
    };
    // Inside a transaction already (the engine's batches): each insert is atomic on its own.
    if (this.db.inTransaction) write();
    else this.transaction(write);
  }

  scalarMetrics(executionId: number): Record<string, number> {
    const rows = this.st('SELECT key, value FROM metrics WHERE execution_id = ? AND step IS NULL ORDER BY rowid').all(executionId) as {
      key: string;
      value: number | null;
    }[];
    const out: Record<string, number> = {};
    for (const r of rows) if (r.value !== null) out[r.key] = r.value;
    return out;
  }

  /** A series (loss per epoch) of one execution, in step order. */
  metricSeries(executionId: number, key: string): { step: number; value: number | null }[] {
    return this.st('SELECT step, value FROM metrics WHERE execution_id = ? AND key = ? AND step IS NOT NULL ORDER BY step, rowid').all(executionId, key) as {
      step: number;
      value: number | null;
    }[];
  }

  /** Every series key of an execution. */
  metricSeriesKeys(executionId: number): string[] {
    return (this.st('SELECT DISTINCT key FROM metrics WHERE execution_id = ? AND step IS NOT NULL ORDER BY key').all(executionId) as { key: string }[]).map(
      (r) => r.key,
    );
  }

  recordLog(runId: number, executionId: number | null, level: LogLevel, message: string, time = Date.now()): void {
    this.st('INSERT INTO logs (run_id, execution_id, time, level, message) VALUES (?, ?, ?, ?, ?)').run(runId, executionId, time, level, message);
  }

  getLogs(runId: number): { executionId: number | null; nodeId: string | null; time: number; level: LogLevel; message: string }[] {
    return this.st(
      `SELECT l.execution_id AS executionId, e.node_id AS nodeId, l.time, l.level, l.message FROM logs l
       LEFT JOIN node_executions e ON e.id = l.execution_id WHERE l.run_id = ? ORDER BY l.id`,
    ).all(runId) as { executionId: number | null; nodeId: string | null; time: number; level: LogLevel; message: string }[];
  }

  // ---------------------------------------------------------------- artifacts

  hasArtifact(hash: string): boolean {
    return this.st('SELECT 1 FROM artifacts WHERE hash = ?').get(hash) !== undefined;
  }

  /**
   * Stores a file as an artifact once per content hash and returns the hash. Pass `hash` when it
   * is already known (the worker hashed the file) to skip reading a stored file again.
   */
  putArtifact(file: string, kind: PortKind, meta: Record<string, unknown> = {}, hash?: string): string {
    if (hash && this.hasArtifact(hash)) return hash;
    return this.putArtifactBytes(readFileSync(file), kind, meta, hash);
  }

  /** Stores bytes once by content hash (`hash`, when given, must be their sha256). */
  putArtifactBytes(bytes: Buffer, kind: PortKind, meta: Record<string, unknown> = {}, hash?: string): string {
    const h = hash ?? sha256Hex(bytes);
    this.st('INSERT OR IGNORE INTO artifacts (hash, kind, size, meta, created_at, bytes) VALUES (?, ?, ?, ?, ?, ?)').run(
      h,
      kind,
      bytes.length,
      JSON.stringify(meta),
      now(),
      bytes,
    );
    return h;
  }

  getArtifact(hash: string): ArtifactInfo | null {
    const r = this.st('SELECT hash, kind, size, meta FROM artifacts WHERE hash = ?').get(hash) as
      | { hash: string; kind: PortKind; size: number; meta: string }
      | undefined;
    return r ? { hash: r.hash, kind: r.kind, size: r.size, meta: parseJson(r.meta) } : null;
  }

  artifactBytes(hash: string): Buffer | null {
    const r = this.st('SELECT bytes FROM artifacts WHERE hash = ?').get(hash) as { bytes: Buffer } | undefined;
    return r ? r.bytes : null;
  }

  /** Writes an artifact's bytes to a file (for a node that needs it as a file). */
  extractArtifact(hash: string, destFile: string): string {
    const bytes = this.artifactBytes(hash);
    if (!bytes) throw new Error(`artifact ${hash} is not in the project file`);
    mkdirSync(dirname(destFile), { recursive: true });
    writeFileSync(destFile, bytes);
    return destFile;
  }

  /** Parses a JSON artifact (model, metrics, report, endpoint). */
  artifactJson(hash: string): unknown {
    const bytes = this.artifactBytes(hash);
    if (!bytes) throw new Error(`artifact ${hash} is not in the project file`);
    return JSON.parse(bytes.toString('utf8'));
  }

  // ---------------------------------------------------------------- whole runs

  /** A recorded run as the CLI's `--json` summary, plus the events that replay it. */
  getRun(
    runId: number,
  ): { summary: RunSummary; events: RunEvent[]; run: RunRow; executions: ExecutionRow[]; trials: Record<string, TrialRecord[]> } | null {
    const run = this.getRunRow(runId);
    if (!run) return null;
    const executions = this.getExecutions(runId);
    const id = String(runId);
    const nodes: Record<string, NodeResult> = {};
    const events: RunEvent[] = [{ type: 'run.started', runId: id, pipeline: run.pipeline, nodes: executions.map((e) => e.nodeId) }];
    const logs = this.getLogs(runId);
    const trials: Record<string, TrialRecord[]> = {};
    for (const e of executions) {
      const outputs: Record<string, Artifact> = {};
      for (const [port, a] of Object.entries(this.executionOutputs(e.id))) outputs[port] = artifactOf(a);
      const status: NodeResult['status'] = e.status === 'running' ? 'cancelled' : e.status;
      const result: NodeResult = {
        status,
        cached: e.cached,
        durationMs: e.durationMs ?? 0,
        reason: e.reason,
        metrics: this.scalarMetrics(e.id),
        outputs,
      };
      if (e.error) result.error = e.error;
      if (e.gateFailed) result.gateFailed = true;
      nodes[e.nodeId] = result;
      for (const l of logs) if (l.executionId === e.id) events.push({ type: 'node.log', runId: id, nodeId: e.nodeId, level: l.level, message: l.message, time: l.time });
      for (const key of this.metricSeriesKeys(e.id))
        for (const p of this.metricSeries(e.id, key)) if (p.value !== null) events.push({ type: 'node.metric', runId: id, nodeId: e.nodeId, key, value: p.value, step: p.step });
      for (const [key, value] of Object.entries(result.metrics)) events.push({ type: 'node.metric', runId: id, nodeId: e.nodeId, key, value });
      const own = this.listTrials(e.id);
      for (const trial of own) events.push({ type: 'node.trial', runId: id, nodeId: e.nodeId, trial });
      const shown = own.length || !e.cached || e.reusedFrom === null ? own : this.listTrials(e.reusedFrom);
      if (shown.length) trials[e.nodeId] = shown;
      events.push({ type: 'node.finished', runId: id, nodeId: e.nodeId, ...result });
    }
    const backend = run.backend ?? 'cpu';
    if (run.status !== 'running') events.push({ type: 'run.finished', runId: id, status: run.status, durationMs: run.durationMs ?? 0, backend });
    return {
      summary: { run: { id, status: run.status, pipeline: run.pipeline, durationMs: run.durationMs ?? 0, backend }, nodes },
      events,
      run,
      executions,
      trials,
    };
  }

  // ---------------------------------------------------------------- files

  /** A consistent copy of the whole project in a new file (save-as, backups). */
  backupTo(destFile: string): void {
    const dest = resolve(destFile);
    if (existsSync(dest)) throw new ProjectFileError(`${dest}: already exists`);
    mkdirSync(dirname(dest), { recursive: true });
    this.db.prepare('VACUUM INTO ?').run(dest);
  }

  integrityCheck(): string[] {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
  }
}
