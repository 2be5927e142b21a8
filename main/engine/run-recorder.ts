/**
 * Persistence as a subscriber: turns one run's events (RunEvent, what the engine says) into the
 * store's events (StoreEvent, what the project file records: executions, lineage, logs, series,
 * trials, artifacts, the run's end), batched by the Recorder. The engine never writes; it emits
 * events, and this is the one consumer that records them.
 */
import type { RunEvent, RunStatus } from '../../shared/run';
import type { ParamValue } from '../../shared/pipeline';
import type { ProjectStore, StoreEvent } from '../store/types';
import type { ProjectWriteError } from '../store/errors';
import { META_BACKEND } from './backend';
import { runEnvironment } from './environment';
import type { Plan } from './planner';
import { Recorder } from './recorder';

const HEARTBEAT_MS = 5_000;

export interface RunStart {
  plan: Plan;
  /** the nodes this run runs (in order) */
  nodes: readonly string[];
  /** record the plan's text as a pipeline version (runs of a text; a bare model has none) */
  versioned: boolean;
  options: { noCache: boolean; upTo: string | null; from: string | null; overrides: Record<string, ParamValue>; baseDir: string };
}

export interface RunRecorderOptions {
  /** what the recorder has to say itself (waiting for another process's lock, lineage not written) */
  notice?: (e: RunEvent) => void;
  /** the records cannot be completed: the run should stop */
  onError?: (error: ProjectWriteError) => void;
  /** the file of an artifact a node of this run produced (stored when its node finishes) */
  producedFile(hash: string): string;
}

/** Creates the run's row (and its pipeline version) at once: the run id every event carries. */
export function createRunRecord(store: ProjectStore, start: RunStart): number {
  const { plan } = start;
  const name = plan.pipeline.metadata.name;
  const version = start.versioned ? store.savePipelineVersion(name, plan.text).version : null;
  return store.createRun({
    pipeline: name,
    pipelineVersionId: version?.id ?? null,
    params: plan.params,
    options: start.options,
    environment: runEnvironment(typesOf(plan, start.nodes), plan.registry, null),
  }).id;
}

function typesOf(plan: Plan, nodes: readonly string[]): string[] {
  return nodes.map((id) => plan.nodes.get(id)!.type);
}

export class RunRecorder {
  private readonly writer: Recorder;
  /** nodes whose execution was started (their end finishes that execution) */
  private readonly started = new Set<string>();
  private readonly heartbeat: NodeJS.Timeout;
  private nodes: readonly string[] = [];
  private end: { status: Exclude<RunStatus, 'running'>; durationMs: number; backend: string } | null = null;

