/**
 * Runs one node definition on input artifact files and turns what it returns into artifact
 * files: the one code path behind a worker, the inline fast path and `pipewright run-node`, so a
 * node gives bit-identical outputs wherever it runs.
 */
import { mkdirSync, existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { seededRandom } from '../../shared/random';
import { artifactOf, type Artifact, type ArtifactFile } from '../../shared/artifacts';
import type { LogLevel } from '../../shared/log';
import type { NodeEvent, NodeResult, TrialRecord } from '../../shared/run';
import type { PortKind } from '../../shared/catalog';
import { GateFailure, NodeError, type ArtifactRef, type BackendName, type Compute, type DataEngine, type NodeDefinition, type RunContext, type RunHost } from '../../nodes/types';
import { canonicalJson, sha256File, sha256Hex } from './canonical';
import { replaceFile } from '../replace-file';
import { lazyDataEngine } from '../data/lazy-engine';

/** An output a node wrote: the shared artifact, its file in the execution's folder. */
export type ProducedArtifact = ArtifactFile;

/** What a node streams while it runs. */
export type NodeSignal =
  | { kind: 'progress'; fraction: number; message?: string }
  | { kind: 'log'; level: LogLevel; message: string; time: number }
  | { kind: 'metric'; key: string; value: number; step?: number }
  /** a finished child execution (a sweep trial) */
  | { kind: 'trial'; trial: TrialRecord };

/** How a node run ended when it did not succeed. */
export interface NodeFailure {
  kind: 'failed' | 'gate' | 'cancelled';
  message: string;
  metric?: string;
  value?: number | null;
}

export type NodeRunResult =
  | { ok: true; outputs: Record<string, ProducedArtifact>; backend: BackendName | null; metrics: Record<string, number> }
  | { ok: false; failure: NodeFailure; backend: BackendName | null };

export interface NodeRunRequest {
  def: NodeDefinition;
  nodeId: string;
  /** params with defaults applied */
  params: Record<string, unknown>;
  inputs: Record<string, ArtifactRef>;
  /** a fresh scratch folder for this execution (created when the node first asks for it) */
  tmpDir: string;
  /** where JSON outputs are written, as `<hash>.json` (default: tmpDir) */
  outDir?: string;
  /** the pipeline file's folder: relative paths resolve here */
  baseDir: string;
  signal: AbortSignal;
  data: () => Promise<DataEngine>;
  compute: () => Promise<Compute>;
  emit: (s: NodeSignal) => void;
  /** services of the host (inline nodes on the engine's thread only) */
  host?: RunHost;
}

function describeError(e: unknown): string {
  if (e instanceof NodeError) {
    const d = e.details;
    if (d?.file && !e.message.includes(d.file)) return `${e.message} (${d.file}${d.line != null ? `:${d.line}` : ''})`;
    return e.message;
  }
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

/** Classifies a thrown value: a missed gate, a cancellation, or a failure. */
export function toFailure(e: unknown, signal: AbortSignal): NodeFailure {
  if (e instanceof GateFailure || (e instanceof Error && e.name === 'GateFailure')) {
    const g = e as GateFailure;
    return { kind: 'gate', message: g.message, metric: g.metric, value: g.value };
  }
  if (signal.aborted) return { kind: 'cancelled', message: 'cancelled' };
  return { kind: 'failed', message: describeError(e) };
}

export async function runNodeDefinition(req: NodeRunRequest): Promise<NodeRunResult> {
  const { def, signal } = req;
  let backend: BackendName | null = null;
  const metrics: Record<string, number> = {};
  const data = lazyDataEngine(req.data);
  const ctx: RunContext = {
    nodeId: req.nodeId,
    signal,
    progress: (fraction, message) => req.emit({ kind: 'progress', fraction: Math.max(0, Math.min(1, fraction)), message }),
    log: (level, message) => req.emit({ kind: 'log', level, message: String(message), time: Date.now() }),
    metric: (key, value, step) => {
      if (step === undefined) metrics[key] = value;
      req.emit({ kind: 'metric', key, value, step });
    },
    trial: (record) => req.emit({ kind: 'trial', trial: trialRecord(record) }),
    random: (seed) => seededRandom(seed),
    // Most nodes never write scratch files: make the folder only when asked for.
    get tmpDir() {
      mkdirSync(req.tmpDir, { recursive: true });
      return req.tmpDir;
    },
    resolvePath: (p) => (isAbsolute(p) ? p : resolve(req.baseDir, p)),
    data,
    compute: async () => {
      if (!def.usesCompute) throw new Error(`${def.type} does not declare usesCompute, so it may not load the compute backend`);
      const c = await req.compute();
      backend = c.backend;
      return c;
    },
  };
  if (req.host) ctx.host = req.host;
  if (!def.run) return { ok: false, failure: { kind: 'failed', message: `${def.type} is not available yet` }, backend };
  // A cancel interrupts the node's DuckDB statements: a worker busy in native code could not
  // otherwise be stopped (its termination waits for the statement to end).
  // Repeated until the node returns, so a statement the node starts after the cancel stops too.
  let interrupting: NodeJS.Timeout | null = null;
  const interrupt = (): void => {
    data.interrupt?.();
    interrupting ??= setInterval(() => data.interrupt?.(), 50);
  };
  signal.addEventListener('abort', interrupt, { once: true });
  try {
    if (signal.aborted) throw new Error('cancelled');
    const returned = await def.run({ inputs: req.inputs, params: req.params, ctx });
    if (signal.aborted) throw new Error('cancelled');
    const outputs: Record<string, ProducedArtifact> = {};
    for (const port of def.outputs) {
      const out = returned?.[port.name];
      if (!out) {
        if (port.optional) continue;
        throw new Error(`${def.type} returned no output for port '${port.name}'`);
      }
      if (out.kind !== port.kind) throw new Error(`${def.type} returned a ${out.kind} for port '${port.name}', which is a ${port.kind}`);
      if (out.kind === 'table') {
        if (!existsSync(out.path)) throw new Error(`${def.type} returned a table file that does not exist: ${out.path}`);
        // The engine hashed it while DuckDB wrote it, when it was written that way and is unchanged.
        const hash = data.writtenHash?.(out.path) ?? (await sha256File(out.path));
        const info = await data.describe({ kind: 'table', path: out.path, hash, meta: {} });
        outputs[port.name] = { kind: 'table', path: out.path, hash, meta: { rows: info.rows, columns: info.columns } };
      } else {
        const text = canonicalJson(out.json);
        const hash = sha256Hex(text);
        const dir = req.outDir ?? req.tmpDir;
        mkdirSync(dir, { recursive: true });
        const path = join(dir, `${hash}.json`);
        // Two nodes may produce the same JSON (gate.metric, deploy.register pass theirs on) while
        // the run recorder stores the first one's file on its own thread: written in place, the
        // file was empty for a moment and the run failed ("its bytes hash to e3b0c442…").
        replaceFile(path, text);
        outputs[port.name] = { kind: out.kind, path, hash, meta: jsonMeta(out.kind, out.json) };
      }
    }
    // A node that creates metrics (rather than passing them on) reports the scalars as its own.
    if (!def.inputs.some((p) => p.kind === 'metrics')) {
      for (const o of Object.values(returned ?? {})) {
        if (o.kind === 'metrics' && o.json && typeof o.json === 'object') {
          const s = (o.json as { scalars?: Record<string, unknown> }).scalars ?? {};
          for (const [k, v] of Object.entries(s)) if (typeof v === 'number' && !(k in metrics)) metrics[k] = v;
        }
      }
    }
    return { ok: true, outputs, backend, metrics };
  } catch (e) {
    return { ok: false, failure: toFailure(e, signal), backend };
  } finally {
    signal.removeEventListener('abort', interrupt);
    if (interrupting) clearInterval(interrupting);
  }
}

function jsonMeta(kind: PortKind, json: unknown): Record<string, unknown> {
  if (kind === 'metrics' && json && typeof json === 'object') {
    const s = (json as { scalars?: unknown }).scalars;
    if (s && typeof s === 'object') return { scalars: s };
  }
  return {};
}

/** A plain, clonable copy of what a node reported: it crosses a thread and lands in the project file. */
function trialRecord(r: TrialRecord): TrialRecord {
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.metrics ?? {})) if (typeof v === 'number') metrics[k] = v;
  const params = JSON.parse(JSON.stringify(r.params ?? {}) ?? '{}') as Record<string, unknown>;
  const t: TrialRecord = { index: r.index, params, metrics, status: r.status === 'failed' ? 'failed' : 'succeeded', durationMs: Math.max(0, r.durationMs || 0) };
  if (r.error !== undefined) t.error = String(r.error);
  return t;
}

