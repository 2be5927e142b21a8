/**
 * The durable trigger queue in the project file (contract section 8). A fired trigger is a row
 * written (committed) before its run starts; a watcher takes it with a lease (owner + expiry),
 * links the run it starts, and settles it when the run ends. Every state change is one write
 * transaction, so a watcher killed at any moment leaves a row another watcher can finish:
 * - queued: waiting (for `due_at`, the retry backoff);
 * - running: leased; its run, once started, is in `run_id`;
 * - done: the run finished (`outcome` is its status); failed runs are not retried;
 * - gave_up: interrupted more than MAX_RETRIES times.
 * Taking over a running row first looks at its run: a run that finished settles the row
 * (never a second run); an interrupted one is retried with backoff.
 */
import { hostname } from 'node:os';
import type { Database } from 'better-sqlite3';
import type { ProjectStore } from '../store/project-store';
import { pidAlive } from '../pid';

export type TriggerKindName = 'manual' | 'schedule' | 'files' | 'metric';
export type FiringStatus = 'queued' | 'running' | 'done' | 'gave_up';

/** An interrupted run gets at most this many more attempts. */
export const MAX_RETRIES = 3;

export function createTriggerTables(db: Database): void {
  db.exec(`
    ALTER TABLE runs ADD COLUMN trigger TEXT NOT NULL DEFAULT 'manual' CHECK (trigger IN ('manual','schedule','files','metric'));
    ALTER TABLE runs ADD COLUMN trigger_firing INTEGER;

    CREATE TABLE trigger_firings (
      id INTEGER PRIMARY KEY,
      trigger_key TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('schedule','files','metric')),
      source_file TEXT NOT NULL,
      pipeline_file TEXT NOT NULL,
      detail TEXT NOT NULL DEFAULT '{}',
      dedupe TEXT NOT NULL UNIQUE,
      fired_at TEXT NOT NULL,
      due_at INTEGER NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('queued','running','done','gave_up')),
      attempts INTEGER NOT NULL DEFAULT 0,
      lease_owner TEXT,
      lease_until INTEGER,
      run_id INTEGER,
      outcome TEXT,
      error TEXT,
      settled_at TEXT
    );
    CREATE INDEX trigger_firings_by_status ON trigger_firings (status, due_at);

    CREATE TABLE trigger_state (
      trigger_key TEXT PRIMARY KEY,
      state TEXT NOT NULL,
      paused INTEGER NOT NULL DEFAULT 0
    );
  `);
}

export interface Firing {
  id: number;
  triggerKey: string;
  kind: Exclude<TriggerKindName, 'manual'>;
  sourceFile: string;
  pipelineFile: string;
  detail: Record<string, unknown>;
  firedAt: string;
  dueAt: number;
  status: FiringStatus;
  attempts: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  runId: number | null;
  outcome: string | null;
  error: string | null;
}

interface FiringRow {
  id: number;
  trigger_key: string;
  kind: Firing['kind'];
  source_file: string;
  pipeline_file: string;
  detail: string;
  fired_at: string;
  due_at: number;
  status: FiringStatus;
  attempts: number;
  lease_owner: string | null;
  lease_until: number | null;
  run_id: number | null;
  outcome: string | null;
  error: string | null;
}

function toFiring(r: FiringRow): Firing {
  return {
    id: r.id, triggerKey: r.trigger_key, kind: r.kind, sourceFile: r.source_file, pipelineFile: r.pipeline_file,
    detail: JSON.parse(r.detail) as Record<string, unknown>, firedAt: r.fired_at, dueAt: r.due_at, status: r.status,
    attempts: r.attempts, leaseOwner: r.lease_owner, leaseUntil: r.lease_until, runId: r.run_id, outcome: r.outcome, error: r.error,
  };
}

/** This process as a lease owner: host and pid, so a dead owner on this host is seen at once. */
export function ownerId(): string {
  return `${hostname()}:${process.pid}`;
}

/** A lease owner that is certainly gone: a process of this host that no longer lives. */
function ownerDead(owner: string | null): boolean {
  if (!owner) return true;
  const at = owner.lastIndexOf(':');
  if (owner.slice(0, at) !== hostname()) return false;
  return !pidAlive(Number(owner.slice(at + 1)));
}

export interface NewFiring {
  triggerKey: string;
  kind: Firing['kind'];
  sourceFile: string;
  pipelineFile: string;
  detail: Record<string, unknown>;
  /** the same dedupe key is one firing, however many watchers see it */
  dedupe: string;
}

