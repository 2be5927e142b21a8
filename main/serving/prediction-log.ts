/**
 * The prediction log of contract section 6: what the model server answered, one row per predicted
 * row, written into the project file in batches (never on a request's path), plus labels attached
 * later by request id (`POST /v1/feedback`). `readPredictions` is what `data.predictions` reads.
 *
 * The SQL lives here (migration 0005 calls `createPredictionLogTables`); it takes the ProjectStore
 * only for `db` and `transaction`.
 */
import type { Database } from 'better-sqlite3';
import { randomFillSync } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { workerEntryFor } from '../compute/parallel';
import { ProjectWriteError } from '../store/errors';
import type { ProjectStore } from '../store/types';
import { insertPacked, LogPacker, type PackedRows } from './log-rows';
import type { WriterReply, WriterRequest } from './log-writer';
import type { Prediction } from './types';

/** Schema of migration 0005. A released migration is never edited: add a new one instead. */
export function createPredictionLogTables(db: Database): void {
  db.exec(`
    -- one row per predicted row of a logged request (a batch of n rows is n rows, row 0..n-1)
    CREATE TABLE prediction_log (
      id INTEGER PRIMARY KEY,
      request_id TEXT NOT NULL,
      row_index INTEGER NOT NULL DEFAULT 0,
      at TEXT NOT NULL,                          -- ISO 8601 UTC, when the request was read
      model TEXT NOT NULL,
      version INTEGER NOT NULL,
      alias TEXT,                                -- the alias the request followed; NULL when pinned to a version
      shadow INTEGER NOT NULL DEFAULT 0,         -- 1: a shadow model's answer (logged, not returned)
      protocol TEXT NOT NULL DEFAULT 'v1',       -- 'v1' (TF Serving REST) or 'v2' (Open Inference Protocol)
      inputs TEXT NOT NULL,                      -- JSON object: input column -> raw value as received
      prediction TEXT NOT NULL,                  -- JSON: { label, scores } or a number
      latency_ms REAL NOT NULL                   -- the whole request's latency (read to answer written)
    );
    CREATE INDEX prediction_log_model_at ON prediction_log (model, at);
    CREATE INDEX prediction_log_request ON prediction_log (request_id);

    -- labels attached by request id; kept apart so a label may arrive before its batch is written
    CREATE TABLE prediction_feedback (
      request_id TEXT PRIMARY KEY,
      label TEXT NOT NULL,                       -- JSON: one value for every row, or an array with one per row
      at TEXT NOT NULL
    );
  `);
}

/** One answered request, as the server hands it to the log. */
export interface PredictionLogEntry {
  requestId: string;
  /** when the request was read (ms since the epoch) */
  at: number;
  model: string;
  version: number;
  alias: string | null;
  shadow?: boolean;
  protocol: 'v1' | 'v2';
  /** the request's rows, columnar: input column -> one raw value per row */
  inputs?: Record<string, unknown[]>;
  /** or its one row: the values of the named columns, in that order (the single-row path) */
  row?: { names: readonly string[]; values: readonly unknown[] };
  rows: number;
  predictions: Prediction[];
  latencyMs: number;
}

export interface PredictionLogOptions {
  /** the fraction of requests logged, 0..1 (`--log-sample`; default 1) */
  sample?: number;
  /** how often buffered entries are written (default 250 ms) */
  flushMs?: number;
  /** rows kept in memory while the project file stays locked; the oldest go beyond it (default 100,000) */
  maxBufferedRows?: number;
  /** told when rows had to be dropped or a write failed (the server prints it on stderr) */
  onProblem?: (message: string) => void;
  random?: () => number;
  /** write on a writer thread (the servers do), so no flush ever holds up a request */
  thread?: boolean;
}

/** A request id as sent in `x-request-id` (or a new one): at most 200 printable characters. */
export function isRequestId(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= 200 && /^[\x21-\x7e]+$/.test(v);
}

/** New request ids: the current millisecond's prefix, a 12-bit sequence, this process's random 30 bits, 32 random bits per id. */
const ids = { ms: -1, seq: 0, prefix: '', random: new Uint8Array(4096), used: 4096, process: '' };
const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const HEX3 = Array.from({ length: 4096 }, (_, i) => i.toString(16).padStart(3, '0'));

