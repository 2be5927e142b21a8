/**
 * Compute.startStepHelpers: the helper threads of a data-parallel training step. Each runs
 * step-worker.ts over the shared memory of the trainer that started it; they are released by
 * the trainer's close().
 */
import { Worker } from 'node:worker_threads';
import type { StepHelperInit, StepHelpers } from '../../nodes/train/cpu-step';
import { workerEntryFor } from './parallel';

type FromHelper = { type: 'ready' } | { type: 'error'; message: string };

export async function startStepHelpers(count: number, init: StepHelperInit): Promise<StepHelpers> {
  const entry = workerEntryFor('step-worker');
  if (!entry) throw new Error('the step helper (dist/step-worker.cjs) is not built: run npm run build:node');
  const workers: Worker[] = [];
  let failure: string | null = null;
  let closing = false;
  const ready = Array.from({ length: count }, (_, i) => {
    const w = new Worker(entry, { workerData: { init, thread: i + 1 } });
    workers.push(w);
    return new Promise<void>((resolve, reject) => {
      w.on('message', (m: FromHelper) => {
        if (m.type === 'ready') resolve();
        else failure ??= m.message;
      });
      w.on('error', (e) => {
        failure ??= e.message;
        reject(e);
      });
      w.on('exit', (code) => {
        if (!closing) failure ??= `a training thread exited (code ${code})`;
        reject(new Error(failure ?? `a training thread exited (code ${code})`));
      });
    });
  });
  const close = async (): Promise<void> => {
    closing = true;
    await Promise.all(workers.map((w) => w.terminate()));
  };
  try {
    await Promise.all(ready);
  } catch (e) {
    await close();
    throw e;
  }
  return { failure: () => failure, close };
}