/**
 * Writes a firing (and the trigger's new state, in the same transaction); false when that
 * firing was already written, by this watcher or another.
 */
export function enqueue(store: ProjectStore, f: NewFiring, state?: unknown): boolean {
  return store.transaction(() => {
    const r = store.db
      .prepare(
        `INSERT OR IGNORE INTO trigger_firings (trigger_key, kind, source_file, pipeline_file, detail, dedupe, fired_at, due_at, status)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued')`,
      )
      .run(f.triggerKey, f.kind, f.sourceFile, f.pipelineFile, JSON.stringify(f.detail), f.dedupe, new Date().toISOString(), Date.now());
    if (state !== undefined) saveState(store, f.triggerKey, state);
    return r.changes === 1;
  });
}

export function loadState<T>(store: ProjectStore, key: string): { state: T | null; paused: boolean } {
  const r = store.db.prepare('SELECT state, paused FROM trigger_state WHERE trigger_key = ?').get(key) as { state: string; paused: number } | undefined;
  return { state: r ? (JSON.parse(r.state) as T) : null, paused: r?.paused === 1 };
}

export function saveState(store: ProjectStore, key: string, state: unknown): void {
  store.transaction(() => {
    store.db
      .prepare('INSERT INTO trigger_state (trigger_key, state) VALUES (?, ?) ON CONFLICT (trigger_key) DO UPDATE SET state = excluded.state')
      .run(key, JSON.stringify(state));
  });
}

/** Pauses (or resumes) a trigger: a paused trigger does not fire; what it fired before stays queued. */
export function setPaused(store: ProjectStore, key: string, paused: boolean): void {
  store.transaction(() => {
    store.db
      .prepare("INSERT INTO trigger_state (trigger_key, state, paused) VALUES (?, 'null', ?) ON CONFLICT (trigger_key) DO UPDATE SET paused = excluded.paused")
      .run(key, paused ? 1 : 0);
  });
}

/** project_meta's key for the project's triggers switch (the editor's "triggers: on / paused"). */
const TRIGGERS_PAUSED = 'triggers.paused';

/**
 * Whether the project's triggers are paused as a whole: none fires and no queued firing is taken,
 * by the app or any `pipewright watch`, until they are resumed; kept in the project file, so a
 * restart keeps it. A run under way finishes.
 */
export function triggersPaused(store: ProjectStore): boolean {
  return store.getMeta(TRIGGERS_PAUSED) === '1';
}

export function setTriggersPaused(store: ProjectStore, paused: boolean): void {
  store.setMeta(TRIGGERS_PAUSED, paused ? '1' : '0');
}

export function pausedKeys(store: ProjectStore): Set<string> {
  return new Set((store.db.prepare('SELECT trigger_key FROM trigger_state WHERE paused = 1').all() as { trigger_key: string }[]).map((r) => r.trigger_key));
}

const RUN_DONE = new Set(['succeeded', 'failed', 'gate_failed', 'cancelled']);

export interface ClaimOptions {
  owner: string;
  leaseMs: number;
  /** base of the retry backoff: attempt k waits base · 2^(k−1) */
  backoffMs: number;
  /** only firings of these pipeline files (a watcher runs its own files' firings) */
  sources?: string[];
}

/**
 * Takes the next due firing under a lease, in one transaction. A running firing whose lease
 * expired (or whose owner died on this host) is looked at first: its finished run settles it;
 * an interrupted run sends it back to the queue with backoff, or gives up after MAX_RETRIES.
 * Nothing is taken while the project's triggers are paused.
 */
export function claimNext(store: ProjectStore, opts: ClaimOptions): Firing | null {
  store.markInterruptedRuns();
  return store.transaction(() => {
    const now = Date.now();
    const src = opts.sources?.length ? ` AND source_file IN (${opts.sources.map(() => '?').join(', ')})` : '';
    const args = opts.sources ?? [];
    const stale = store.db.prepare(`SELECT * FROM trigger_firings WHERE status = 'running'${src} ORDER BY id`).all(...args) as FiringRow[];
    for (const r of stale) {
      if (r.lease_owner === opts.owner) continue;
      if ((r.lease_until ?? 0) > now && !ownerDead(r.lease_owner)) continue;
      recover(store, r, opts);
    }
    // read in the claim's own transaction: no firing is taken once the pause is committed
    if (triggersPaused(store)) return null;
    const row = store.db
      .prepare(`SELECT * FROM trigger_firings WHERE status = 'queued' AND due_at <= ?${src} ORDER BY due_at, id LIMIT 1`)
      .get(now, ...args) as FiringRow | undefined;
    if (!row) return null;
    store.db
      .prepare("UPDATE trigger_firings SET status = 'running', attempts = attempts + 1, lease_owner = ?, lease_until = ? WHERE id = ?")
      .run(opts.owner, now + opts.leaseMs, row.id);
    return toFiring(store.db.prepare('SELECT * FROM trigger_firings WHERE id = ?').get(row.id) as FiringRow);
  });
}

