/**
 * Starting a run: picks the nodes it runs (`upTo`, `from`), creates its record, and wires the
 * executor's events to their two consumers: the recorder (the project file) and the caller's
 * listener (CLI progress, the API's `run.events`). The caller hears `run.finished` once the
 * project file holds the run (or the run says why it does not).
 */
import type { ServerRegistry } from '../serving/deploy';
import { setMaxListeners } from 'node:events';
import type { ParamValue, Pipeline } from '../../shared/pipeline/model';
import { downstreamOf, upstreamOf } from '../../shared/pipeline';
import type { NodeResult, RunEvent, RunSummary } from '../../shared/run';
import type { ProjectStore } from '../store/types';
import type { ProjectWriteError } from '../store/errors';
import { execute, type ExecutionEnd } from './executor';
import { runHost } from './host';
import { planPipeline, type Plan, type PlannedNode } from './planner';
import { WorkerPool } from './pool';
import { RunFiles } from './run-files';
import { createRunRecord, RunRecorder } from './run-recorder';

import { InvalidPipelineError } from './planner';
export { InvalidPipelineError };

export interface RunOptions {
  store: ProjectStore;
  /** the planned run (`planText` / `planPipeline`): what the CLI and the API pass */
  plan?: Plan;
  /** without a plan: a pipeline that passed validation (planned here, with `overrides` and `plugins`) */
  pipeline?: Pipeline;
  /** without a plan: the pipeline's canonical text, recorded as a pipeline version */
  text?: string;
  /** the pipeline file's folder: relative paths in params resolve here */
  baseDir: string;
  /** `--param k=v` values (declared pipeline params only) */
  overrides?: Record<string, ParamValue>;
  /** `--no-cache`: run every node */
  noCache?: boolean;
  /** run only this node and its ancestors */
  upTo?: string;
  /** force this node and everything downstream to run */
  from?: string;
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
  /** plugin modules with extra node types */
  plugins?: string[];
  /** where deploy.serve keeps long-lived servers (the app); absent: one request, then stop (the CLI) */
  servers?: ServerRegistry;
  /** a pool shared between runs (the API server); a private one is made and closed otherwise */
  pool?: WorkerPool;
  poolSize?: number;
  /**
   * Called with the new run's id right after its row is written and before any node starts:
   * `pipewright watch` links the run to the trigger firing that started it.
   */
  onRunCreated?: (runId: number) => void;
}

/** The plan the engine runs (see planner.ts). */
export type PreparedPipeline = Plan;
export type PreparedNode = PlannedNode;

/** Plans a validated pipeline model (kept for callers that have no text); throws InvalidPipelineError. */
export function preparePipeline(pipeline: Pipeline, overrides: Record<string, ParamValue> = {}, plugins: string[] = []): Promise<Plan> {
  return planPipeline(pipeline, { overrides, plugins });
}

export interface StartedRun {
  runId: string;
  /** the final summary; never rejects for a node failure */
  done: Promise<RunSummary>;
  cancel(): void;
}

/** Starts a run: records it, then schedules its nodes. Throws InvalidPipelineError before recording anything. */
export async function startRun(opts: RunOptions): Promise<StartedRun> {
  if (!opts.plan && !opts.pipeline) throw new Error('startRun needs a plan or a pipeline');
  const prepared = opts.plan ?? (await planPipeline(opts.pipeline as Pipeline, { overrides: opts.overrides, plugins: opts.plugins, canonicalText: opts.text }));
  for (const [name, id] of [['upTo', opts.upTo], ['from', opts.from]] as const)
    if (id !== undefined && !prepared.nodes.has(id)) throw new InvalidPipelineError([{ place: name, message: `no node '${id}' in the pipeline` }]);
  let selected = [...prepared.order];
  if (opts.upTo) {
    const keep = upstreamOf(prepared.pipeline, opts.upTo);
    keep.add(opts.upTo);
    selected = selected.filter((id) => keep.has(id));
  }
  const forcedFrom = new Set<string>();
  if (opts.from) {
    forcedFrom.add(opts.from);
    for (const d of downstreamOf(prepared.pipeline, opts.from)) forcedFrom.add(d);
  }

  const { store } = opts;
  const options = { noCache: Boolean(opts.noCache), upTo: opts.upTo ?? null, from: opts.from ?? null, overrides: { ...prepared.overrides }, baseDir: opts.baseDir };
  const runNo = createRunRecord(store, { plan: prepared, nodes: selected, versioned: Boolean(opts.plan) || opts.text !== undefined, options });
  opts.onRunCreated?.(runNo);
  const ac = new AbortController();
  // Every queued pool job, sweep trial and code run listens to the run's signal until it ends:
  // eleven at once is normal, not a leak (the server logged MaxListenersExceededWarning).
  setMaxListeners(0, ac.signal);
  if (opts.signal) {
    if (opts.signal.aborted) ac.abort();
    else opts.signal.addEventListener('abort', () => ac.abort(), { once: true });
  }
  const done = run(opts, prepared, selected, forcedFrom, runNo, ac);
  return { runId: String(runNo), done, cancel: () => ac.abort() };
}

/** Runs a pipeline to the end and returns its summary (the CLI's `--json`). */
export async function runPipeline(opts: RunOptions): Promise<RunSummary> {
  return (await startRun(opts)).done;
}

async function run(opts: RunOptions, plan: Plan, selected: string[], forced: Set<string>, runNo: number, ac: AbortController): Promise<RunSummary> {
  const { store } = opts;
  const runId = String(runNo);
  const tell = (e: RunEvent): void => {
    try {
      opts.onEvent?.(e);
    } catch {
      // a failing listener must not break the run
    }
  };
  const files = new RunFiles(store);
  // A write that fails fails the run: what is still running stops, and the run says why.
  const recorder = new RunRecorder(store, plan, runNo, {
    notice: tell,
    onError: () => ac.abort(),
    producedFile: (hash) => files.producedFile(hash),
  });
  const ownPool = !opts.pool;
  let pool: WorkerPool | null = opts.pool ?? null;
  let end: ExecutionEnd;
  let lost: ProjectWriteError | null;
  try {
    end = await execute({
      plan,
      runId: runNo,
      selected,
      forced,
      from: opts.from,
      noCache: Boolean(opts.noCache),
      baseDir: opts.baseDir,
      reads: store,
      files,
      pool: () => (pool ??= new WorkerPool(opts.poolSize)),
      signal: ac.signal,
      host: runHost({ store, plan, runId: runNo, files, baseDir: opts.baseDir, flush: () => recorder.flush(), servers: opts.servers, signal: ac.signal }),
      emit: (e) => {
        recorder.record(e);
        // the caller hears of the end once it is recorded (below)
        if (e.type !== 'run.finished') tell(e);
      },
    });
  } finally {
    lost = await recorder.close();
    if (ownPool && pool) await pool.close();
    await files.close();
  }
  const { durationMs, backend } = end;
  const status = lost ? 'failed' : end.status;
  const error = lost ? { error: lost.message } : {};
  tell({ type: 'run.finished', runId, status, durationMs, backend, ...error });
  const nodes: Record<string, NodeResult> = {};
  for (const id of selected) nodes[id] = end.results.get(id)!;
  return { run: { id: runId, status, pipeline: plan.pipeline.metadata.name, durationMs, backend, ...error }, nodes };
}
