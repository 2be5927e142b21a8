/**
 * Compute.parallel: independent tasks (sweep trials) spread over worker threads, each with its
 * own TensorFlow.js on the same backend as the parent. Returns null — run them inline — when
 * there is one core, one task, or no worker entry (a bundle built without dist/trial-worker.cjs).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { NodeError, type BackendName, type ParallelRunner, type ParallelTask } from '../../nodes/types';

/**
 * A worker's entry: dist/NAME.cjs beside the bundle (or one folder up, for dist/electron/main.cjs),
 * or NAME-dev.mjs (tsx) in `devDir` (default: beside this file) when running from the sources.
 */
export function workerEntryFor(name: string, devDir = dirname(__filename)): string | null {
  const dir = dirname(__filename);
  if (__filename.endsWith('.cjs') || __filename.endsWith('.js')) {
    for (const d of [dir, join(dir, '..')]) {
      const bundled = join(d, `${name}.cjs`);
      if (existsSync(bundled)) return bundled;
    }
    return null;
  }
  const dev = join(devDir, `${name}-dev.mjs`);
  return existsSync(dev) ? dev : null;
}

export const trialWorkerEntry = (): string | null => workerEntryFor('trial-worker');

/** Workers to use: every core, unless PIPEWRIGHT_PARALLEL caps it (1 = inline). */
export function parallelism(): number {
  const cap = Number(process.env.PIPEWRIGHT_PARALLEL);
  const cores = availableParallelism();
  return Number.isFinite(cap) && cap >= 1 ? Math.min(cap, cores) : cores;
}

/**
 * Below this much work in total (task costs, e.g. rows × epochs) starting workers — each loads
 * its own TensorFlow.js — costs more than it saves. PIPEWRIGHT_PARALLEL_MIN_COST overrides it.
 */
export function minParallelCost(): number {
  const v = Number(process.env.PIPEWRIGHT_PARALLEL_MIN_COST);
  return Number.isFinite(v) && v >= 0 ? v : 2_000_000;
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { name: string; message: string };
}

export function createParallelRunner(backend: BackendName): ParallelRunner {
  return async (tasks: ParallelTask[], signal: AbortSignal) => {
    const size = Math.min(parallelism(), tasks.length);
    const entry = trialWorkerEntry();
    if (size < 2 || !entry) return null;
    const cost = tasks.reduce((sum, t) => sum + (t.cost ?? Infinity), 0);
    if (cost < minParallelCost()) return null;
    signal.throwIfAborted();
    const results: unknown[] = new Array(tasks.length);
    const workers: Worker[] = [];
    let next = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        let done = 0;
        let failed = false;
        const fail = (e: unknown): void => {
          if (failed) return;
          failed = true;
          reject(e);
        };
        const onAbort = (): void => fail(signal.reason ?? new Error('cancelled'));
        signal.addEventListener('abort', onAbort, { once: true });
        const feed = (w: Worker): void => {
          if (next >= tasks.length) return;
          const id = next++;
          w.postMessage({ id, task: tasks[id] });
        };
        for (let i = 0; i < size; i++) {
          const w = new Worker(entry, { workerData: { backend } });
          workers.push(w);
          w.on('message', (r: Reply) => {
            if (!r.ok) {
              fail(new NodeError(r.error?.message ?? 'a parallel task failed'));
              return;
            }
            results[r.id] = r.result;
            done++;
            if (done === tasks.length) {
              signal.removeEventListener('abort', onAbort);
              resolve();
            } else feed(w);
          });
          w.on('error', fail);
          w.on('exit', (code) => {
            if (code !== 0 && done < tasks.length) fail(new Error(`a parallel worker exited with code ${code}`));
          });
          feed(w);
        }
      });
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
    return results;
  };
}
