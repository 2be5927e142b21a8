/**
 * The project file (`.pwproj`): one SQLite database holding pipelines and their versions, runs,
 * node executions, metrics, logs, artifacts (stored once by content hash, in chunks) and lineage,
 * behind the ProjectStore interface (types.ts). Synchronous by design (better-sqlite3): every
 * call is a short transaction on the main thread.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { PortKind } from '../../shared/catalog';
import type { NodeResult, RunEvent, RunListItem, RunStatus, TrialRecord } from '../../shared/run';
import { artifactOf, type Artifact } from '../../shared/artifacts';
import { registry } from '../../nodes/registry';
import { LATEST_VERSION, migrations } from './migrations';
import { pidAlive } from '../pid';
import { asWriteError, ProjectFileError } from './errors';
import { lockWaitFromEnv, setBusyTimeout, withLockWait, type LockWait } from './lock-wait';
import { APPLICATION_ID, asFileError, checkSchema, connect, preflight, verifyFile, walHasFrames } from './preflight';
import { ArtifactChunks } from './artifact-chunks';
import { EXEC_INSERT, EXEC_SELECT, execValues, insertSql, now, parseJson, RUN_INSERT, RUN_SELECT, toExec, toRun, type ExecDbRow, type RunDbRow } from './rows';
import type {
  ArtifactInfo,
  ExecutionRow,
  LogRow,
  MetricPoint,
  PipelineVersionRow,
  ProjectStore,
  ReusableExecution,
  RunRow,
  RunStart,
  StoreEvent,
  StoredRun,
  TransactionOptions,
} from './types';

export type * from './types';
export { ProjectFileError, ProjectWriteError } from './errors';
export { APPLICATION_ID } from './preflight';
export { backupProject } from './backup';
export { DEFAULT_LOCK_WAIT_MS, lockTimeout, lockWaitFromEnv, waitingMessage, type LockWait } from './lock-wait';

export interface OpenOptions {
  /** create the file when it does not exist */
  create?: boolean;
  /** open read-only (no migrations, no interrupted marking) */
  readonly?: boolean;
  /** how long a write waits for another process's lock (default: PIPEWRIGHT_LOCK_WAIT_MS, else 30 s) */
  lockWaitMs?: number;
  /** told when a write waits for another process's lock */
  onWait?: (message: string) => void;
  /** told the SQL of every statement the connection runs (debugging; tests count queries with it) */
  trace?: (sql: string) => void;
}

