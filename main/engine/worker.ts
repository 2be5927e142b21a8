/**
 * An engine worker thread: runs nodes off the main thread. Holds its own DuckDB engine (started
 * on first use) and loads the compute backend only when a node with `usesCompute` asks for it.
 * Bundled to dist/worker.cjs; under vitest/tsx it is started from this file with the tsx loader.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Compute, DataEngine } from '../../nodes/types';
import { loadRegistry } from './plugins';
import { runNodeDefinition, type NodeSignal } from './node-runner';
import type { FromWorker, RunJob, ToWorker, WorkerInit } from './protocol';

const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('main/engine/worker.ts runs as a worker thread');
// On Linux a nice value belongs to a thread: pid 0 is this worker's own thread, and the threads it
// starts later inherit it. Where the OS refuses, the worker runs at normal priority.
if (init.nice !== undefined) {
  try {
    setPriority(init.nice);
  } catch {
    /* not permitted here: run at normal priority */
  }
}

let dataEngine: Promise<DataEngine> | null = null;
const getData = (): Promise<DataEngine> =>
  (dataEngine ??= import('../data/duck-engine').then((m) => m.createDataEngine({ tmpDir: init.tmpDir })));
const getCompute = (): Promise<Compute> => import('../compute/index').then((m) => m.loadCompute());

const controllers = new Map<number, AbortController>();
const send = (m: FromWorker): void => port.postMessage(m);

/** Progress is throttled: a node reporting every batch must not flood the engine. */
function emitterFor(jobId: number): (s: NodeSignal) => void {
  let last = 0;
  let pending: NodeSignal | null = null;
  let timer: NodeJS.Timeout | null = null;
  return (s) => {
    if (s.kind !== 'progress') return send({ type: 'signal', jobId, signal: s });
    const t = Date.now();
    if (t - last >= 100) {
      last = t;
      send({ type: 'signal', jobId, signal: s });
      return;
    }
    pending = s;
    timer ??= setTimeout(() => {
      timer = null;
      last = Date.now();
      if (pending && controllers.has(jobId)) send({ type: 'signal', jobId, signal: pending });
      pending = null;
    }, 100);
  };
}

async function run(job: RunJob): Promise<void> {
  const ac = new AbortController();
  controllers.set(job.jobId, ac);
  try {
    const registry = await loadRegistry(job.plugins);
    const def = registry.get(job.nodeType);
    if (!def) {
      send({ type: 'result', jobId: job.jobId, result: { ok: false, failure: { kind: 'failed', message: `unknown node type ${job.nodeType}` }, backend: null } });
      return;
    }
    const result = await runNodeDefinition({
      def,
      nodeId: job.nodeId,
      params: job.params,
      inputs: job.inputs,
      tmpDir: job.tmpDir,
      outDir: job.outDir,
      baseDir: job.baseDir,
      signal: ac.signal,
      data: getData,
      compute: getCompute,
      emit: emitterFor(job.jobId),
    });
    send({ type: 'result', jobId: job.jobId, result });
  } catch (e) {
    send({ type: 'result', jobId: job.jobId, result: { ok: false, failure: { kind: 'failed', message: (e as Error).message ?? String(e) }, backend: null } });
  } finally {
    controllers.delete(job.jobId);
  }
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'run') void run(m);
  else if (m.type === 'abort') controllers.get(m.jobId)?.abort();
  // A failure here is the first node's to report (the same promises are awaited again).
  else if (m.type === 'warm')
    void Promise.all([getData(), loadRegistry(m.plugins)])
      .catch(() => {})
      .then(() => send({ type: 'warmed' }));
  else if (m.type === 'backend')
    getCompute().then(
      (c) => send({ type: 'backend', jobId: m.jobId, backend: c.backend }),
      (e: unknown) => send({ type: 'backend', jobId: m.jobId, backend: null, error: (e as Error).message ?? String(e) }),
    );
});