/**
 * A new request id: a UUID version 7 (RFC 9562), time-ordered, so the log's request-id index
 * grows at its end instead of splitting pages all over (a random UUID made each logged row cost
 * the writer about 2.5 times as much). Unique within a process (the sequence; past 4,096 in one
 * millisecond the time steps on) and between processes (`--workers`: their random part).
 */
export function newRequestId(): string {
  const now = Date.now();
  if (now > ids.ms) {
    ids.ms = now;
    ids.seq = 0;
    ids.prefix = '';
  } else if (++ids.seq > 0xfff) {
    ids.ms++;
    ids.seq = 0;
    ids.prefix = '';
  }
  const r = ids.random;
  if (ids.used === r.length) {
    randomFillSync(r);
    ids.used = 0;
    // drawn once: the variant (binary 10) with 14 random bits, and 16 more
    ids.process ||= `${HEX2[0x80 | (r[0] & 0x3f)]}${HEX2[r[1]]}-${HEX2[r[2]]}${HEX2[r[3]]}`;
    ids.used = 4;
  }
  if (!ids.prefix) {
    const time = ids.ms.toString(16).padStart(12, '0');
    ids.prefix = `${time.slice(0, 8)}-${time.slice(8)}-7`;
  }
  const u = ids.used;
  ids.used = u + 4;
  return `${ids.prefix}${HEX3[ids.seq]}-${ids.process}${HEX2[r[u]]}${HEX2[r[u + 1]]}${HEX2[r[u + 2]]}${HEX2[r[u + 3]]}`;
}

/**
 * Buffers answered requests and writes them in one transaction per flush. `record` only pushes
 * (a request never waits for SQLite); a locked file keeps the rows for the next flush. With
 * `thread`, the writes run on a writer thread with its own connection (log-writer.ts), so neither
 * SQLite's work nor the commit's fsync holds up the server's thread; without one (a bundle built
 * without dist/log-writer.cjs) they run here, between requests.
 */
export class PredictionLog {
  /** recorded requests not yet handed to a writer */
  private readonly packer = new LogPacker();
  /** batches the file refused (locked by another process), oldest first: written before new rows */
  private refused: PackedRows[] = [];
  private dropped = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly sample: number;
  private readonly random: () => number;
  private readonly maxRows: number;
  private closed = false;
  private writer: Worker | null = null;
  /** the batch the writer thread has, until it answers */
  private sending: { id: number; batch: PackedRows } | null = null;
  private nextId = 1;
  private waiters: (() => void)[] = [];
  /** rows written since the log was opened */
  written = 0;

  constructor(
    private readonly store: Pick<ProjectStore, 'db' | 'transaction' | 'isOpen' | 'path'>,
    private readonly options: PredictionLogOptions = {},
  ) {
    const s = options.sample ?? 1;
    this.sample = Number.isFinite(s) ? Math.min(1, Math.max(0, s)) : 1;
    this.random = options.random ?? Math.random;
    this.maxRows = options.maxBufferedRows ?? 100_000;
    if (options.thread) this.writer = this.startWriter();
    this.timer = setInterval(() => (this.writer ? this.send() : this.flush()), options.flushMs ?? 250);
    this.timer.unref();
  }

  private startWriter(): Worker | null {
    const entry = workerEntryFor('log-writer', __dirname);
    if (!entry) return null;
    const w = new Worker(entry, { workerData: { file: this.store.path } });
    w.unref();
    w.on('message', (m: WriterReply) => this.answered(m));
    const lost = (why: string) => {
      if (this.writer !== w) return;
      // the thread is gone: write here from now on, starting with what it held
      this.options.onProblem?.(`prediction log: the writer thread ${why}; writing on the server's thread`);
      this.writer = null;
      if (this.sending) this.refused.unshift(this.sending.batch);
      this.sending = null;
      this.wake();
    };
    w.on('error', (e) => lost(`failed (${e.message})`));
    w.on('exit', (code) => lost(`exited (code ${code})`));
    return w;
  }

