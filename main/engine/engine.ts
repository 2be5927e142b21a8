/**
 * The scheduler: turns a validated pipeline into node executions, in topological order, with
 * independent branches in parallel on a bounded pool of worker threads. Every node is reused
 * from the project file when its cache key is unchanged, and every node says why it was reused
 * or re-run. Everything is recorded in the project file, in batched transactions.
 */
import { setMaxListeners } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ParamValue, Pipeline } from '../../shared/pipeline/model';
import { downstreamOf, upstreamOf } from '../../shared/pipeline';
import type { NodeResult, RunEvent, RunStatus, RunSummary } from '../../shared/run';
import { artifactOf, type Artifact } from '../../shared/artifacts';
import type { PortKind } from '../../shared/catalog';
import type { ArtifactRef, DataEngine, RunHost } from '../../nodes/types';
import type { RunGraph } from '../registry/capture';
import type { ArtifactInfo, ProjectStore } from '../store/types';
import { cacheKey, dataFileHashes, explainRerun, type KeyParts } from './cache';
import { recordDataFiles } from '../store/history';
import { backendFingerprint, runEnvironment } from './environment';
import { runNodeDefinition, type NodeRunResult, type NodeSignal, type ProducedArtifact } from './node-runner';
import { planPipeline, type Plan, type PlannedNode } from './planner';
import { WorkerPool } from './pool';
import { hasProjectEffect, runProjectEffects } from './effects';
import { Recorder } from './recorder';
import { scratchDir, sweepStaleScratch } from './scratch';

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
  /** a pool shared between runs (the API server); a private one is made and closed otherwise */
  pool?: WorkerPool;
  poolSize?: number;
}

/** The plan the engine runs (see planner.ts). */
export type PreparedPipeline = Plan;
export type PreparedNode = PlannedNode;

/** Plans a validated pipeline model (kept for callers that have no text); throws InvalidPipelineError. */
export function preparePipeline(pipeline: Pipeline, overrides: Record<string, ParamValue> = {}, plugins: string[] = []): Promise<Plan> {
  return planPipeline(pipeline, { overrides, plugins });
}

/** An artifact a node can consume: in a file already, or in the project file until needed. */
type Art = Artifact & { path: string | null };

export interface StartedRun {
  runId: string;
  /** the final summary; never rejects for a node failure */
  done: Promise<RunSummary>;
  cancel(): void;
}

const META_BACKEND = 'compute.backend';
const HEARTBEAT_MS = 5_000;

function extOf(kind: PortKind): string {
  return kind === 'table' ? '.parquet' : '.json';
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
  const pipelineName = prepared.pipeline.metadata.name;
  const version = opts.plan || opts.text !== undefined ? store.savePipelineVersion(pipelineName, prepared.text).version : null;
  const types = selected.map((id) => prepared.nodes.get(id)!.type);
  const run = store.createRun({
    pipeline: pipelineName,
    pipelineVersionId: version?.id ?? null,
    params: prepared.params,
    options: { noCache: Boolean(opts.noCache), upTo: opts.upTo ?? null, from: opts.from ?? null, overrides: { ...prepared.overrides }, baseDir: opts.baseDir },
    environment: runEnvironment(types, prepared.registry, null),
  });
  const ac = new AbortController();
  // Every queued pool job, sweep trial and code run listens to the run's signal until it ends:
  // eleven at once is normal, not a leak (the server logged MaxListenersExceededWarning).
  setMaxListeners(0, ac.signal);
  if (opts.signal) {
    if (opts.signal.aborted) ac.abort();
    else opts.signal.addEventListener('abort', () => ac.abort(), { once: true });
  }
  const done = execute(opts, prepared, selected, forcedFrom, run.id, ac);
  return { runId: String(run.id), done, cancel: () => ac.abort() };
}

/** Runs a pipeline to the end and returns its summary (the CLI's `--json`). */
export async function runPipeline(opts: RunOptions): Promise<RunSummary> {
  return (await startRun(opts)).done;
}

