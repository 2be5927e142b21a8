/**
 * Writes that meet another process's lock on the project file: they wait for a bounded time,
 * saying so once, then fail with a ProjectWriteError naming the file, never silently.
 */
import type Database from 'better-sqlite3';
import { isBusy, ProjectWriteError } from './errors';

/** How long a write waits for another process's lock before it fails (`PIPEWRIGHT_LOCK_WAIT_MS` overrides). */
export const DEFAULT_LOCK_WAIT_MS = 30_000;
/** A lock released within this time is not worth a message. */
const QUIET_WAIT_MS = 1_000;

export function lockWaitFromEnv(): number {
  const raw = process.env.PIPEWRIGHT_LOCK_WAIT_MS;
  const v = raw === undefined || raw === '' ? Number.NaN : Number(raw);
  return Number.isFinite(v) && v >= 0 ? Math.round(v) : DEFAULT_LOCK_WAIT_MS;
}

export interface LockWait {
  /** the longest a write waits for another process's lock */
  waitMs: number;
  /** told once per wait, when a write finds the file locked for longer than a moment */
  onWait?: (message: string) => void;
}

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

export function waitingMessage(file: string, waitMs: number): string {
  return `waiting for ${file}: another process holds its write lock (giving up after ${seconds(waitMs)})`;
}

export function lockTimeout(file: string, waitMs: number): ProjectWriteError {
  return new ProjectWriteError(file, `another process kept it locked for more than ${seconds(waitMs)} (SQLITE_BUSY)`, true);
}

/** `PRAGMA busy_timeout` statements by connection and value: a write sets it twice, and `db.pragma` prepares anew each time. */
const busyStatements = new WeakMap<Database.Database, Map<number, Database.Statement>>();

/** Sets how long SQLite itself waits for another connection's lock on `db`. */
export function setBusyTimeout(db: Database.Database, ms: number): void {
  let byValue = busyStatements.get(db);
  if (!byValue) busyStatements.set(db, (byValue = new Map()));
  let st = byValue.get(ms);
  if (!st) byValue.set(ms, (st = db.prepare(`PRAGMA busy_timeout = ${Math.max(0, Math.round(ms))}`)));
  st.run();
}

/**
 * Runs a write that may find the file locked by another process: a short quiet try, then one
 * message and a wait up to `lock.waitMs` in all, then a ProjectWriteError naming the file.
 * The write must take the lock at its start (`BEGIN IMMEDIATE`), so a busy try wrote nothing.
 * Afterwards the connection waits `restoreMs` again (its usual wait; default `lock.waitMs`).
 */
export function withLockWait<T>(db: Database.Database, file: string, lock: LockWait, write: () => T, restoreMs = lock.waitMs): T {
  if (db.inTransaction) return write();
  const first = Math.min(QUIET_WAIT_MS, lock.waitMs);
  const attempt = (timeoutMs: number): { ok: true; value: T } | { ok: false } => {
    setBusyTimeout(db, timeoutMs);
    try {
      return { ok: true, value: write() };
    } catch (e) {
      if (isBusy(e)) return { ok: false };
      throw e;
    } finally {
      if (db.open) setBusyTimeout(db, restoreMs);
    }
  };
  const quick = attempt(first);
  if (quick.ok) return quick.value;
  if (lock.waitMs > first) {
    lock.onWait?.(waitingMessage(file, lock.waitMs));
    const slow = attempt(lock.waitMs - first);
    if (slow.ok) return slow.value;
  }
  throw lockTimeout(file, lock.waitMs);
}