  /** true while a writer thread writes the rows */
  get threaded(): boolean {
    return this.writer !== null;
  }

  /** Decides once per request whether it is logged (the shadow's copy follows its request). */
  sampled(): boolean {
    return this.sample >= 1 || (this.sample > 0 && this.random() < this.sample);
  }

  /** Packs the request's rows (about a microsecond: no JSON of its numbers here); written later. */
  record(entry: PredictionLogEntry): void {
    if (this.closed || entry.rows <= 0) return;
    this.packer.add(entry);
    let over = this.refused.reduce((t, b) => t + b.rows, 0) + this.packer.rows - this.maxRows;
    while (over > 0 && this.refused.length) {
      const old = this.refused.shift()!;
      this.dropped += old.rows;
      over -= old.rows;
    }
    if (over > 0) this.dropped += this.packer.trim(this.packer.rows - over);
  }

  private reportDropped(): void {
    if (!this.dropped) return;
    this.options.onProblem?.(`prediction log: ${this.dropped} rows dropped while the project file was locked`);
    this.dropped = 0;
  }

  /** The next batch to write: one the file refused, else what was recorded since. */
  private next(): PackedRows | null {
    if (this.refused.length) return this.refused.shift()!;
    return this.packer.empty ? null : this.packer.take();
  }

  private get pending(): boolean {
    return this.refused.length > 0 || !this.packer.empty;
  }

  /** Hands the next batch to the writer thread (one at a time). */
  private send(): void {
    this.reportDropped();
    if (!this.writer || this.sending) return;
    const batch = this.next();
    if (!batch) return;
    this.sending = { id: this.nextId++, batch };
    this.writer.postMessage({ id: this.sending.id, batch } satisfies WriterRequest);
  }

  private answered(m: WriterReply): void {
    const sent = this.sending;
    if (!sent || sent.id !== m.id) return;
    this.sending = null;
    const busy = !m.ok && m.busy;
    if (m.ok) this.written += m.rows;
    else if (busy) this.refused.unshift(sent.batch);
    else this.options.onProblem?.(`prediction log: ${sent.batch.rows} rows not written: ${m.message}`);
    // what arrived meanwhile goes at once when someone waits for it, else with the next tick
    if (this.waiters.length && !busy) this.send();
    if (!this.sending) this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /**
   * Writes what is buffered on this thread; returns the rows written (0 when the file stayed
   * locked). With a writer thread, a batch it holds is left to it: `settle()` waits for both.
   */
  flush(): number {
    this.reportDropped();
    if (!this.store.isOpen) return 0;
    let n = 0;
    for (let batch = this.next(); batch; batch = this.next()) {
      const b = batch;
      try {
        n += this.store.transaction(() => insertPacked(this.store.db, b), { waitMs: 50 });
      } catch (err) {
        if (err instanceof ProjectWriteError && err.busy) {
          // locked by another process: keep them for the next flush
          this.refused.unshift(b);
          break;
        }
        this.options.onProblem?.(`prediction log: ${b.rows} rows not written: ${(err as Error).message}`);
      }
    }
    this.written += n;
    return n;
  }

  /** Resolves once every entry recorded so far is written (or refused by a locked file). */
  async settle(): Promise<void> {
    if (!this.writer) {
      this.flush();
      return;
    }
    if (!this.sending && !this.pending) return;
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    this.send();
    await done;
  }

  /** Stops the timer, writes what is left and ends the writer thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    await this.settle();
    this.closed = true;
    const w = this.writer;
    this.writer = null;
    if (w) await w.terminate();
    // rows the file refused (locked) get one last try here
    this.flush();
  }
}

/** Attaches a label (one value, or an array with one per row) to a logged request. Returns the logged rows it labels. */
export function recordFeedback(store: Pick<ProjectStore, 'db' | 'transaction'>, requestId: string, label: unknown, at = new Date()): number {
  const text = JSON.stringify(label);
  store.transaction(() => {
    store.db
      .prepare('INSERT INTO prediction_feedback (request_id, label, at) VALUES (?, ?, ?) ON CONFLICT (request_id) DO UPDATE SET label = excluded.label, at = excluded.at')
      .run(requestId, text, at.toISOString());
  });
  const n = store.db.prepare('SELECT count(*) AS n FROM prediction_log WHERE request_id = ? AND shadow = 0').get(requestId) as { n: number };
  return n.n;
}

/** One logged row, as `data.predictions` reads it. */
export interface LoggedPrediction {
  /** ISO 8601 UTC */
  at: string;
  requestId: string;
  row: number;
  model: string;
  version: number;
  alias: string | null;
  shadow: boolean;
  protocol: 'v1' | 'v2';
  /** input column -> raw value as received (null for a missing value) */
  inputs: Record<string, unknown>;
  prediction: Prediction | null;
  /** the label attached by feedback for this row, or null */
  label: unknown;
  latencyMs: number;
}

export interface PredictionQuery {
  model: string;
  /** only this version */
  version?: number;
  /** only requests that followed this alias */
  alias?: string;
  /** from this time on (inclusive): a Date, or ISO 8601 (without a zone: UTC) */
  since?: Date | string;
  /** before this time (exclusive) */
  until?: Date | string;
  /** the newest N rows of the window (still returned oldest first) */
  limit?: number;
  /** include shadow answers (default false: what clients got) */
  shadow?: boolean;
}

/** ISO 8601 with a space or `T`; a time without a zone is UTC. Throws naming the value. */
export function parseInstant(v: Date | string, place = 'time'): Date {
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw new Error(`${place}: not a valid time`);
    return v;
  }
  const s = v.trim().replace(' ', 'T');
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(s)) throw new Error(`${place}: '${v}' is not an ISO 8601 time`);
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(s) ? s : s.includes('T') ? `${s}Z` : `${s}T00:00:00Z`;
  const d = new Date(zoned);
  if (Number.isNaN(d.getTime())) throw new Error(`${place}: '${v}' is not a valid time`);
  return d;
}

