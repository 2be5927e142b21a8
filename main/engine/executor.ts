/**
 * The executor: runs a plan's selected nodes and says what happens, as RunEvents and nothing
 * else. The scheduler decides when a node may start, the run cache whether it runs at all (and
 * why), the backend choice which compute backend its key assumes, the node runner (inline, or in
 * a worker of the pool) what it produces, and the run's files where artifacts live. Writing the
 * project file is the recorder's, which subscribes to the events.
 */
import type { Artifact, ArtifactFile } from '../../shared/artifacts';
import { downstreamOf } from '../../shared/pipeline';
import type { RunHost } from '../../nodes/types';
import type { LogLevel } from '../../shared/log';
import type { NodeResult, RunEvent, RunStatus } from '../../shared/run';
import { BackendChoice, META_BACKEND } from './backend';
import { cacheKey, RunCache, type CacheReads } from './cache';
import { nodeResultOf, runNodeDefinition, signalEvent, type NodeRunResult, type NodeSignal } from './node-runner';
import type { Plan, PlannedNode } from './planner';
import type { WorkerPool } from './pool';
import type { RunFiles } from './run-files';
import { runSchedule, type NodeEnd } from './scheduler';

/** What a node's host services see of the run so far (deploy.register's capture). */
export interface RunView {
  /** a node's output in this run, as a file on this machine; null when it has none */
  artifact(node: string, port: string): ArtifactFile | null;
  /** a node's scalar metrics in this run (null: it did not succeed) */
  metrics(node: string): Record<string, number> | null;
  /** a log line of the node that asked */
  log(message: string): void;
}

export interface Execution {
  plan: Plan;
  /** the run's id (every event carries it) */
  runId: number;
  /** the nodes to run, in topological order */
  selected: readonly string[];
  /** nodes forced to run (`--from` and its downstream) */
  forced: ReadonlySet<string>;
  from?: string;
  noCache: boolean;
  /** the pipeline file's folder: relative paths in params resolve here */
  baseDir: string;
  /** what caching decisions and the backend choice read from the project file */
  reads: CacheReads & { getMeta(key: string): string | null };
  files: RunFiles;
  pool(): WorkerPool;
  signal: AbortSignal;
  emit(e: RunEvent): void;
  /** the run's side effects on the project file and the machine (host.ts) */
  host?: ExecutionHost;
}

/**
 * Every side effect a node has outside its outputs goes through the host, at one of two moments:
 * - while it runs, asked by the node (`ctx.host`, inline nodes only): deploy.register and
 *   deploy.serve need the answer (the version) for their own output;
 * - once it has succeeded, or was reused from the cache, chosen by the capabilities its file
 *   declares (effects.ts: the feature store): so what a run records does not depend on the cache,
 *   and a node run in a worker, which never opens the project file, still has its effect.
 */
export interface ExecutionHost {
  services(nodeId: string, view: RunView): RunHost;
  /** resolves with a failure message (the node fails), or null; adds to `metrics` */
  settle(node: PlannedNode, outputs: Record<string, Artifact>, metrics: Record<string, number>, cached: boolean, log: (level: LogLevel, message: string) => void): Promise<string | null>;
}

export interface ExecutionEnd {
  status: Exclude<RunStatus, 'running' | 'interrupted'>;
  durationMs: number;
  backend: string;
  results: Map<string, NodeResult>;
}

/** Inline nodes run on the engine's thread (trivial ones), every other in a worker of the pool. */
function runsInWorker(node: PlannedNode): boolean {
  return Boolean(node.def.run) && !(node.def.inline && !node.def.usesCompute);
}

/** The run's status from its nodes' results: a cancel, then a real failure, then a missed gate. */
export function runStatus(aborted: boolean, results: Iterable<NodeResult>): ExecutionEnd['status'] {
  if (aborted) return 'cancelled';
  const all = [...results];
  if (all.some((r) => r.status === 'failed' && !r.gateFailed)) return 'failed';
  if (all.some((r) => r.gateFailed)) return 'gate_failed';
  return 'succeeded';
}

