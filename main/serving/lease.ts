/**
 * Leases of `pipewright serve` processes (issue 11): a server started on a project from a terminal
 * keeps one row in that project file saying where it listens, which model versions it serves and
 * how it is doing (requests, req/s, p50/p99 over the last 5 s), beaten about once a second by a
 * thread of its own (lease-writer.ts, so neither SQLite nor the commit's fsync is on a request's
 * path) and removed when it stops on SIGINT/SIGTERM. The app's Serving page lists them beside its
 * own servers. A row whose heartbeat is older than `STALE_MS`, or whose process on this host is
 * gone (kill -9, a crash), is shown as stopped and deleted `FORGET_MS` after its last beat.
 *
 * The rows live in `project_meta` under `serving:<host>:<pid>` with a JSON value: a key-value
 * row per process is all a lease needs, and no migration means an older Pipewright still opens
 * the file. The token is never written, only whether requests need one.
 */
import type { Database } from 'better-sqlite3';
import { hostname } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RunningServer } from '../../shared/api/contract';
import { workerEntryFor } from '../compute/parallel';
import { pidAlive } from '../pid';
import { isBusy } from '../store/errors';
import type { ProjectStore } from '../store/types';
import type { Routing } from './model-table';
import type { LeaseWriterReply, LeaseWriterRequest } from './lease-writer';
import { percentiles } from './percentiles';
import type { ServerStatsSnapshot, ServerStatsWindow } from './server';

export const LEASE_PREFIX = 'serving:';
/** A heartbeat older than this: the server is shown as stopped. */
export const STALE_MS = 5_000;
/** A stopped server's row is deleted this long after its last heartbeat. */
export const FORGET_MS = 60_000;
/** How often a serving process beats. */
export const BEAT_MS = 1_000;

/** One model name a server answers for, and the version its name alone resolves to now. */
export interface ServedModelInfo {
  name: string;
  /** null: the name has no version yet */
  version: number | null;
  /** the alias NAME follows (champion, or the one `--model NAME@ALIAS` gave); null when pinned or the latest */
  alias: string | null;
  /** a traffic split, as `models traffic` takes it (`champion=90 challenger=10`) */
  traffic?: string;
}

export interface LeaseRecord {
  pid: number;
  /** the machine's host name (a pid means something only there) */
  host: string;
  /** the address it listens on (`--host`) */
  bind: string;
  port: number;
  url: string;
  protocols: string[];
  models: ServedModelInfo[];
  workers: number;
  /** requests need `Authorization: Bearer …` (the token itself is never stored) */
  auth: boolean;
  /** who started it: `pipewright serve` (cli), or a deploy.serve node run in the app (app; stopped on its Serving page) */
  origin: 'cli' | 'app';
  startedAt: string;
  heartbeatAt: string;
  stats: ServerStatsSnapshot;
}

export interface LeaseView extends LeaseRecord {
  key: string;
  state: 'running' | 'stopped';
  /** why it counts as stopped */
  why?: string;
}

/** `serving:<host>:<pid>`; an app, which may run several servers, adds `:<port>` for each. */
export const leaseKey = (host: string, pid: number, port?: number): string => `${LEASE_PREFIX}${host}:${pid}${port === undefined ? '' : `:${port}`}`;

/** The protocols every model server speaks (the lease lists them). */
export const SERVER_PROTOCOLS = ['tf-serving-v1', 'open-inference-v2'];

/** What a lease says of a server that does not change while it runs. */
export function leaseBase(o: { origin: LeaseRecord['origin']; bind: string; port: number; url: string; workers: number; auth: boolean }): Omit<LeaseRecord, 'heartbeatAt' | 'stats' | 'models'> {
  return { pid: process.pid, host: hostname(), bind: o.bind, port: o.port, url: o.url, protocols: SERVER_PROTOCOLS, workers: o.workers, auth: o.auth, origin: o.origin, startedAt: new Date().toISOString() };
}

