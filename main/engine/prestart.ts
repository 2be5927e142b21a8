/**
 * A worker started as the `run` command starts, before its modules load.
 *
 * A `pipewright run` spends its first few hundred milliseconds loading its own modules, then the
 * pipeline, the plan and the project file, then hashes its data files for the cache keys; an
 * engine worker takes about as long to load its modules and start DuckDB. Started only when the
 * run's plan was known, the worker was still loading when its first node was due (0.15-0.25 s of a
 * data.csv node's durationMs went on waiting for it). Started here, its modules load beside the
 * command's on the other core; DuckDB starts in it when the run knows a node will run there (the
 * executor's `warm`). A run with nothing to run (all cached) never starts DuckDB, and the command
 * stops the worker at once.
 */
import { WorkerPool } from './pool';

let early: WorkerPool | null = null;

/** Starts a worker pool with one worker loading its modules. */
export function prestartWorker(): void {
  if (early) return;
  early = new WorkerPool();
  early.prestart();
}

/** The prestarted pool, now the caller's to close; null when none was started. */
export function takePrestartedPool(): WorkerPool | null {
  const p = early;
  early = null;
  return p;
}

/** Closes a prestarted pool that no command took (help was printed, the arguments were wrong). */
export async function dropPrestartedPool(): Promise<void> {
  await takePrestartedPool()?.close();
}