/** A running firing whose owner is gone: settle it from its run, or queue it again. */
function recover(store: ProjectStore, r: FiringRow, opts: ClaimOptions): void {
  const run = r.run_id == null ? undefined : (store.db.prepare('SELECT status FROM runs WHERE id = ?').get(r.run_id) as { status: string } | undefined);
  if (run && RUN_DONE.has(run.status)) {
    settle(store, r.id, r.lease_owner, run.status);
    return;
  }
  if (run?.status === 'running') return; // its owner lives elsewhere and still heartbeats
  if (r.attempts > MAX_RETRIES) {
    store.db
      .prepare("UPDATE trigger_firings SET status = 'gave_up', lease_owner = NULL, lease_until = NULL, error = ?, settled_at = ? WHERE id = ?")
      .run(`interrupted ${r.attempts} times`, new Date().toISOString(), r.id);
    return;
  }
  store.db
    .prepare("UPDATE trigger_firings SET status = 'queued', lease_owner = NULL, lease_until = NULL, due_at = ?, error = ? WHERE id = ?")
    .run(Date.now() + opts.backoffMs * 2 ** Math.max(0, r.attempts - 1), r.run_id == null ? 'its watcher stopped before the run started' : `run ${r.run_id} was interrupted`, r.id);
}

/** Extends a lease; false when the firing is no longer ours (taken over after our lease expired). */
export function renewLease(store: ProjectStore, id: number, owner: string, leaseMs: number): boolean {
  return store.transaction(() => store.db.prepare("UPDATE trigger_firings SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = 'running'").run(Date.now() + leaseMs, id, owner).changes === 1);
}

/** Records the run a firing started, on the firing and on the run, right after the run row exists. */
export function linkRun(store: ProjectStore, firing: Firing, runId: number): void {
  store.transaction(() => {
    store.db.prepare('UPDATE trigger_firings SET run_id = ? WHERE id = ?').run(runId, firing.id);
    store.db.prepare('UPDATE runs SET trigger = ?, trigger_firing = ? WHERE id = ?').run(firing.kind, firing.id, runId);
  });
}

/** The run ended with `outcome`: the firing is done (an interrupted run is left to `recover`). */
export function settle(store: ProjectStore, id: number, owner: string | null, outcome: string, error?: string): void {
  store.transaction(() => {
    store.db
      .prepare(
        `UPDATE trigger_firings SET status = 'done', outcome = ?, error = ?, lease_owner = NULL, lease_until = NULL, settled_at = ?
         WHERE id = ? AND status = 'running' AND (lease_owner IS ? OR lease_owner = ?)`,
      )
      .run(outcome, error ?? null, new Date().toISOString(), id, owner, owner);
  });
}

/** Firings, newest first (the editor's past and queued firings, tests). */
export function listFirings(store: ProjectStore, opts: { limit?: number; sources?: string[] } = {}): Firing[] {
  const src = opts.sources?.length ? ` WHERE source_file IN (${opts.sources.map(() => '?').join(', ')})` : '';
  return (store.db.prepare(`SELECT * FROM trigger_firings${src} ORDER BY id DESC LIMIT ?`).all(...(opts.sources ?? []), opts.limit ?? 1000) as FiringRow[]).map(toFiring);
}

/** What started each run (`manual` for runs a person started); for `runs --json` and the editor. */
export function runTriggers(store: ProjectStore, runIds: (number | string)[]): Map<number, TriggerKindName> {
  const out = new Map<number, TriggerKindName>();
  const stmt = store.db.prepare('SELECT trigger FROM runs WHERE id = ?');
  for (const id of runIds) {
    const r = stmt.get(Number(id)) as { trigger: TriggerKindName } | undefined;
    if (r) out.set(Number(id), r.trigger);
  }
  return out;
}
