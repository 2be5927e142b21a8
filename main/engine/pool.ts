/**
 * A bounded pool of engine worker threads. One node runs per worker at a time; a node that
 * ignores its abort signal is stopped by terminating its worker (a fresh one replaces it).
 */
import { Worker } from 'node:worker_threads';
import { existsSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { scratchDir } from './scratch';
import { dirname, join } from 'node:path';
import type { BackendName } from '../../nodes/types';
import type { NodeRunResult, NodeSignal } from './node-runner';
import type { FromWorker, RunJob, WorkerInit } from './protocol';

/**
 * The young generation of an engine worker's heap. V8's default lets it grow to 48 MB while a
 * node reads a big table, and it keeps that size afterwards; nodes hold their data in typed
 * arrays and DuckDB, not in young objects, so a small one costs no measurable time. Training on
 * the 1M-row bench CSV peaked 25 MB lower with 8 MB (train node 3.3-3.4 s either way).
 */
export const ENGINE_YOUNG_GENERATION_MB = 8;

/** How long a node may take to honour its abort signal before its worker is terminated. */
export const ABORT_GRACE_MS = 400;

/**
 * The worker entry: dist/worker.cjs beside the bundle; from sources (vitest, tsx) a bootstrap
 * that registers tsx's hooks inside the worker thread, then loads worker.ts.
 */
export function workerEntry(): string {
  const here = __filename;
  const dir = dirname(here);
  if (here.endsWith('.cjs') || here.endsWith('.js')) {
    const bundled = join(dir, 'worker.cjs');
    if (existsSync(bundled)) return bundled;
    // The Electron main bundle lives in dist/electron/; the worker beside the other bundles.
    const parent = join(dir, '..', 'worker.cjs');
    if (existsSync(parent)) return parent;
  }
  return join(dir, 'worker-dev.mjs');
}

export function defaultPoolSize(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

interface Job {
  msg: RunJob;
  onSignal: (s: NodeSignal) => void;
  resolve: (r: NodeRunResult) => void;
  signal?: AbortSignal;
}

interface Slot {
  worker: Worker;
  /** set while the worker starts its DuckDB engine: terminating it then would abort the process */
  warming: Promise<void> | null;
  warmed?: () => void;
  /** a warm-up was asked of it (a prestarted worker has none until a run knows it will need it) */
  warmAsked: boolean;
  job: Job | null;
  tmpDir: string;
  killTimer: NodeJS.Timeout | null;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private readonly entry = workerEntry();
  private readonly backendWaiters = new Map<number, (b: { backend: BackendName | null; error?: string }) => void>();

  constructor(
    readonly size = defaultPoolSize(),
    private readonly options: { nice?: number } = {},
  ) {}

  /** Runs a node in a worker; resolves with its result (never rejects). */
  run(msg: Omit<RunJob, 'type' | 'jobId'>, onSignal: (s: NodeSignal) => void, signal?: AbortSignal): Promise<NodeRunResult> {
    return new Promise((resolve) => {
      if (this.closed) return resolve({ ok: false, failure: { kind: 'cancelled', message: 'the engine is shutting down' }, backend: null });
      if (signal?.aborted) return resolve({ ok: false, failure: { kind: 'cancelled', message: 'cancelled' }, backend: null });
      const onAbort = (): void => this.abort(job);
      const job: Job = {
        msg: { ...msg, type: 'run', jobId: this.nextId++ },
        onSignal,
        resolve: (r) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(r);
        },
        signal,
      };
      this.queue.push(job);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pump();
    });
  }

  /**
   * Starts a worker and its DuckDB engine now, when none exists yet: loading them takes about half
   * a second of CPU (DuckDB's library alone 0.3), which a run's first node would otherwise wait for.
   */
  warm(plugins: readonly string[]): void {
    if (this.closed) return;
    // A prestarted worker (below) is warmed now; otherwise only a pool with no worker starts one.
    let slot = this.slots.find((s) => !s.warmAsked && !s.job);
    if (!slot) {
      if (this.slots.length > 0) return;
      slot = this.spawn();
    }
    const warming = slot;
    warming.warmAsked = true;
    warming.warming = new Promise<void>((resolve) => (warming.warmed = resolve));
    warming.worker.postMessage({ type: 'warm', plugins: [...plugins] });
  }

  /**
   * Starts a worker thread now, loading its modules but not DuckDB (prestart.ts): `warm` starts
   * DuckDB in it once a run knows a node will run there, and `close` stops it at once if none does.
   */
  prestart(): void {
    if (!this.closed && this.slots.length === 0) this.spawn();
  }

  /** Asks a worker to load the compute backend (off the main thread) and name it. */
  probeBackend(): Promise<{ backend: BackendName | null; error?: string }> {
    const slot = this.slots.find((s) => !s.job) ?? this.slots[0] ?? this.spawn();
    const jobId = this.nextId++;
    return new Promise((resolve) => {
      this.backendWaiters.set(jobId, resolve);
      slot.worker.postMessage({ type: 'backend', jobId });
    });
  }

  private spawn(): Slot {
    const tmpDir = scratchDir('worker');
    const init: WorkerInit = { tmpDir, nice: this.options.nice };
    const worker = new Worker(this.entry, { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: ENGINE_YOUNG_GENERATION_MB } });
    const slot: Slot = { worker, job: null, tmpDir, killTimer: null, warming: null, warmAsked: false };
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    worker.on('error', (e) => this.onExit(slot, `the worker failed: ${e.message}`));
    worker.on('exit', (code) => this.onExit(slot, `the worker exited (code ${code})`));
    this.slots.push(slot);
    return slot;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.spawn();
      }
      const job = this.queue.shift()!;
      if (job.signal?.aborted) {
        job.resolve({ ok: false, failure: { kind: 'cancelled', message: 'cancelled' }, backend: null });
        continue;
      }
      slot.job = job;
      slot.worker.postMessage(job.msg);
    }
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if (m.type === 'warmed') {
      slot.warming = null;
      slot.warmed?.();
      return;
    }
    if (m.type === 'backend') {
      const w = this.backendWaiters.get(m.jobId);
      this.backendWaiters.delete(m.jobId);
      w?.({ backend: m.backend, error: m.error });
      return;
    }
    const job = slot.job;
    if (!job || job.msg.jobId !== m.jobId) return;
    if (m.type === 'signal') job.onSignal(m.signal);
    else {
      this.release(slot);
      job.resolve(m.result);
    }
  }

  private release(slot: Slot): void {
    if (slot.killTimer) clearTimeout(slot.killTimer);
    slot.killTimer = null;
    slot.job = null;
    this.pump();
  }

  private abort(job: Job): void {
    const qi = this.queue.indexOf(job);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      job.resolve({ ok: false, failure: { kind: 'cancelled', message: 'cancelled' }, backend: null });
      return;
    }
    const slot = this.slots.find((s) => s.job === job);
    if (!slot) return;
    slot.worker.postMessage({ type: 'abort', jobId: job.msg.jobId });
    slot.killTimer = setTimeout(() => {
      // The node ignored its signal: stop the thread and answer for it.
      if (slot.job !== job) return;
      slot.job = null;
      this.remove(slot);
      void this.terminate(slot);
      job.resolve({ ok: false, failure: { kind: 'cancelled', message: 'cancelled (stopped)' }, backend: null });
      this.pump();
    }, ABORT_GRACE_MS);
  }

  private remove(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    if (slot.killTimer) clearTimeout(slot.killTimer);
    rmSync(slot.tmpDir, { recursive: true, force: true });
  }

  /** Terminates a worker once its warm-up has ended (or died with it). */
  private async terminate(slot: Slot): Promise<void> {
    if (slot.warming) await Promise.race([slot.warming, new Promise<void>((resolve) => slot.worker.once('exit', () => resolve()))]);
    await slot.worker.terminate();
  }

  private onExit(slot: Slot, why: string): void {
    slot.warming = null;
    slot.warmed?.();
    if (!this.slots.includes(slot)) return;
    this.remove(slot);
    const job = slot.job;
    slot.job = null;
    if (job) job.resolve({ ok: false, failure: { kind: job.signal?.aborted ? 'cancelled' : 'failed', message: why }, backend: null });
    for (const [id, w] of this.backendWaiters) {
      this.backendWaiters.delete(id);
      w({ backend: null, error: why });
    }
    if (!this.closed) this.pump();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve({ ok: false, failure: { kind: 'cancelled', message: 'the engine is shutting down' }, backend: null });
    const slots = this.slots.splice(0);
    await Promise.all(
      slots.map(async (s) => {
        if (s.killTimer) clearTimeout(s.killTimer);
        await this.terminate(s);
        rmSync(s.tmpDir, { recursive: true, force: true });
      }),
    );
  }
}