/** Runs the selection to the end; its last event is `run.finished`. Never rejects for a node. */
export async function execute(x: Execution): Promise<ExecutionEnd> {
  const { plan, signal, emit, files } = x;
  const started = performance.now();
  const runId = String(x.runId);
  const cache = new RunCache(x.reads, { pipeline: plan.pipeline.metadata.name, runId: x.runId, noCache: x.noCache, from: x.from, forced: x.forced, baseDir: x.baseDir });
  const backend = new BackendChoice({
    remembered: () => x.reads.getMeta(META_BACKEND),
    probe: () => x.pool().probeBackend(),
    found: (b, fingerprint) => emit({ type: 'run.backend', runId, backend: b, fingerprint }),
  });
  /** node id -> what it produced (or reused) */
  const outputs = new Map<string, Record<string, Artifact>>();
  /** node id -> how it ended, so far */
  const ended = new Map<string, NodeResult>();
  const view = (onSignal: (s: NodeSignal) => void): RunView => ({
    artifact: (n, port) => {
      const a = outputs.get(n)?.[port];
      return a ? { ...a, path: files.fileOf(a) } : null;
    },
    metrics: (n) => (ended.get(n)?.status === 'succeeded' ? { ...ended.get(n)!.metrics } : null),
    log: (message) => onSignal({ kind: 'log', level: 'info', message, time: Date.now() }),
  });

  const dispatch = (node: PlannedNode, inputs: Record<string, Artifact>, onSignal: (s: NodeSignal) => void): Promise<NodeRunResult> => {
    const { def } = node;
    const tmpDir = files.tmpFor(node.id);
    const refs = files.filesOf(inputs);
    if (!runsInWorker(node))
      return runNodeDefinition({
        def,
        nodeId: node.id,
        params: node.params,
        inputs: refs,
        tmpDir,
        outDir: files.outDir,
        baseDir: x.baseDir,
        signal,
        data: () => files.inlineData(),
        compute: () => Promise.reject(new Error('inline nodes do not load the compute backend')),
        emit: onSignal,
        host: x.host?.services(node.id, view(onSignal)),
      });
    return x
      .pool()
      .run({ nodeType: node.type, nodeId: node.id, params: node.params, inputs: refs, tmpDir, outDir: files.outDir, baseDir: x.baseDir, plugins: [...plan.plugins] }, onSignal, signal);
  };

  const runNode = async (id: string): Promise<NodeEnd> => {
    const node = plan.nodes.get(id)!;
    const inputs: Record<string, Artifact> = {};
    for (const [port, ref] of Object.entries(node.inputs)) {
      const a = outputs.get(ref.node)?.[ref.port];
      if (a) inputs[port] = a;
    }
    const parts = await cache.keyParts(node, inputs, () => backend.assumed());
    const decision = cache.decide(node, parts);
    const facts = { cacheKey: decision.key, inputs: parts.inputs, backend: parts.backend ?? null, ...(parts.files && Object.keys(parts.files).length ? { files: parts.files } : {}) };
    const log = (level: LogLevel, message: string): void => emit({ type: 'node.log', runId, nodeId: id, level, message, time: Date.now() });
    if (decision.reuse) {
      const metrics = { ...decision.metrics };
      const failed = await x.host?.settle(node, decision.outputs, metrics, true, log);
      if (failed) return { status: 'failed', cached: true, durationMs: 0, reason: decision.reason, error: failed, metrics: {}, execution: facts };
      outputs.set(id, decision.outputs);
      return {
        status: 'succeeded',
        cached: true,
        durationMs: 0,
        reason: decision.reason,
        metrics: { ...decision.metrics },
        outputs: decision.outputs,
        execution: { ...facts, reusedFrom: decision.from },
      };
    }

    const { reason } = decision;
    emit({ type: 'node.started', runId, nodeId: id, execution: { ...facts, reason, startedAt: new Date().toISOString() } });
    const t0 = performance.now();
    let result: NodeRunResult;
    try {
      result = node.def.run
        ? await dispatch(node, inputs, (s) => emit(signalEvent(runId, id, s)))
        : { ok: false, failure: { kind: 'failed', message: `${node.type} is not available yet` }, backend: null };
    } catch (e) {
      result = { ok: false, failure: { kind: 'failed', message: (e as Error).message }, backend: null };
    }
    if (result.ok && x.host) {
      const produced: Record<string, Artifact> = {};
      for (const [port, o] of Object.entries(result.outputs)) {
        produced[port] = files.keep(o);
        o.path = files.producedFile(o.hash);
      }
      const failed = await x.host.settle(node, produced, result.metrics, false, log);
      if (failed) result = { ok: false, failure: { kind: failed === 'cancelled' ? 'cancelled' : 'failed', message: failed }, backend: result.backend };
    }
    const durationMs = Math.round(performance.now() - t0);
    if (!result.ok) return { ...nodeResultOf(result, durationMs, reason), execution: { ...facts, backend: result.backend } };

    let key = decision.key;
    if (node.def.usesCompute && result.backend && result.backend !== parts.backend) {
      // The backend assumed from the last probe was wrong: key the execution by the real one.
      key = cacheKey({ ...parts, backend: result.backend });
      backend.got(result.backend, parts.backend);
    }
    const kept: Record<string, Artifact> = {};
    for (const [port, o] of Object.entries(result.outputs)) kept[port] = files.keep(o);
    outputs.set(id, kept);
    cache.remember(node, key, kept, result.metrics);
    return { ...nodeResultOf(result, durationMs, reason, kept), execution: { ...facts, cacheKey: key, backend: result.backend } };
  };

  // A node likely to run in a worker finds the worker and its DuckDB engine started, not starting.
  if (x.selected.some((id) => runsInWorker(plan.nodes.get(id)!) && cache.likelyRuns(plan.nodes.get(id)!))) x.pool().warm(plan.plugins);
  emit({ type: 'run.started', runId, pipeline: plan.pipeline.metadata.name, nodes: [...x.selected] });
  for (const id of x.selected) emit({ type: 'node.queued', runId, nodeId: id });
  const upstream = new Map(x.selected.map((id) => [id, [...new Set(Object.values(plan.nodes.get(id)!.inputs).map((r) => r.node))]]));
  const results = await runSchedule({
    order: x.selected,
    upstream: (id) => upstream.get(id)!,
    last: (id) => Boolean(plan.nodes.get(id)!.def.afterGates),
    downstream: (id) => downstreamOf(plan.pipeline, id),
    signal,
    run: runNode,
    ended: (nodeId, end) => {
      const { execution: _facts, ...result } = end;
      ended.set(nodeId, result);
      emit({ type: 'node.finished', runId, nodeId, ...end });
    },
  });

  const status = runStatus(signal.aborted, results.values());
  const runBackend = await backend.forRun(x.selected.some((id) => plan.nodes.get(id)!.def.usesCompute));
  const durationMs = Math.round(performance.now() - started);
  emit({ type: 'run.finished', runId, status, durationMs, backend: runBackend });
  return { status, durationMs, backend: runBackend, results };
}
