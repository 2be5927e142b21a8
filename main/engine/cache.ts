/**
 * Caching decisions: a node's cache key, whether a recorded (or this run's) result stands in for
 * running it, and the reason either way. Reads the project file; never writes it.
 */
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { artifactOf, type Artifact } from '../../shared/artifacts';
import type { ReusedFrom } from '../../shared/run';
import type { ReusableExecution } from '../store/types';
import { canonicalJson, sha256File, sha256Hex } from './canonical';
import type { PlannedNode } from './planner';

export interface KeyParts {
  type: string;
  version: number;
  /** params with defaults applied */
  params: Record<string, unknown>;
  /** input port -> artifact hash */
  inputs: Record<string, string>;
  /** only for nodes whose output depends on the compute backend */
  backend?: string | null;
  /** for nodes that read files (their type's `readsFiles`): the path as written -> sha256 of the file's bytes */
  files?: Record<string, string>;
}

/** sha256 of type, version, canonical params, input hashes (and backend): layout never counts. */
export function cacheKey(k: KeyParts): string {
  const doc: Record<string, unknown> = { type: k.type, version: k.version, params: k.params, inputs: k.inputs };
  if (k.backend) doc.backend = k.backend;
  if (k.files && Object.keys(k.files).length) doc.files = k.files;
  return sha256Hex(canonicalJson(doc));
}

/** Hashes already computed in this process, by path, size, mtime and inode (an app stays open for days: bounded). */
const fileHashMemo = new Map<string, string>();
const FILE_HASH_MEMO_ENTRIES = 256;

/**
 * sha256 of each regular file a node's `readsFiles` params name, so that editing a data file
 * re-runs the node that reads it (as DVC does). Anything else (missing, a FIFO, a folder) is left
 * out: the node itself refuses it with a located error, and a FIFO is never opened here.
 */
export async function dataFileHashes(fileParams: readonly string[], params: Record<string, unknown>, baseDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of fileParams) {
    const p = params[name];
    if (typeof p !== 'string' || !p) continue;
    const abs = isAbsolute(p) ? p : resolve(baseDir, p);
    let st;
    try {
      st = statSync(abs);
    } catch {
      continue;
    }
    if (!st.isFile()) continue;
    const memoKey = `${abs}\0${st.size}\0${st.mtimeMs}\0${st.ino}`;
    let hash = fileHashMemo.get(memoKey);
    if (hash) fileHashMemo.delete(memoKey);
    else hash = await sha256File(abs);
    fileHashMemo.set(memoKey, hash);
    if (fileHashMemo.size > FILE_HASH_MEMO_ENTRIES) fileHashMemo.delete(fileHashMemo.keys().next().value!);
    out[p] = hash;
  }
  return out;
}

export interface PreviousExecution {
  runId: number;
  type: string;
  typeVersion: number;
  status: string;
  params: Record<string, unknown>;
  inputs: Record<string, string>;
  backend: string | null;
}

function listed(what: string, names: string[]): string {
  return names.length === 1 ? `${what} ${names[0]}` : `${what}s ${names.join(', ')}`;
}

/**
 * Why a node runs again, compared with the newest execution of the same node id in the same
 * pipeline: "first run", "re-run: param learningRate changed", "re-run: input table changed", ...
 */
export function explainRerun(prev: PreviousExecution | null, cur: KeyParts & { usesCompute?: boolean }): string {
  if (!prev) return 'first run';
  if (prev.type !== cur.type) return 're-run: node type changed';
  if (prev.typeVersion !== cur.version) return 're-run: node type version changed';
  const parts: string[] = [];
  const keys = [...new Set([...Object.keys(prev.params), ...Object.keys(cur.params)])].sort();
  const params = keys.filter((k) => canonicalJson(prev.params[k] ?? null) !== canonicalJson(cur.params[k] ?? null));
  if (params.length) parts.push(`${listed('param', params)} changed`);
  const ports = [...new Set([...Object.keys(prev.inputs), ...Object.keys(cur.inputs)])].sort();
  const inputs = ports.filter((p) => prev.inputs[p] !== cur.inputs[p]);
  if (inputs.length) parts.push(`${listed('input', inputs)} changed`);
  if (cur.usesCompute && cur.backend && prev.backend && prev.backend !== cur.backend) parts.push(`compute backend changed (${prev.backend} → ${cur.backend})`);
  if (parts.length) return `re-run: ${parts.join('; ')}`;
  // Same params, inputs and backend as a succeeded execution whose result could not be reused: the data file's bytes differ.
  const files = Object.keys(cur.files ?? {});
  if (prev.status === 'succeeded' && files.length) return `re-run: ${listed('data file', files)} changed on disk`;
  if (prev.status === 'failed') return 're-run: the last attempt failed';
  if (prev.status === 'cancelled') return 're-run: the last attempt was cancelled';
  return 're-run: no recorded result to reuse';
}