async function execute(
  opts: RunOptions,
  prepared: PreparedPipeline,
  selected: string[],
  forcedFrom: Set<string>,
  runNo: number,
  ac: AbortController,
): Promise<RunSummary> {
  const { signal } = ac;
  const { store } = opts;
  const started = performance.now();
  const runId = String(runNo);
  const pipelineName = prepared.pipeline.metadata.name;
  const emit = (e: RunEvent): void => {
    try {
      opts.onEvent?.(e);
    } catch {
      // a failing listener must not break the run
    }
  };
  // A write that fails fails the run: what is still running stops, and the run says why.
  const recorder = new Recorder(store, {
    onWait: (message) => emit({ type: 'run.log', runId, level: 'warn', message, time: Date.now() }),
    onError: () => ac.abort(),
  });
  const heartbeat = setInterval(() => {
    recorder.add({ type: 'run.heartbeat', runId: runNo });
    recorder.flush();
  }, HEARTBEAT_MS);
  heartbeat.unref();
  sweepStaleScratch();
  const runTmp = scratchDir('run');
  // Inline (trivial) nodes that do touch ctx.data get a DuckDB engine on this thread, made once.
  let inlineEngine: Promise<DataEngine & { close(): Promise<void> }> | null = null;
  const inlineData = (): Promise<DataEngine> =>
    (inlineEngine ??= import('../data/duck-engine').then((m) => m.createDataEngine({ tmpDir: join(runTmp, 'duck') })));
  const ownPool = !opts.pool;
  let pool: WorkerPool | null = opts.pool ?? null;
  const getPool = (): WorkerPool => (pool ??= new WorkerPool(opts.poolSize));

  // The compute backend joins the key of usesCompute nodes. It is assumed from the last probe
  // while the installed packages are unchanged, so a fully cached run never loads TensorFlow.js.
  let backend: string | null = null;
  let backendPromise: Promise<string> | null = null;
  const fingerprint = (): string => backendFingerprint();
  const backendFor = (): Promise<string> =>
    (backendPromise ??= (async () => {
      const fp = fingerprint();
      try {
        const saved = JSON.parse(store.getMeta(META_BACKEND) ?? 'null') as { fingerprint: string; backend: string } | null;
        if (saved && saved.fingerprint === fp) return (backend = saved.backend);
      } catch {
        // a damaged entry is probed again
      }
      const probe = await getPool().probeBackend();
      backend = probe.backend ?? 'unavailable';
      if (probe.backend) recorder.add({ type: 'meta', key: META_BACKEND, value: JSON.stringify({ fingerprint: fp, backend: probe.backend }) });
      return backend;
    })());

  const results = new Map<string, NodeResult>();
  const outputs = new Map<string, Record<string, Art>>();
  /** cache key -> an execution of this run that produced it (not yet visible in the store) */
  const inRun = new Map<string, { nodeId: string; outputs: Record<string, Art>; metrics: Record<string, number> }>();
  const selectedSet = new Set(selected);
  const dependents = new Map<string, string[]>();
  const waiting = new Map<string, number>();
  // A node that runs after the gates (deploy.*) waits for every other node of the run, except
  // those downstream of it and the other such nodes.
  const lastOnes = selected.filter((id) => prepared.nodes.get(id)!.def.afterGates);
  for (const id of selected) {
    const ups = new Set(Object.values(prepared.nodes.get(id)!.inputs).map((r) => r.node).filter((u) => selectedSet.has(u)));
    if (prepared.nodes.get(id)!.def.afterGates) {
      const after = downstreamOf(prepared.pipeline, id);
      for (const o of selected) if (o !== id && !after.has(o) && !lastOnes.includes(o)) ups.add(o);
    }
    waiting.set(id, ups.size);
    for (const u of ups) {
      const list = dependents.get(u);
      if (list) list.push(id);
      else dependents.set(u, [id]);
    }
  }

  emit({ type: 'run.started', runId, pipeline: pipelineName, nodes: selected });
  for (const id of selected) emit({ type: 'node.queued', runId, nodeId: id });

  const materialize = (a: Art): string => {
    if (a.path) return a.path;
    a.path = store.extractArtifact(a.hash, join(runTmp, 'in', `${a.hash}${extOf(a.kind)}`));
    return a.path;
  };

  const finishNode = (id: string, r: NodeResult): void => {
    results.set(id, r);
    emit({ type: 'node.finished', runId, nodeId: id, ...r });
  };

  const refs = (arts: Record<string, Art>): Record<string, Artifact> =>
    Object.fromEntries(Object.entries(arts).map(([p, a]) => [p, artifactOf(a)]));

  /** What an inline node may ask of the engine: registering a model of this run (deploy.register). */
  const hostFor = (id: string, onSignal: (s: NodeSignal) => void): RunHost => ({
    registerModel: async (req) => {
      const { registerFromRun } = await import('../registry/capture');
      const graph: RunGraph = {
        runId: runNo,
        pipeline: pipelineName,
        pipelineVersion: prepared.versionHash,
        nodes: prepared.nodes,
        artifact: (n, port) => {
          const a = outputs.get(n)?.[port];
          return a ? { ...artifactOf(a), path: materialize(a) } : null;
        },
        metrics: (n) => (results.get(n)?.status === 'succeeded' ? { ...results.get(n)!.metrics } : null),
        data: await inlineData(),
        tmpDir: join(runTmp, 'x', id, 'capture'),
        baseDir: opts.baseDir,
        log: (message) => onSignal({ kind: 'log', level: 'info', message, time: Date.now() }),
      };
      // The run's own records (the model artifact among them) reach the file first.
      recorder.flush();
      return registerFromRun(store, graph, { node: id, ...req });
    },
  });

  async function processNode(id: string): Promise<void> {
    const node = prepared.nodes.get(id)!;
    const { def } = node;
    const base = { runId: runNo, nodeId: id, type: node.type, typeVersion: def.version, params: node.params };
    const ups = [...new Set(Object.values(node.inputs).map((r) => r.node))];
    if (signal.aborted) {
      recorder.add({ type: 'execution.recorded', execution: { ...base, status: 'cancelled', reason: 'cancelled before it started', durationMs: 0 } });
      return finishNode(id, { status: 'cancelled', cached: false, durationMs: 0, reason: 'cancelled before it started', metrics: {} });
    }
    const bad = ups.filter((u) => results.get(u)?.status !== 'succeeded');
    if (bad.length) {
      const upStatus = results.get(bad[0])?.status;
      const reason = `skipped: upstream ${bad.join(', ')} ${upStatus === 'skipped' ? 'was skipped' : upStatus === 'cancelled' ? 'was cancelled' : 'failed'}`;
      recorder.add({ type: 'execution.recorded', execution: { ...base, status: 'skipped', reason, durationMs: 0 } });
      return finishNode(id, { status: 'skipped', cached: false, durationMs: 0, reason, metrics: {} });
    }
    if (def.afterGates) {
      const missed = [...results].filter(([, r]) => r.gateFailed).map(([g]) => g);
      if (missed.length) {
        const reason = `skipped: gate ${missed.join(', ')} failed`;
        recorder.add({ type: 'execution.recorded', execution: { ...base, status: 'skipped', reason, durationMs: 0 } });
        return finishNode(id, { status: 'skipped', cached: false, durationMs: 0, reason, metrics: {} });
      }
    }
    const inputs: Record<string, Art> = {};
    for (const [port, ref] of Object.entries(node.inputs)) {
      const a = outputs.get(ref.node)?.[ref.port];
      if (a) inputs[port] = a;
    }
    const inputHashes = Object.fromEntries(Object.entries(inputs).map(([p, a]) => [p, a.hash]));
    const keyParts: KeyParts = { type: node.type, version: def.version, params: node.params, inputs: inputHashes };
    if (def.usesCompute) keyParts.backend = await backendFor();
    if (def.readsFiles?.length) keyParts.files = await dataFileHashes(def.readsFiles, node.params, opts.baseDir);
    // What the run read, for lineage; a write that fails is said in the node's log (lineage then hashes the file on disk).
    if (keyParts.files && Object.keys(keyParts.files).length) {
      try {
        recordDataFiles(store, runNo, id, keyParts.files);
      } catch (e) {
        emit({ type: 'node.log', runId, nodeId: id, level: 'warn', message: `the data files' sha256 were not recorded: ${(e as Error).message}`, time: Date.now() });
      }
    }
    let key = cacheKey(keyParts);
    const forced = opts.noCache ? '--no-cache' : def.neverCached ? `never cached (${node.type})` : !node.cache ? 'cache: false' : forcedFrom.has(id) ? `run from ${opts.from}` : null;
    /** the node's effects on the project file (effects.ts); a message when one failed */
    const effects = async (arts: Record<string, Art>, metrics: Record<string, number>, cached: boolean): Promise<string | null> => {
      if (!hasProjectEffect(def)) return null;
      try {
        Object.assign(
          metrics,
          await runProjectEffects({
            store,
            def,
            runId: runNo,
            nodeId: id,
            params: node.params,
            cached,
            outputs: arts,
            file: (a) => ({ ...artifactOf(a), path: materialize(a as Art) }),
            metrics,
            data: inlineData,
            log: (level, message) => {
              const time = Date.now();
              emit({ type: 'node.log', runId, nodeId: id, level, message, time });
              recorder.add({ type: 'log', runId: runNo, nodeId: id, level, message, time });
            },
          }),
        );
        return null;
      } catch (e) {
        if (signal.aborted) return 'cancelled';
        return `${id}: ${(e as Error).message}`;
      }
    };

    if (!forced) {
      const mine = inRun.get(key);
      const reuse = mine
        ? { runId: runNo, from: { reusedFromNode: mine.nodeId }, outputs: mine.outputs, metrics: mine.metrics }
        : (() => {
            const r = store.findReusableExecution(key);
            if (!r) return null;
            const arts: Record<string, Art> = {};
            for (const [p, a] of Object.entries(r.outputs) as [string, ArtifactInfo][]) arts[p] = { ...artifactOf(a), path: null };
            return { runId: r.runId, from: { reusedFrom: r.executionId }, outputs: arts, metrics: r.metrics };
          })();
      if (reuse && def.outputs.every((p) => p.optional || reuse.outputs[p.name])) {
        const reason = `reused from run ${reuse.runId}: unchanged`;
        const failed = await effects(reuse.outputs, { ...reuse.metrics }, true);
        if (failed) {
          recorder.add({ type: 'execution.recorded', execution: { ...base, status: 'failed', reason, error: failed, durationMs: 0, cacheKey: key } });
          return finishNode(id, { status: 'failed', cached: true, durationMs: 0, reason, error: failed, metrics: {} });
        }
        outputs.set(id, reuse.outputs);
        const outHashes = Object.fromEntries(Object.entries(reuse.outputs).map(([p, a]) => [p, a.hash]));
        recorder.add({
          type: 'execution.recorded',
          execution: {
            ...base,
            status: 'succeeded',
            cacheKey: key,
            cached: true,
            ...reuse.from,
            reason,
            durationMs: 0,
            inputs: inputHashes,
            outputs: outHashes,
            backend: keyParts.backend ?? null,
            metrics: Object.entries(reuse.metrics).map(([k, value]) => ({ key: k, value })),
          },
        });
        return finishNode(id, { status: 'succeeded', cached: true, durationMs: 0, reason, metrics: { ...reuse.metrics }, outputs: refs(reuse.outputs) });
      }
    }

    const prev = store.lastExecutionOfNode(pipelineName, id, runNo);
    const reason = forced ? `re-run: ${forced}` : explainRerun(prev, { ...keyParts, usesCompute: def.usesCompute });
    const startedAt = new Date().toISOString();
    recorder.add({
      type: 'execution.started',
      execution: { ...base, status: 'running', cacheKey: key, reason, inputs: inputHashes, startedAt, backend: keyParts.backend ?? null },
    });
    emit({ type: 'node.started', runId, nodeId: id });
    const t0 = performance.now();
    const onSignal = (s: NodeSignal): void => {
      if (s.kind === 'progress') emit({ type: 'node.progress', runId, nodeId: id, fraction: s.fraction, message: s.message });
      else if (s.kind === 'log') {
        emit({ type: 'node.log', runId, nodeId: id, level: s.level, message: s.message, time: s.time });
        recorder.add({ type: 'log', runId: runNo, nodeId: id, level: s.level, message: s.message, time: s.time });
      } else if (s.kind === 'trial') {
        const trial = s.trial;
        emit({ type: 'node.trial', runId, nodeId: id, trial });
        recorder.add({ type: 'trial', runId: runNo, nodeId: id, trial });
      } else {
        emit({ type: 'node.metric', runId, nodeId: id, key: s.key, value: s.value, step: s.step });
        if (s.step !== undefined) recorder.add({ type: 'metric', runId: runNo, nodeId: id, key: s.key, value: s.value, step: s.step });
      }
    };

    let result: NodeRunResult;
    if (!def.run) result = { ok: false, failure: { kind: 'failed', message: `${node.type} is not available yet` }, backend: null };
    else {
      const refsIn: Record<string, ArtifactRef> = {};
      try {
        for (const [p, a] of Object.entries(inputs)) refsIn[p] = { ...artifactOf(a), path: materialize(a) };
        const tmp = join(runTmp, 'x', id);
        const outDir = join(runTmp, 'out');
        result =
          def.inline && !def.usesCompute
            ? await runNodeDefinition({
                def,
                nodeId: id,
                params: node.params,
                inputs: refsIn,
                tmpDir: tmp,
                outDir,
                baseDir: opts.baseDir,
                signal,
                data: inlineData,
                compute: () => Promise.reject(new Error('inline nodes do not load the compute backend')),
                emit: onSignal,
                host: hostFor(id, onSignal),
              })
            : await getPool().run({ nodeType: node.type, nodeId: id, params: node.params, inputs: refsIn, tmpDir: tmp, outDir, baseDir: opts.baseDir, plugins: [...prepared.plugins] }, onSignal, signal);
      } catch (e) {
        result = { ok: false, failure: { kind: 'failed', message: (e as Error).message }, backend: null };
      }
    }
    if (result.ok && hasProjectEffect(def)) {
      const produced: Record<string, Art> = {};
      for (const [port, o] of Object.entries(result.outputs)) produced[port] = { ...o };
      const failed = await effects(produced, result.metrics, false);
      if (failed) result = { ok: false, failure: { kind: failed === 'cancelled' ? 'cancelled' : 'failed', message: failed }, backend: result.backend };
    }
    const durationMs = Math.round(performance.now() - t0);

    if (result.ok) {
      if (def.usesCompute && result.backend && result.backend !== keyParts.backend) {
        // The backend assumed from the last probe was wrong: key the execution by the real one.
        keyParts.backend = result.backend;
        key = cacheKey(keyParts);
        backend = result.backend;
        const fp = fingerprint();
        const real = result.backend;
        recorder.add({ type: 'meta', key: META_BACKEND, value: JSON.stringify({ fingerprint: fp, backend: real }) });
      }
      const arts: Record<string, Art> = {};
      for (const [port, o] of Object.entries(result.outputs)) arts[port] = { kind: o.kind, hash: o.hash, meta: o.meta, path: keep(o, runTmp) };
      outputs.set(id, arts);
      const metrics = result.metrics;
      if (node.cache && !opts.noCache && !def.neverCached) inRun.set(key, { nodeId: id, outputs: arts, metrics });
      for (const a of Object.values(arts)) recorder.add({ type: 'artifact', file: a.path!, kind: a.kind, meta: a.meta, hash: a.hash });
      recorder.add({
        type: 'execution.finished',
        runId: runNo,
        nodeId: id,
        metrics,
        finish: {
          status: 'succeeded',
          reason,
          durationMs,
          outputs: Object.fromEntries(Object.entries(arts).map(([p, a]) => [p, a.hash])),
          backend: result.backend,
          cacheKey: key,
        },
      });
      return finishNode(id, { status: 'succeeded', cached: false, durationMs, reason, metrics: { ...metrics }, outputs: refs(arts) });
    }
    const f = result.failure;
    const status = f.kind === 'cancelled' ? 'cancelled' : 'failed';
    const gateFailed = f.kind === 'gate';
    recorder.add({ type: 'execution.finished', runId: runNo, nodeId: id, finish: { status, reason, error: f.message, gateFailed, durationMs, backend: result.backend } });
    const r: NodeResult = { status, cached: false, durationMs, reason, metrics: {}, error: f.message };
    if (gateFailed) r.gateFailed = true;
    return finishNode(id, r);
  }

  // Schedule: a node starts when every upstream node in the selection has finished.
  await new Promise<void>((resolveAll) => {
    let remaining = selected.length;
    if (remaining === 0) return resolveAll();
    const launch = (id: string): void => {
      processNode(id)
        .catch((e: unknown) => {
          const message = `engine error: ${(e as Error).message ?? String(e)}`;
          if (!results.has(id)) finishNode(id, { status: 'failed', cached: false, durationMs: 0, reason: 'engine error', error: message, metrics: {} });
        })
        .finally(() => {
          for (const d of dependents.get(id) ?? []) {
            const n = waiting.get(d)! - 1;
            waiting.set(d, n);
            if (n === 0) launch(d);
          }
          if (--remaining === 0) resolveAll();
        });
    };
    for (const id of selected) if (waiting.get(id) === 0) launch(id);
  });

  const all = [...results.values()];
  let status: Exclude<RunStatus, 'running'> = 'succeeded';
  if (signal.aborted) status = 'cancelled';
  else if (all.some((r) => r.status === 'failed' && !r.gateFailed)) status = 'failed';
  else if (all.some((r) => r.gateFailed)) status = 'gate_failed';
  const usesCompute = selected.some((id) => prepared.nodes.get(id)!.def.usesCompute);
  const runBackend = usesCompute ? (backend ?? (await backendFor().catch(() => 'unavailable'))) : 'cpu';
  const durationMs = Math.round(performance.now() - started);
  recorder.add({ type: 'run.environment', runId: runNo, environment: runEnvironment(selected.map((id) => prepared.nodes.get(id)!.type), prepared.registry, runBackend) });
  recorder.add({ type: 'run.finished', runId: runNo, status, durationMs, backend: runBackend });
  clearInterval(heartbeat);
  try {
    await recorder.close();
  } finally {
    if (ownPool && pool) await pool.close();
    const ie = inlineEngine as Promise<DataEngine & { close(): Promise<void> }> | null;
    if (ie) await (await ie).close().catch(() => {});
    // Removing thousands of scratch folders is slow: do it off the critical path.
    void rm(runTmp, { recursive: true, force: true }).catch(() => {});
  }
  const lost = recorder.failure;
  if (lost) {
    status = 'failed';
    // One short try to leave the run marked failed with the reason (else the next open marks it interrupted).
    recorder.salvage([
      { type: 'run.finished', runId: runNo, status: 'failed', durationMs, backend: runBackend },
      { type: 'log', runId: runNo, nodeId: null, level: 'error', message: `${lost.message}; this run's records are incomplete`, time: Date.now() },
    ]);
  }
  const error = lost ? { error: lost.message } : {};
  emit({ type: 'run.finished', runId, status, durationMs, backend: runBackend, ...error });
  const nodes: Record<string, NodeResult> = {};
  for (const id of selected) nodes[id] = results.get(id)!;
  return { run: { id: runId, status, pipeline: pipelineName, durationMs, backend: runBackend, ...error }, nodes };
}

/** Moves a produced file into the run's folder, so it outlives the worker that wrote it. */
function keep(o: ProducedArtifact, runTmp: string): string {
  const dir = join(runTmp, 'out');
  const dest = join(dir, `${o.hash}${extOf(o.kind)}`);
  if (o.path === dest || existsSync(dest)) return dest;
  mkdirSync(dir, { recursive: true });
  try {
    renameSync(o.path, dest);
  } catch {
    copyFileSync(o.path, dest);
  }
  return dest;
}