/** The run event a node's signal is. */
export function signalEvent(runId: string, nodeId: string, s: NodeSignal): NodeEvent {
  switch (s.kind) {
    case 'progress':
      return { type: 'node.progress', runId, nodeId, fraction: s.fraction, message: s.message };
    case 'log':
      return { type: 'node.log', runId, nodeId, level: s.level, message: s.message, time: s.time };
    case 'trial':
      return { type: 'node.trial', runId, nodeId, trial: s.trial };
    default:
      return { type: 'node.metric', runId, nodeId, key: s.key, value: s.value, step: s.step };
  }
}

/**
 * A node run as a node result; `reason` says why it ran. `outputs`: the artifacts as the caller
 * keeps them (by default the produced ones without their paths).
 */
export function nodeResultOf(result: NodeRunResult, durationMs: number, reason: string, outputs?: Record<string, Artifact>): NodeResult {
  if (result.ok) {
    const outs = outputs ?? Object.fromEntries(Object.entries(result.outputs).map(([p, o]) => [p, artifactOf(o)]));
    return { status: 'succeeded', cached: false, durationMs, reason, metrics: { ...result.metrics }, outputs: outs };
  }
  const f = result.failure;
  const r: NodeResult = { status: f.kind === 'cancelled' ? 'cancelled' : 'failed', cached: false, durationMs, reason, metrics: {}, error: f.message };
  if (f.kind === 'gate') r.gateFailed = true;
  return r;
}