  constructor(
    private readonly store: ProjectStore,
    private readonly plan: Plan,
    private readonly runNo: number,
    private readonly opts: RunRecorderOptions,
  ) {
    const runId = String(runNo);
    this.writer = new Recorder(store, { onWait: (message) => opts.notice?.({ type: 'run.log', runId, level: 'warn', message, time: Date.now() }), onError: opts.onError });
    this.heartbeat = setInterval(() => {
      this.writer.add({ type: 'run.heartbeat', runId: runNo });
      this.writer.flush();
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Records one event (queued; written with its batch). */
  record(e: RunEvent): void {
    const { runNo, writer } = this;
    switch (e.type) {
      case 'run.started':
        this.nodes = e.nodes;
        return;
      case 'node.started': {
        const x = e.execution;
        if (!x) return;
        this.started.add(e.nodeId);
        this.dataFiles(e.nodeId, x.files);
        writer.add({
          type: 'execution.started',
          execution: { ...this.base(e.nodeId), status: 'running', cacheKey: x.cacheKey, reason: x.reason, inputs: x.inputs, startedAt: x.startedAt, backend: x.backend },
        });
        return;
      }
      case 'node.log':
        writer.add({ type: 'log', runId: runNo, nodeId: e.nodeId, level: e.level, message: e.message, time: e.time });
        return;
      case 'node.trial':
        writer.add({ type: 'trial', runId: runNo, nodeId: e.nodeId, trial: e.trial });
        return;
      case 'node.metric':
        if (e.step !== undefined) writer.add({ type: 'metric', runId: runNo, nodeId: e.nodeId, key: e.key, value: e.value, step: e.step });
        return;
      case 'node.finished':
        for (const s of this.finished(e)) writer.add(s);
        return;
      case 'run.backend':
        writer.add({ type: 'meta', key: META_BACKEND, value: JSON.stringify({ fingerprint: e.fingerprint, backend: e.backend }) });
        return;
      case 'run.finished': {
        const end = { status: e.status as Exclude<RunStatus, 'running'>, durationMs: e.durationMs, backend: e.backend };
        this.end = end;
        writer.add({ type: 'run.environment', runId: runNo, environment: runEnvironment(typesOf(this.plan, this.nodes), this.plan.registry, end.backend) });
        writer.add({ type: 'run.finished', runId: runNo, ...end });
        return;
      }
      default:
        return;
    }
  }

  private base(nodeId: string) {
    const node = this.plan.nodes.get(nodeId)!;
    return { runId: this.runNo, nodeId, type: node.type, typeVersion: node.def.version, params: node.params };
  }

  private finished(e: Extract<RunEvent, { type: 'node.finished' }>): StoreEvent[] {
    const x = e.execution;
    const outputs = Object.fromEntries(Object.entries(e.outputs ?? {}).map(([p, a]) => [p, a.hash]));
    if (x && e.cached) this.dataFiles(e.nodeId, x.files);
    if (x && e.cached && e.status !== 'succeeded') {
      // reused, but its effects on the project file failed
      return [{ type: 'execution.recorded', execution: { ...this.base(e.nodeId), status: e.status, reason: e.reason, error: e.error, durationMs: 0, cacheKey: x.cacheKey } }];
    }
    if (x && e.cached) {
      const from = x.reusedFrom;
      const reused = !from ? {} : 'executionId' in from ? { reusedFrom: from.executionId } : { reusedFromNode: from.sameRunNode };
      const metrics = Object.entries(e.metrics).map(([key, value]) => ({ key, value }));
      const execution = { ...this.base(e.nodeId), status: 'succeeded' as const, cacheKey: x.cacheKey, cached: true, ...reused, reason: e.reason, durationMs: 0, inputs: x.inputs, outputs, backend: x.backend, metrics };
      return [{ type: 'execution.recorded', execution }];
    }
    // never started (skipped, cancelled before it started, an engine error): one record that says why
    if (!this.started.has(e.nodeId)) return [{ type: 'execution.recorded', execution: { ...this.base(e.nodeId), status: e.status, reason: e.reason, error: e.error, durationMs: 0 } }];
    const { runNo: runId } = this;
    if (e.status === 'succeeded' && x) {
      const artifacts: StoreEvent[] = Object.values(e.outputs ?? {}).map((a) => ({ type: 'artifact', file: this.opts.producedFile(a.hash), kind: a.kind, meta: a.meta, hash: a.hash }));
      const finish = { status: 'succeeded' as const, reason: e.reason, durationMs: e.durationMs, outputs, backend: x.backend, cacheKey: x.cacheKey };
      return [...artifacts, { type: 'execution.finished', runId, nodeId: e.nodeId, metrics: e.metrics, finish }];
    }
    const finish = { status: e.status, reason: e.reason, error: e.error, gateFailed: e.gateFailed === true, durationMs: e.durationMs, backend: x?.backend ?? null };
    return [{ type: 'execution.finished', runId, nodeId: e.nodeId, finish }];
  }

  /** The sha256 of the data files a node read, for lineage (written with the run's batch). */
  private dataFiles(nodeId: string, files: Record<string, string> | undefined): void {
    if (files && Object.keys(files).length) this.writer.add({ type: 'run.dataFiles', runId: this.runNo, nodeId, files });
  }

  /** Writes what is pending now (a node about to read the project file needs the run's records in it). */
  flush(): void {
    this.writer.flush();
  }

  /**
   * Writes everything pending. Null when the run is recorded whole; else why not, after one
   * short try to leave the run marked failed with the reason.
   */
  async close(): Promise<ProjectWriteError | null> {
    clearInterval(this.heartbeat);
    await this.writer.close();
    const lost = this.writer.failure;
    if (lost) {
      const { runNo } = this;
      this.writer.salvage([
        { type: 'run.finished', runId: runNo, status: 'failed', durationMs: this.end?.durationMs ?? 0, backend: this.end?.backend ?? null },
        { type: 'log', runId: runNo, nodeId: null, level: 'error', message: `${lost.message}; this run's records are incomplete`, time: Date.now() },
      ]);
    }
    return lost;
  }
}