/** True for a lease this very process keeps (the app lists its own servers itself). */
export const isOwnLease = (l: Pick<LeaseRecord, 'host' | 'pid'>): boolean => l.host === hostname() && l.pid === process.pid;

const UPSERT = 'INSERT INTO project_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value';

export function writeLeaseRow(db: Database, key: string, record: LeaseRecord): void {
  db.prepare(UPSERT).run(key, JSON.stringify(record));
}

export function deleteLeaseRow(db: Database, key: string): void {
  db.prepare('DELETE FROM project_meta WHERE key = ?').run(key);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const text = (v: unknown, max = 300): string | null => (typeof v === 'string' && v.length <= max ? v : null);

/** A row as written by `writeLeaseRow`, or null: the project file is input like any other. */
function parseLease(value: string): LeaseRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    return null;
  }
  if (!isObj(v) || !isObj(v.stats) || !Array.isArray(v.models) || !Array.isArray(v.protocols)) return null;
  const pid = num(v.pid);
  const port = num(v.port);
  const host = text(v.host);
  const bind = text(v.bind);
  const url = text(v.url);
  const startedAt = text(v.startedAt, 40);
  const heartbeatAt = text(v.heartbeatAt, 40);
  if (pid === null || port === null || host === null || bind === null || url === null || startedAt === null || heartbeatAt === null) return null;
  const models: ServedModelInfo[] = [];
  for (const m of v.models.slice(0, 1000)) {
    if (!isObj(m) || text(m.name) === null) return null;
    const info: ServedModelInfo = { name: m.name as string, version: num(m.version), alias: text(m.alias) };
    if (text(m.traffic) !== null) info.traffic = m.traffic as string;
    models.push(info);
  }
  const s = v.stats;
  return {
    pid,
    host,
    bind,
    port,
    url,
    protocols: v.protocols.filter((p): p is string => text(p, 20) !== null).slice(0, 10),
    models,
    workers: num(v.workers) ?? 1,
    auth: v.auth === true,
    origin: v.origin === 'app' ? 'app' : 'cli',
    startedAt,
    heartbeatAt,
    stats: { requests: num(s.requests) ?? 0, errors: num(s.errors) ?? 0, rps: num(s.rps) ?? 0, p50: num(s.p50), p99: num(s.p99) },
  };
}

/** Why a lease's server counts as stopped at `now`, or null while it runs. */
function stoppedBecause(l: LeaseRecord, now: number): string | null {
  const beat = Date.parse(l.heartbeatAt);
  if (!Number.isFinite(beat)) return 'no readable heartbeat';
  if (l.host === hostname() && !pidAlive(l.pid)) return `process ${l.pid} is gone`;
  const age = now - beat;
  if (age > STALE_MS) return `no heartbeat for ${Math.round(age / 1000)} s`;
  return null;
}

