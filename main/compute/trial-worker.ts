/**
 * A parallel worker for Compute.parallel: loads the same backend as its parent, then runs the
 * tasks it is sent (a static table of kinds, so the bundle holds every one).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { settleSweepTrial, type SweepTrialInput } from '../../nodes/train/sweep-trial';
import type { ParallelTask } from '../../nodes/types';
import { loadCompute } from './index';

interface Request {
  id: number;
  task: ParallelTask;
}

const { backend } = workerData as { backend: string };
process.env.PIPEWRIGHT_BACKEND = backend;

parentPort?.on('message', (msg: Request) => {
  void (async () => {
    try {
      const { tf, backend: loaded } = await loadCompute();
      let result: unknown;
      switch (msg.task.kind) {
        case 'train.sweep-trial':
          result = await settleSweepTrial(tf, loaded, msg.task.input as SweepTrialInput);
          break;
        default:
          throw new Error(`unknown parallel task ${String((msg.task as { kind: unknown }).kind)}`);
      }
      parentPort?.postMessage({ id: msg.id, ok: true, result });
    } catch (e) {
      const err = e as Error;
      parentPort?.postMessage({ id: msg.id, ok: false, error: { name: err.name, message: err.message } });
    }
  })();
});