/** How long a live owner's heartbeat may be silent before its run counts as dead anyway. */
const STALE_HEARTBEAT_MS = 120_000;
/** A run owned by another host is judged by its heartbeat alone. */
const FOREIGN_STALE_MS = 60_000;

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
      setBusyTimeout(ro, lock.waitMs);
      verifyFile(ro, file);
    } catch (e) {
      throw asFileError(e, file);
    } finally {
      ro.close();
    }
  }
  const db = connect(file, readonly, opts.trace);
  try {
    setBusyTimeout(db, lock.waitMs);
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
  const store = new SqliteProjectStore(db, file, lock);
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

/** One series point per row, many rows per statement: the per-statement cost dominates 100,000 single-row inserts. */
const LINK_COLUMNS = ['execution_id', 'port', 'artifact_hash'];
/** lineage inserts (plain, and replacing a port's artifact), written once */
const LINK_SQL = {
  execution_inputs: [insertSql('execution_inputs', LINK_COLUMNS), insertSql('execution_inputs', LINK_COLUMNS, 'INSERT OR REPLACE')],
  execution_outputs: [insertSql('execution_outputs', LINK_COLUMNS), insertSql('execution_outputs', LINK_COLUMNS, 'INSERT OR REPLACE')],
} as const;
const METRIC_CHUNK = 250;
const METRIC_ONE = 'INSERT INTO metrics (execution_id, key, step, value) VALUES (?, ?, ?, ?)';
const METRIC_MANY = `INSERT INTO metrics (execution_id, key, step, value) VALUES ${Array(METRIC_CHUNK).fill('(?, ?, ?, ?)').join(', ')}`;

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

type TrialDbRow = {
  parent: number;
  trial_index: number;
  status: TrialRecord['status'];
  params: string;
  error: string | null;
  duration_ms: number;
  id: number;
  key: string | null;
  value: number | null;
};

/** Trial rows joined with their metrics (ordered by parent, index, metric rowid) -> parent -> trials. */
function groupTrials(rows: TrialDbRow[]): Map<number, TrialRecord[]> {
  const out = new Map<number, TrialRecord[]>();
  let lastId = -1;
  let last: TrialRecord | null = null;
  for (const r of rows) {
    if (last === null || lastId !== r.id) {
      const t: TrialRecord = { index: r.trial_index, params: parseJson(r.params), metrics: {}, status: r.status, durationMs: r.duration_ms };
      if (r.error !== null) t.error = r.error;
      last = t;
      lastId = r.id;
      const list = out.get(r.parent);
      if (list) list.push(t);
      else out.set(r.parent, [t]);
    }
    if (r.key !== null && r.value !== null) last.metrics[r.key] = r.value;
  }
  return out;
}

const TRIAL_SELECT = `SELECT t.parent_execution_id AS parent, t.id, t.trial_index, t.status, t.params, t.error, t.duration_ms, m.key, m.value
  FROM trial_executions t LEFT JOIN trial_metrics m ON m.trial_id = t.id`;
const TRIAL_ORDER = 'ORDER BY t.parent_execution_id, t.trial_index, m.rowid';

/** The SQLite project file behind the ProjectStore interface (types.ts). */
export class SqliteProjectStore implements ProjectStore {
  private readonly stmts = new Map<string, Database.Statement>();
  private readonly txn: Database.Transaction<(fn: () => unknown) => unknown>;
  private readonly chunks: ArtifactChunks;
  private closed = false;

  constructor(
    readonly db: Database.Database,
    readonly path: string,
    readonly lock: LockWait = { waitMs: lockWaitFromEnv() },
  ) {
    // One wrapper for every transaction: making a new one per call shows up in profiles.
    this.txn = db.transaction((fn: () => unknown): unknown => fn());
    this.chunks = new ArtifactChunks((sql) => this.st(sql), this.schemaVersion() >= 3);
  }

  private st(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  transaction<T>(fn: () => T, opts: TransactionOptions = {}): T {
    if (this.db.inTransaction) return fn();
    const lock = opts.waitMs === undefined ? this.lock : { waitMs: opts.waitMs };
    try {
      return withLockWait(this.db, this.path, lock, () => this.txn.immediate(fn) as T, this.lock.waitMs);
    } catch (e) {
      throw asWriteError(e, this.path);
    }
  }

  append(events: readonly StoreEvent[], opts?: TransactionOptions): void {
    if (events.length === 0) return;
    this.transaction(() => {
      const ids = new Map<string, number>();
      // A batch of series points mostly comes from one node: its list is found without a lookup.
      const points = new Map<number, MetricPoint[]>();
      let lastRun = -1;
      let lastNode = '';
      let list: MetricPoint[] = [];
      for (const e of events) {
        if (e.type !== 'metric') {
          this.apply(e, ids);
          continue;
        }
        if (e.runId !== lastRun || e.nodeId !== lastNode) {
          const id = this.execId(ids, e.runId, e.nodeId, 'a metric');
          list = points.get(id) ?? [];
          points.set(id, list);
          lastRun = e.runId;
          lastNode = e.nodeId;
        }
        list.push(e); // the event is a point (key, value, step)
      }
      for (const [id, list] of points) this.insertMetrics(id, list);
    }, opts);
  }

  /** The id of a node's execution in a run (looked up once per batch). */
  private execId(ids: Map<string, number>, runId: number, nodeId: string, what: string): number {
    const k = `${runId}\0${nodeId}`;
    let id = ids.get(k);
    if (id === undefined) {
      const r = this.st('SELECT id FROM node_executions WHERE run_id = ? AND node_id = ?').get(runId, nodeId) as { id: number } | undefined;
      if (!r) throw new Error(`cannot record ${what} of node ${nodeId} in run ${runId}: the node's execution was never recorded`);
      id = r.id;
      ids.set(k, id);
    }
    return id;
  }

  private apply(e: Exclude<StoreEvent, { type: 'metric' }>, ids: Map<string, number>): void {
    switch (e.type) {
      case 'execution.started':
      case 'execution.recorded': {
        const x = e.execution;
        const whole = e.type === 'execution.recorded' ? e.execution : null;
        const reusedFrom = whole ? this.reusedFrom(ids, x.runId, whole) : null;
        const id = Number(this.st(EXEC_INSERT).run(...execValues(whole ?? x, reusedFrom)).lastInsertRowid);
        ids.set(`${x.runId}\0${x.nodeId}`, id);
        if (x.inputs) this.link('execution_inputs', id, x.inputs);
        if (whole?.outputs) this.link('execution_outputs', id, whole.outputs);
        if (whole?.metrics?.length) this.insertMetrics(id, whole.metrics);
        return;
      }
      case 'execution.finished': {
        const id = this.execId(ids, e.runId, e.nodeId, 'the end');
        const f = e.finish;
        if (e.metrics) this.insertMetrics(id, Object.entries(e.metrics).map(([key, value]) => ({ key, value })));
        this.st(
          `UPDATE node_executions SET status = ?, cached = ?, reused_from = ?, reason = ?, error = ?, gate_failed = ?,
             finished_at = ?, duration_ms = ?, backend = coalesce(?, backend), cache_key = coalesce(?, cache_key) WHERE id = ?`,
        ).run(
          f.status,
          f.cached ? 1 : 0,
          this.reusedFrom(ids, e.runId, f),
          f.reason,
          f.error ?? null,
          f.gateFailed ? 1 : 0,
          f.finishedAt ?? now(),
          Math.round(f.durationMs),
          f.backend ?? null,
          f.cacheKey ?? null,
          id,
        );
        if (f.outputs) this.link('execution_outputs', id, f.outputs, true);
        return;
      }
      case 'artifact':
        if (!(e.hash && this.chunks.has(e.hash))) this.chunks.putFile(e.file, e.kind, e.meta, e.hash);
        return;
      case 'log':
        this.st('INSERT INTO logs (run_id, execution_id, time, level, message) VALUES (?, ?, ?, ?, ?)').run(
          e.runId,
          e.nodeId === null ? null : this.execId(ids, e.runId, e.nodeId, 'a log line'),
          e.time,
          e.level,
          e.message,
        );
        return;
      case 'trial':
        this.insertTrial(this.execId(ids, e.runId, e.nodeId, 'a trial'), e.trial);
        return;
      case 'run.dataFiles':
        this.st("UPDATE runs SET options = json_set(options, '$.dataFiles', json(json_patch(coalesce(json_extract(options, '$.dataFiles'), '{}'), ?))) WHERE id = ?").run(
          JSON.stringify({ [e.nodeId]: e.files }),
          e.runId,
        );
        return;
      case 'run.heartbeat':
        this.st("UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'").run(Date.now(), e.runId);
        return;
      case 'run.environment':
        this.st('UPDATE runs SET environment = ? WHERE id = ?').run(JSON.stringify(e.environment), e.runId);
        return;
      case 'run.finished':
        this.st('UPDATE runs SET status = ?, finished_at = ?, duration_ms = ?, backend = coalesce(?, backend) WHERE id = ?').run(
          e.status,
          now(),
          Math.round(e.durationMs),
          e.backend ?? null,
          e.runId,
        );
        return;
      case 'meta':
        this.setMeta(e.key, e.value);
        return;
    }
  }

  private reusedFrom(ids: Map<string, number>, runId: number, f: { reusedFrom?: number | null; reusedFromNode?: string }): number | null {
    if (f.reusedFromNode !== undefined) return this.execId(ids, runId, f.reusedFromNode, 'the reuse');
    return f.reusedFrom ?? null;
  }

  /** Lineage: which artifact went into (or came out of) each port of an execution. */
  private link(table: 'execution_inputs' | 'execution_outputs', executionId: number, ports: Record<string, string>, replace = false): void {
    const ins = this.st(LINK_SQL[table][replace ? 1 : 0]);
    for (const [port, hash] of Object.entries(ports)) ins.run(executionId, port, hash);
  }

  private insertMetrics(executionId: number, points: readonly MetricPoint[]): void {
    let i = 0;
    if (points.length >= METRIC_CHUNK) {
      const many = this.st(METRIC_MANY);
      const args: unknown[] = new Array(METRIC_CHUNK * 4);
      for (; i + METRIC_CHUNK <= points.length; i += METRIC_CHUNK) {
        for (let j = 0; j < METRIC_CHUNK; j++) {
          const p = points[i + j];
          args[j * 4] = executionId;
          args[j * 4 + 1] = p.key;
          args[j * 4 + 2] = p.step ?? null;
          args[j * 4 + 3] = finite(p.value);
        }
        many.run(args);
      }
    }
    const one = this.st(METRIC_ONE);
    for (; i < points.length; i++) one.run(executionId, points[i].key, points[i].step ?? null, finite(points[i].value));
  }

  /** A trial recorded again under the same index replaces the first record, so a retried report never duplicates a child. */
  private insertTrial(parentExecutionId: number, t: TrialRecord): void {
    this.st('DELETE FROM trial_executions WHERE parent_execution_id = ? AND trial_index = ?').run(parentExecutionId, t.index);
    const id = Number(
      this.st(insertSql('trial_executions', ['parent_execution_id', 'trial_index', 'status', 'params', 'error', 'duration_ms', 'recorded_at'])).run(
        parentExecutionId,
        t.index,
        t.status,
        JSON.stringify(t.params ?? {}),
        t.error ?? null,
        Math.round(t.durationMs),
        now(),
      ).lastInsertRowid,
    );
    const ins = this.st('INSERT OR REPLACE INTO trial_metrics (trial_id, key, value) VALUES (?, ?, ?)');
    for (const [key, value] of Object.entries(t.metrics ?? {})) ins.run(id, key, finite(value));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  integrityCheck(): string[] {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
  }

  backupTo(destFile: string): void {
    const dest = resolve(destFile);
    if (existsSync(dest)) throw new ProjectFileError(`${dest}: already exists`);
    mkdirSync(dirname(dest), { recursive: true });
    this.db.prepare('VACUUM INTO ?').run(dest);
  }

  getMeta(key: string): string | null {
    const r = this.st('SELECT value FROM project_meta WHERE key = ?').get(key) as { value: string } | undefined;
    return r ? r.value : null;
  }

  setMeta(key: string, value: string): void {
    this.transaction(() =>
      this.st('INSERT INTO project_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value),
    );
  }

  // ---------------------------------------------------------------- pipelines

  private pipelineId(name: string): number {
    const r = this.st('SELECT id FROM pipelines WHERE name = ?').get(name) as { id: number } | undefined;
    if (r) return r.id;
    return Number(this.st('INSERT INTO pipelines (name, created_at) VALUES (?, ?)').run(name, now()).lastInsertRowid);
  }

  savePipelineVersion(pipeline: string, text: string): { version: PipelineVersionRow; created: boolean } {
    return this.transaction(() => {
      const pid = this.pipelineId(pipeline);
      const hash = createHash('sha256').update(text).digest('hex');
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

  private static readonly VERSION_SELECT = `SELECT v.id, p.name AS pipeline, v.hash, v.text, v.created_at AS createdAt FROM pipeline_versions v
      JOIN pipelines p ON p.id = v.pipeline_id`;

  latestPipelineVersion(pipeline?: string): PipelineVersionRow | null {
    const sql = `${SqliteProjectStore.VERSION_SELECT} ${pipeline === undefined ? '' : 'WHERE p.name = ?'} ORDER BY v.id DESC LIMIT 1`;
    const r = (pipeline === undefined ? this.st(sql).get() : this.st(sql).get(pipeline)) as PipelineVersionRow | undefined;
    return r ?? null;
  }

  pipelineVersion(id: number): PipelineVersionRow | null {
    return (this.st(`${SqliteProjectStore.VERSION_SELECT} WHERE v.id = ?`).get(id) as PipelineVersionRow | undefined) ?? null;
  }

  listPipelines(): { name: string; versions: number; updatedAt: string }[] {
    return this.st(
      `SELECT p.name, count(v.id) AS versions, coalesce(max(v.created_at), p.created_at) AS updatedAt
       FROM pipelines p LEFT JOIN pipeline_versions v ON v.pipeline_id = p.id GROUP BY p.id ORDER BY p.name`,
    ).all() as { name: string; versions: number; updatedAt: string }[];
  }

  // ---------------------------------------------------------------- runs

  createRun(args: RunStart): RunRow {
    return this.transaction(() => {
      const id = Number(
        this.st(RUN_INSERT).run(
          this.pipelineId(args.pipeline),
          args.pipelineVersionId ?? null,
          'running',
          now(),
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

  listRuns(opts: { pipeline?: string; status?: RunStatus; limit?: number } = {}): RunListItem[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (opts.pipeline !== undefined) {
      where.push('p.name = ?');
      args.push(opts.pipeline);
    }
    if (opts.status !== undefined) {
      where.push('r.status = ?');
      args.push(opts.status);
    }
    const rows = this.st(`${RUN_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY r.id DESC LIMIT ?`).all(
      ...args,
      opts.limit ?? -1,
    ) as RunDbRow[];
    const headlines = this.headlinesOf(rows.map((r) => r.id));
    return rows.map((r) => ({ id: String(r.id), status: r.status, pipeline: r.pipeline, startedAt: r.started_at, durationMs: r.duration_ms, metrics: headlines.get(r.id) ?? {} }));
  }

  /** Which node types' scalars sum up a run: those that declare `headlineMetrics` (plugins: set your own). */
  headlineType: (type: string) => boolean = (type) => Boolean(registry.get(type)?.headlineMetrics);

  headlineMetrics(runId: number): Record<string, number> {
    return this.headlinesOf([runId]).get(runId) ?? {};
  }

  /**
   * The scalars that sum up each run, in one query: those of its nodes whose type declares
   * `headlineMetrics` (the evaluate.* types) when it has any, else every node's scalars (a later
   * node wins a name clash).
   */
  private headlinesOf(runIds: number[]): Map<number, Record<string, number>> {
    const byRun = new Map<number, { type: string; key: string; value: number | null }[]>();
    if (runIds.length === 0) return new Map();
    const rows = this.st(
      `SELECT e.run_id, e.type, m.key, m.value FROM metrics m JOIN node_executions e ON e.id = m.execution_id
       WHERE e.run_id IN (SELECT value FROM json_each(?)) AND m.step IS NULL ORDER BY e.run_id, e.id, m.rowid`,
    ).all(JSON.stringify(runIds)) as { run_id: number; type: string; key: string; value: number | null }[];
    for (const r of rows) {
      const list = byRun.get(r.run_id);
      if (list) list.push(r);
      else byRun.set(r.run_id, [r]);
    }
    const out = new Map<number, Record<string, number>>();
    for (const [runId, list] of byRun) {
      const evals = list.filter((r) => this.headlineType(r.type));
      const m: Record<string, number> = {};
      for (const r of evals.length > 0 ? evals : list) if (r.value !== null) m[r.key] = r.value;
      out.set(runId, m);
    }
    return out;
  }

  getLogs(runId: number): LogRow[] {
    return this.st(
      `SELECT l.execution_id AS executionId, e.node_id AS nodeId, l.time, l.level, l.message FROM logs l
       LEFT JOIN node_executions e ON e.id = l.execution_id WHERE l.run_id = ? ORDER BY l.id`,
    ).all(runId) as LogRow[];
  }

  // ---------------------------------------------------------------- executions

  getExecutions(runId: number): ExecutionRow[] {
    return (this.st(`${EXEC_SELECT} WHERE run_id = ? ORDER BY id`).all(runId) as ExecDbRow[]).map(toExec);
  }

  executionInputs(executionId: number): Record<string, string> {
    const rows = this.st('SELECT port, artifact_hash FROM execution_inputs WHERE execution_id = ?').all(executionId) as { port: string; artifact_hash: string }[];
    return Object.fromEntries(rows.map((r) => [r.port, r.artifact_hash]));
  }

  private static readonly OUTPUT_SELECT = `SELECT o.execution_id, e.node_id, o.port, a.hash, a.kind, a.size, a.meta FROM execution_outputs o
    JOIN node_executions e ON e.id = o.execution_id JOIN artifacts a ON a.hash = o.artifact_hash`;

  executionOutputs(executionId: number): Record<string, ArtifactInfo> {
    return this.outputsBy(`${SqliteProjectStore.OUTPUT_SELECT} WHERE o.execution_id = ?`, executionId).get(executionId) ?? {};
  }

  runOutputs(runId: number): Map<string, Record<string, ArtifactInfo>> {
    const byExec = this.outputsBy(`${SqliteProjectStore.OUTPUT_SELECT} WHERE e.run_id = ?`, runId, 'node_id');
    return byExec;
  }

  private outputsBy<K extends 'execution_id' | 'node_id'>(sql: string, arg: number, by?: K): Map<K extends 'node_id' ? string : number, Record<string, ArtifactInfo>> {
    const rows = this.st(sql).all(arg) as { execution_id: number; node_id: string; port: string; hash: string; kind: PortKind; size: number; meta: string }[];
    const out = new Map<string | number, Record<string, ArtifactInfo>>();
    for (const r of rows) {
      const k = by === 'node_id' ? r.node_id : r.execution_id;
      let m = out.get(k);
      if (!m) out.set(k, (m = {}));
      m[r.port] = { hash: r.hash, kind: r.kind, size: r.size, meta: parseJson(r.meta) };
    }
    return out as Map<K extends 'node_id' ? string : number, Record<string, ArtifactInfo>>;
  }

  runScalars(runId: number): Map<string, Record<string, number>> {
    const rows = this.st(
      'SELECT e.node_id, m.key, m.value FROM metrics m JOIN node_executions e ON e.id = m.execution_id WHERE e.run_id = ? AND m.step IS NULL ORDER BY m.rowid',
    ).all(runId) as { node_id: string; key: string; value: number | null }[];
    const out = new Map<string, Record<string, number>>();
    for (const r of rows) {
      if (r.value === null) continue;
      let m = out.get(r.node_id);
      if (!m) out.set(r.node_id, (m = {}));
      m[r.key] = r.value;
    }
    return out;
  }

  findReusableExecution(cacheKey: string): ReusableExecution | null {
    const r = this.st(
      "SELECT id, run_id FROM node_executions WHERE cache_key = ? AND status = 'succeeded' AND cached = 0 ORDER BY id DESC LIMIT 1",
    ).get(cacheKey) as { id: number; run_id: number } | undefined;
    if (!r) return null;
    return { executionId: r.id, runId: r.run_id, outputs: this.executionOutputs(r.id), metrics: this.scalarMetrics(r.id) };
  }

  lastExecutionOfNode(pipeline: string, nodeId: string, beforeRunId?: number): (ExecutionRow & { inputs: Record<string, string> }) | null {
    const r = this.st(
      `SELECT e.* FROM node_executions e JOIN runs r ON r.id = e.run_id JOIN pipelines p ON p.id = r.pipeline_id
       WHERE p.name = ? AND e.node_id = ? AND e.cache_key IS NOT NULL AND e.run_id < ? ORDER BY e.run_id DESC, e.id DESC LIMIT 1`,
    ).get(pipeline, nodeId, beforeRunId ?? Number.MAX_SAFE_INTEGER) as ExecDbRow | undefined;
    if (!r) return null;
    return { ...toExec(r), inputs: this.executionInputs(r.id) };
  }

  listTrials(parentExecutionId: number): TrialRecord[] {
    return groupTrials(this.st(`${TRIAL_SELECT} WHERE t.parent_execution_id = ? ${TRIAL_ORDER}`).all(parentExecutionId) as TrialDbRow[]).get(parentExecutionId) ?? [];
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

  metricSeries(executionId: number): Record<string, { step: number; value: number }[]> {
    return this.seriesBy('execution_id = ?', executionId).get(executionId) ?? {};
  }

  /** execution -> key -> points (in key, then step order; points without a value left out), one query. */
  private seriesBy(where: string, arg: number): Map<number, Record<string, { step: number; value: number }[]>> {
    const rows = this.st(
      `SELECT execution_id, key, step, value FROM metrics WHERE ${where} AND step IS NOT NULL ORDER BY execution_id, key, step, rowid`,
    ).all(arg) as { execution_id: number; key: string; step: number; value: number | null }[];
    const out = new Map<number, Record<string, { step: number; value: number }[]>>();
    for (const r of rows) {
      let m = out.get(r.execution_id);
      if (!m) out.set(r.execution_id, (m = {}));
      const list = (m[r.key] ??= []);
      if (r.value !== null) list.push({ step: r.step, value: r.value });
    }
    return out;
  }

  // ---------------------------------------------------------------- artifacts

  hasArtifact(hash: string): boolean {
    return this.chunks.has(hash);
  }

  getArtifact(hash: string): ArtifactInfo | null {
    const r = this.st('SELECT hash, kind, size, meta FROM artifacts WHERE hash = ?').get(hash) as
      | { hash: string; kind: PortKind; size: number; meta: string }
      | undefined;
    return r ? { hash: r.hash, kind: r.kind, size: r.size, meta: parseJson(r.meta) } : null;
  }

  putArtifact(file: string, kind: PortKind, meta: Record<string, unknown> = {}, hash?: string): string {
    if (hash && this.chunks.has(hash)) return hash;
    return this.transaction(() => this.chunks.putFile(file, kind, meta, hash));
  }

  putArtifactBytes(bytes: Buffer, kind: PortKind, meta: Record<string, unknown> = {}): string {
    return this.transaction(() => this.chunks.putBytes(bytes, kind, meta));
  }

  artifactBytes(hash: string): Buffer | null {
    return this.chunks.bytes(hash);
  }

  extractArtifact(hash: string, destFile: string): string {
    if (!this.chunks.writeTo(hash, destFile)) throw new Error(`artifact ${hash} is not in the project file ${this.path}`);
    return destFile;
  }

  artifactJson(hash: string): unknown {
    const bytes = this.chunks.bytes(hash);
    if (!bytes) throw new Error(`artifact ${hash} is not in the project file ${this.path}`);
    return JSON.parse(bytes.toString('utf8'));
  }

  // ---------------------------------------------------------------- whole runs

  getRun(runId: number): StoredRun | null {
    const run = this.getRunRow(runId);
    if (!run) return null;
    const executions = this.getExecutions(runId);
    const outputs = this.runOutputs(runId);
    const scalars = this.runScalars(runId);
    const series = this.seriesBy('execution_id IN (SELECT id FROM node_executions WHERE run_id = ?)', runId);
    const logsByExec = new Map<number, LogRow[]>();
    for (const l of this.getLogs(runId)) {
      if (l.executionId === null) continue;
      const list = logsByExec.get(l.executionId);
      if (list) list.push(l);
      else logsByExec.set(l.executionId, [l]);
    }
    // Its own trials of each execution, and those of the executions its cached nodes reused.
    const trialsOf = groupTrials(
      this.st(
        `${TRIAL_SELECT} WHERE t.parent_execution_id IN (SELECT id FROM node_executions WHERE run_id = ?
           UNION SELECT reused_from FROM node_executions WHERE run_id = ? AND cached = 1 AND reused_from IS NOT NULL) ${TRIAL_ORDER}`,
      ).all(runId, runId) as TrialDbRow[],
    );
    const id = String(runId);
    const nodes: Record<string, NodeResult> = {};
    const trials: Record<string, TrialRecord[]> = {};
    const events: RunEvent[] = [{ type: 'run.started', runId: id, pipeline: run.pipeline, nodes: executions.map((e) => e.nodeId) }];
    for (const e of executions) {
      const arts: Record<string, Artifact> = {};
      for (const [port, a] of Object.entries(outputs.get(e.nodeId) ?? {})) arts[port] = artifactOf(a);
      const result: NodeResult = {
        status: e.status === 'running' ? 'cancelled' : e.status,
        cached: e.cached,
        durationMs: e.durationMs ?? 0,
        reason: e.reason,
        metrics: scalars.get(e.nodeId) ?? {},
        outputs: arts,
      };
      if (e.error) result.error = e.error;
      if (e.gateFailed) result.gateFailed = true;
      nodes[e.nodeId] = result;
      const base = { runId: id, nodeId: e.nodeId };
      for (const l of logsByExec.get(e.id) ?? []) events.push({ type: 'node.log', ...base, level: l.level, message: l.message, time: l.time });
      for (const [key, points] of Object.entries(series.get(e.id) ?? {})) for (const p of points) events.push({ type: 'node.metric', ...base, key, value: p.value, step: p.step });
      for (const [key, value] of Object.entries(result.metrics)) events.push({ type: 'node.metric', ...base, key, value });
      const own = trialsOf.get(e.id) ?? [];
      for (const trial of own) events.push({ type: 'node.trial', ...base, trial });
      const shown = own.length || !e.cached || e.reusedFrom === null ? own : (trialsOf.get(e.reusedFrom) ?? []);
      if (shown.length) trials[e.nodeId] = shown;
      events.push({ type: 'node.finished', ...base, ...result });
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
}
