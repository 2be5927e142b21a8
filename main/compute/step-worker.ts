/**
 * A helper thread of a data-parallel training step (nodes/train/cpu-step.ts): instantiates the
 * kernels over the shared memory it is sent, says so, then serves steps until told to quit.
 * Bundled on its own (dist/step-worker.cjs) so that starting one loads no TensorFlow.js.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { StepServer, type StepHelperInit } from '../../nodes/train/cpu-step';

const { init, thread } = workerData as { init: StepHelperInit; thread: number };
const server = new StepServer(init, thread);
parentPort?.postMessage({ type: 'ready' });
server.serve((message) => parentPort?.postMessage({ type: 'error', message }));