/** Every serving process's lease in the project, newest start first; unreadable rows are skipped. */
export function readLeases(store: Pick<ProjectStore, 'db'>, now = Date.now()): LeaseView[] {
  const rows = store.db.prepare("SELECT key, value FROM project_meta WHERE key >= 'serving:' AND key < 'serving;' LIMIT 1000").all() as { key: string; value: string }[];
  const out: LeaseView[] = [];
  for (const r of rows) {
    const l = parseLease(r.value);
    if (!l) continue;
    const why = stoppedBecause(l, now);
    out.push(why ? { ...l, key: r.key, state: 'stopped', why } : { ...l, key: r.key, state: 'running' });
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

/**
 * Deletes the leases of servers stopped more than `FORGET_MS` ago (and rows nobody can read).
 * Never waits for another process's lock: a busy file is cleaned another time. Returns how many went.
 */
export function forgetStoppedLeases(store: Pick<ProjectStore, 'db' | 'transaction'>, now = Date.now()): number {
  const rows = store.db.prepare("SELECT key, value FROM project_meta WHERE key >= 'serving:' AND key < 'serving;' LIMIT 1000").all() as { key: string; value: string }[];
  const gone = rows
    .filter((r) => {
      const l = parseLease(r.value);
      if (!l) return true;
      const beat = Date.parse(l.heartbeatAt);
      return stoppedBecause(l, now) !== null && !(now - beat <= FORGET_MS);
    })
    .map((r) => r.key);
  if (!gone.length) return 0;
  try {
    store.transaction(() => gone.forEach((k) => deleteLeaseRow(store.db, k)), { waitMs: 0 });
    return gone.length;
  } catch (e) {
    if ((e as { busy?: boolean }).busy || isBusy(e)) return 0;
    throw e;
  }
}

/** The models a routing snapshot serves, each with the version its name alone resolves to. */
export function servedModels(routing: Routing): ServedModelInfo[] {
  const out: ServedModelInfo[] = [];
  for (const [name, n] of routing.names) {
    const info: ServedModelInfo = { name, version: null, alias: null };
    try {
      const t = routing.defaultTarget(name, () => 0);
      info.version = t.version;
      info.alias = t.alias;
    } catch {
      // no version yet
    }
    const split = (n.state.traffic ?? []).filter((t) => t.percent > 0);
    if (n.def.kind === 'default' && split.length) {
      info.traffic = split.map((t) => `${t.alias}=${t.percent}`).join(' ');
      info.alias = null;
      info.version = null;
    }
    out.push(info);
  }
  return out;
}

/** The figures of several processes on one port as one server's (`--workers N`). */
export function mergeWindows(windows: ServerStatsWindow[]): ServerStatsWindow {
  const latencies = new Float64Array(windows.reduce((n, w) => n + w.latencies.length, 0));
  let at = 0;
  for (const w of windows) {
    latencies.set(w.latencies, at);
    at += w.latencies.length;
  }
  return {
    requests: windows.reduce((s, w) => s + w.requests, 0),
    errors: windows.reduce((s, w) => s + w.errors, 0),
    rps: windows.reduce((s, w) => s + w.rps, 0),
    latencies,
  };
}

/** A window's figures as the lease keeps them (sorts its latencies). */
export function windowStats(w: ServerStatsWindow): ServerStatsSnapshot {
  return { requests: w.requests, errors: w.errors, rps: w.rps, ...percentiles(w.latencies) };
}

/**
 * The URL the app may call for an external server's "try it": a running lease of a process on
 * this host, listening on loopback without a token. The row comes from the project file, so
 * anything else (another host, a token, an address that is not loopback) is refused, naming why.
 */
export function tryableUrl(l: LeaseView): string {
  if (l.state !== 'running') throw new Error(`process ${l.pid} has stopped: ${l.why ?? 'no heartbeat'}`);
  if (l.host !== hostname()) throw new Error(`process ${l.pid} runs on ${l.host}, not on this machine`);
  if (l.auth) throw new Error(`process ${l.pid} needs its bearer token, which is never stored: call it with curl`);
  const m = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):(\d{1,5})$/.exec(l.url);
  if (!m || Number(m[2]) !== l.port) throw new Error(`process ${l.pid} does not listen on loopback (${l.url.slice(0, 100)})`);
  return l.url;
}

function isTryable(l: LeaseView): boolean {
  try {
    tryableUrl(l);
    return l.models.length > 0 && l.models[0].version !== null;
  } catch {
    return false;
  }
}

/** An external server as the Serving page lists it. */
export function leaseAsServer(project: string, l: LeaseView): RunningServer {
  const first = l.models[0];
  return {
    id: `external|${project}|${l.key}`,
    origin: 'external',
    state: l.state,
    project,
    name: l.models.map((m) => m.name).join(', ') || '(no models yet)',
    url: l.url,
    startedAt: l.startedAt,
    version: l.models.length === 1 ? (first.version ?? null) : null,
    models: l.models.map((m) => ({ name: m.name, version: m.version, alias: m.alias ?? m.traffic ?? null })),
    stats: l.state === 'running' ? l.stats : { ...l.stats, rps: 0 },
    process: { pid: l.pid, host: l.host, heartbeatAt: l.heartbeatAt, workers: l.workers, auth: l.auth, protocols: l.protocols, tryable: isTryable(l), startedBy: l.origin, ...(l.why ? { why: l.why } : {}) },
  };
}

export interface LeaseSample {
  models: ServedModelInfo[];
  /** the figures before percentiles: the writer thread sorts the latencies, not the server's */
  window: ServerStatsWindow;
}

/**
 * A server's lease: written at once, beaten every `BEAT_MS` with what `sample()` says,
 * deleted by `close()`. The writes run on a thread with its own connection; without one (a bundle
 * built without dist/lease-writer.cjs) on this thread, never waiting for another process's lock.
 */
export class ServeLease {
  readonly key: string;
  private readonly timer: NodeJS.Timeout;
  private writer: Worker | null = null;
  private closed = false;
  private warned = false;

  constructor(
    private readonly store: Pick<ProjectStore, 'db' | 'transaction' | 'path'>,
    private readonly base: Omit<LeaseRecord, 'heartbeatAt' | 'stats' | 'models'>,
    private readonly sample: () => LeaseSample,
    private readonly onProblem?: (message: string) => void,
  ) {
    // an app keeps one row per server (several in one process); pipewright serve one per process
    this.key = leaseKey(base.host, base.pid, base.origin === 'app' ? base.port : undefined);
    try {
      forgetStoppedLeases(store);
    } catch (e) {
      this.problem(e);
    }
    const entry = workerEntryFor('lease-writer', __dirname);
    if (entry) {
      const w = new Worker(entry, { workerData: { file: store.path } });
      w.unref();
      w.on('message', (m: LeaseWriterReply) => {
        if (!m.ok && !m.busy) this.problem(new Error(m.message));
      });
      w.on('error', (e) => {
        this.problem(e);
        if (this.writer === w) this.writer = null;
      });
      this.writer = w;
    }
    this.beat();
    this.timer = setInterval(() => this.beat(), BEAT_MS);
    this.timer.unref();
  }

  private problem(e: unknown): void {
    if (this.warned) return;
    this.warned = true;
    this.onProblem?.(`the Serving page's lease in ${this.store.path} could not be written (the server goes on): ${(e as Error)?.message ?? String(e)}`);
  }

  beat(): void {
    if (this.closed) return;
    let sample: LeaseSample;
    try {
      sample = this.sample();
    } catch (e) {
      this.problem(e);
      return;
    }
    const partial = { ...this.base, models: sample.models, heartbeatAt: new Date().toISOString() };
    if (this.writer) {
      const m: LeaseWriterRequest = { op: 'beat', key: this.key, record: partial, window: sample.window };
      this.writer.postMessage(m, [sample.window.latencies.buffer as ArrayBuffer]);
      return;
    }
    const record: LeaseRecord = { ...partial, stats: windowStats(sample.window) };
    try {
      this.store.transaction(() => writeLeaseRow(this.store.db, this.key, record), { waitMs: 0 });
    } catch (e) {
      if (!(e as { busy?: boolean }).busy) this.problem(e);
    }
  }

  /** Stops beating and deletes the row (waiting up to 2 s for another process's lock). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    const w = this.writer;
    this.writer = null;
    if (w) {
      const done = new Promise<void>((resolve) => {
        w.on('message', (m: LeaseWriterReply) => {
          if (m.op === 'remove') resolve();
        });
        w.once('exit', () => resolve());
      });
      const m: LeaseWriterRequest = { op: 'remove', key: this.key };
      w.postMessage(m);
      await done;
      await w.terminate();
      return;
    }
    try {
      this.store.transaction(() => deleteLeaseRow(this.store.db, this.key), { waitMs: 2_000 });
    } catch (e) {
      this.problem(e);
    }
  }
}