interface LogRow {
  id: number;
  request_id: string;
  row_index: number;
  at: string;
  model: string;
  version: number;
  alias: string | null;
  shadow: number;
  protocol: string;
  inputs: string;
  prediction: string;
  latency_ms: number;
  label: string | null;
}

function json(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** The logged rows of a model in a time window, oldest first. Reads only (no lock taken). */
export function readPredictions(store: Pick<ProjectStore, 'db'>, q: PredictionQuery): LoggedPrediction[] {
  const where = ['p.model = ?'];
  const args: unknown[] = [q.model];
  if (q.version !== undefined) {
    where.push('p.version = ?');
    args.push(q.version);
  }
  if (q.alias !== undefined) {
    where.push('p.alias = ?');
    args.push(q.alias);
  }
  if (q.since !== undefined) {
    where.push('p.at >= ?');
    args.push(parseInstant(q.since, 'since').toISOString());
  }
  if (q.until !== undefined) {
    where.push('p.at < ?');
    args.push(parseInstant(q.until, 'until').toISOString());
  }
  if (!q.shadow) where.push('p.shadow = 0');
  const limit = q.limit !== undefined ? Math.max(0, Math.floor(q.limit)) : -1;
  const sql = `SELECT * FROM (
      SELECT p.*, f.label AS label FROM prediction_log p LEFT JOIN prediction_feedback f ON f.request_id = p.request_id
      WHERE ${where.join(' AND ')} ORDER BY p.at DESC, p.id DESC LIMIT ?
    ) ORDER BY at, id`;
  const rows = store.db.prepare(sql).all(...args, limit) as LogRow[];
  return rows.map((r) => {
    let label = json(r.label);
    if (Array.isArray(label)) label = label[r.row_index] ?? null;
    return {
      at: r.at,
      requestId: r.request_id,
      row: r.row_index,
      model: r.model,
      version: r.version,
      alias: r.alias,
      shadow: r.shadow === 1,
      protocol: r.protocol === 'v2' ? 'v2' : 'v1',
      inputs: (json(r.inputs) as Record<string, unknown> | null) ?? {},
      prediction: json(r.prediction) as Prediction | null,
      label,
      latencyMs: r.latency_ms,
    };
  });
}
