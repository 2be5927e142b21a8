/**
 * Batches the engine's writes to the project file: with synchronous=FULL every commit is an
 * fsync, so writes are gathered and committed together every few milliseconds (and at the end
 * of a run). A crash loses at most the last batch, never the file's consistency.
 *
 * A batch that finds the file locked by another process is kept and tried again (saying once
 * that it waits) until the store's `lock.waitMs` has passed, without blocking the event loop.
 * A write that fails, or a lock that outlasts the wait, fails the recorder for good: `failure`
 * names the file and the reason, `onError` is told once, and nothing more is written, so a run
 * with a gap in its records can never be recorded as whole.
 */
import { describeSqliteError, ProjectWriteError } from '../store/errors';
import { lockTimeout, waitingMessage } from '../store/lock-wait';
import type { ProjectStore, StoreEvent } from '../store/types';

const FLUSH_DELAY_MS = 50;
const FLUSH_AT = 5_000;
/** How long one try may block the thread waiting for the lock, and the pause between tries. */
const TRY_WAIT_MS = 50;
const RETRY_MS = 250;

export interface RecorderEvents {
  /** a batch is waiting for another process's lock (told once per wait) */
  onWait?: (message: string) => void;
  /** the recorder failed: the run cannot be recorded whole */
  onError?: (error: ProjectWriteError) => void;
}

export class Recorder {
  private pending: StoreEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** when the pending batch first found the file locked; null when not waiting */
  private waitingSince: number | null = null;
  private failed: ProjectWriteError | null = null;
  private settled: (() => void)[] = [];

  constructor(
    private readonly store: ProjectStore,
    private readonly events: RecorderEvents = {},
  ) {}

  /** Why the recorder stopped recording; null while every write has been committed or is pending. */
  get failure(): ProjectWriteError | null {
    return this.failed;
  }

  /** Queues an event for the next batch (after close: written at once). */
  add(event: StoreEvent): void {
    if (this.failed) return;
    this.pending.push(event);
    if (this.closed) this.flush();
    else this.schedule();
  }

  private schedule(): void {
    if (this.waitingSince !== null) return; // the retry timer writes everything pending
    if (this.pending.length >= FLUSH_AT) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), FLUSH_DELAY_MS);
  }

  /** Writes what is pending now, unless a batch is already waiting for the lock. */
  flush(): void {
    if (this.waitingSince !== null) return;
    this.attempt();
  }

  private attempt(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.failed) return;
    if (this.pending.length === 0) return this.settle();
    try {
      this.store.append(this.pending, { waitMs: TRY_WAIT_MS });
      this.pending = [];
      this.waitingSince = null;
      return this.settle();
    } catch (e) {
      if (!(e instanceof ProjectWriteError && e.busy)) return this.fail(e instanceof ProjectWriteError ? e : new ProjectWriteError(this.store.path, describeSqliteError(e)));
    }
    // Locked by another process: nothing of the batch was written; keep it (and what joins it).
    const t = Date.now();
    if (this.waitingSince === null) {
      this.waitingSince = t;
      this.events.onWait?.(waitingMessage(this.store.path, this.store.lock.waitMs));
    }
    if (t - this.waitingSince >= this.store.lock.waitMs) return this.fail(lockTimeout(this.store.path, this.store.lock.waitMs));
    this.timer = setTimeout(() => this.attempt(), RETRY_MS);
  }

  private fail(e: ProjectWriteError): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.failed = e;
    this.pending = [];
    this.waitingSince = null;
    try {
      this.events.onError?.(e);
    } finally {
      this.settle();
    }
  }

  private settle(): void {
    if (this.waitingSince !== null || this.pending.length) return;
    for (const resolve of this.settled.splice(0)) resolve();
  }

  /**
   * Writes everything pending and resolves once it is committed or the recorder has failed
   * (read `failure`). Later ops are written at once.
   */
  close(): Promise<void> {
    this.closed = true;
    const done = new Promise<void>((resolve) => this.settled.push(resolve));
    this.flush();
    this.settle();
    return done;
  }

  /**
   * After a failure: one short try at a last write (the run marked failed, with the reason), so
   * the file does not show the run as still running. False when that did not happen either.
   */
  salvage(events: StoreEvent[]): boolean {
    try {
      this.store.append(events, { waitMs: TRY_WAIT_MS });
      return true;
    } catch {
      return false;
    }
  }
}