/** What caching decisions read from the project file. */
export interface CacheReads {
  findReusableExecution(cacheKey: string): ReusableExecution | null;
  lastExecutionOfNode(pipeline: string, nodeId: string, beforeRunId?: number): PreviousExecution | null;
}

export interface RunCacheOptions {
  pipeline: string;
  runId: number;
  /** `--no-cache` */
  noCache: boolean;
  /** `--from`: the node it names; `forced` holds it and its downstream */
  from?: string;
  forced: ReadonlySet<string>;
  baseDir: string;
}

export type CacheDecision =
  | { reuse: true; key: string; parts: KeyParts; reason: string; from: ReusedFrom; outputs: Record<string, Artifact>; metrics: Record<string, number> }
  | { reuse: false; key: string; parts: KeyParts; reason: string };

/** One run's caching: its decisions, and the results its own nodes produced (reused within the run). */
export class RunCache {
  /** cache key -> the node of this run that produced it (not yet visible in the project file) */
  private readonly produced = new Map<string, { nodeId: string; outputs: Record<string, Artifact>; metrics: Record<string, number> }>();

  constructor(
    private readonly reads: CacheReads,
    private readonly run: RunCacheOptions,
  ) {}

  /** The key parts of a node on these inputs; `backend` is asked only of nodes that use the compute backend. */
  async keyParts(node: PlannedNode, inputs: Record<string, Artifact>, backend: () => Promise<string>): Promise<KeyParts> {
    const { def } = node;
    const parts: KeyParts = { type: node.type, version: def.version, params: node.params, inputs: Object.fromEntries(Object.entries(inputs).map(([p, a]) => [p, a.hash])) };
    if (def.usesCompute) parts.backend = await backend();
    if (def.readsFiles?.length) parts.files = await dataFileHashes(def.readsFiles, node.params, this.run.baseDir);
    return parts;
  }

  /** Reuse (from this run or the project file) or run, with the reason. */
  decide(node: PlannedNode, parts: KeyParts): CacheDecision {
    const key = cacheKey(parts);
    const forced = this.run.noCache ? '--no-cache' : node.def.neverCached ? `never cached (${node.type})` : !node.cache ? 'cache: false' : this.run.forced.has(node.id) ? `run from ${this.run.from}` : null;
    if (!forced) {
      const reuse = this.reusable(key);
      if (reuse && node.def.outputs.every((p) => p.optional || reuse.outputs[p.name]))
        return { reuse: true, key, parts, reason: `reused from run ${reuse.from.runId}: unchanged`, ...reuse };
    }
    const prev = this.reads.lastExecutionOfNode(this.run.pipeline, node.id, this.run.runId);
    const reason = forced ? `re-run: ${forced}` : explainRerun(prev, { ...parts, usesCompute: node.def.usesCompute });
    return { reuse: false, key, parts, reason };
  }

  /**
   * True when the node is sure or likely to run: forced, never cached, or with no
   * succeeded execution of it in this pipeline to reuse (a cheap look, before any file is hashed).
   */
  likelyRuns(node: PlannedNode): boolean {
    if (this.run.noCache || node.def.neverCached || !node.cache || this.run.forced.has(node.id)) return true;
    return this.reads.lastExecutionOfNode(this.run.pipeline, node.id, this.run.runId)?.status !== 'succeeded';
  }

  private reusable(key: string): { from: ReusedFrom; outputs: Record<string, Artifact>; metrics: Record<string, number> } | null {
    const mine = this.produced.get(key);
    if (mine) return { from: { runId: String(this.run.runId), sameRunNode: mine.nodeId }, outputs: mine.outputs, metrics: mine.metrics };
    const r = this.reads.findReusableExecution(key);
    if (!r) return null;
    const outputs = Object.fromEntries(Object.entries(r.outputs).map(([p, a]) => [p, artifactOf(a)]));
    return { from: { runId: String(r.runId), executionId: r.executionId }, outputs, metrics: r.metrics };
  }

  /** A node of this run produced these outputs under `key`: a later node with the same key reuses them. */
  remember(node: PlannedNode, key: string, outputs: Record<string, Artifact>, metrics: Record<string, number>): void {
    if (node.cache && !this.run.noCache && !node.def.neverCached) this.produced.set(key, { nodeId: node.id, outputs, metrics });
  }
}
