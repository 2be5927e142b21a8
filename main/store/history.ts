/**
 * Read-side history of a project file (contract sections 2b and 9): one run shown whole, what
 * differs between two runs, where an artifact came from, filtered run lists, and what `gc` may
 * delete. Kept apart from project-store.ts (which writes): every function takes an open store and
 * reads through its set-wide queries (runs, outputs and scalars of a run: one query each), never
 * one query per row; only lineage and gc keep SQL of their own.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { PortKind } from '../../shared/catalog';
import { parsePipelineText, type Pipeline } from '../../shared/pipeline';
import type { RunStatus } from '../../shared/run';
import type { Lineage, LineageFile, OutputInfo, RunDiff, RunShow, ShowNode } from '../../shared/history';
import { registry } from '../../nodes/registry';
import { versionSource } from '../registry/store';
import { parseJson } from './rows';
import type { ExecutionRow, ProjectStore, RunRow } from './types';

export type { Lineage, LineageFile, OutputInfo, RunDiff, RunShow, ShowNode } from '../../shared/history';

/** A run, artifact or reference the project file does not hold: exit 2, the message names it. */
export class HistoryNotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistoryNotFound';
  }
}

export const RUN_STATUSES: readonly RunStatus[] = ['running', 'succeeded', 'failed', 'gate_failed', 'cancelled', 'interrupted'];

/** JSON with sorted keys, to compare values whatever their key order. */
function canon(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.keys(x as object).sort().map((k) => [k, (x as Record<string, unknown>)[k]]))
      : x,
  );
}

const same = (a: unknown, b: unknown): boolean => a === b || canon(a ?? null) === canon(b ?? null);

/** The run with this id (a decimal number), or HistoryNotFound naming it. */
export function findRun(store: ProjectStore, id: string): RunRow {
  const n = /^\d{1,15}$/.test(id) ? Number(id) : NaN;
  const run = Number.isSafeInteger(n) ? store.getRunRow(n) : null;
  if (!run) throw new HistoryNotFound(`run ${id} does not exist in ${store.path}`);
  return run;
}


/** node -> port -> output of every execution of a run, with a table's rows and columns (one query). */
function runOutputs(store: ProjectStore, runId: number): Map<string, Record<string, OutputInfo>> {
  const out = new Map<string, Record<string, OutputInfo>>();
  for (const [node, ports] of store.runOutputs(runId)) {
    const m: Record<string, OutputInfo> = {};
    for (const [port, a] of Object.entries(ports)) {
      const info: OutputInfo = { hash: a.hash, kind: a.kind, size: a.size };
      if (a.kind === 'table') {
        if (typeof a.meta.rows === 'number') info.rows = a.meta.rows;
        if (Array.isArray(a.meta.columns)) info.columns = a.meta.columns as OutputInfo['columns'];
      }
      m[port] = info;
    }
    out.set(node, m);
  }
  return out;
}

// ---------------------------------------------------------------- show



/** One run: params, pipeline version hash, environment, and per node status, reason, metrics and outputs. */
export function showRun(store: ProjectStore, id: string): RunShow {
  const run = findRun(store, id);
  const outputs = runOutputs(store, run.id);
  const scalars = store.runScalars(run.id);
  const version = run.pipelineVersionId === null ? null : store.pipelineVersion(run.pipelineVersionId);
  const nodes: Record<string, ShowNode> = {};
  for (const e of store.getExecutions(run.id)) {
    const n: ShowNode = {
      type: e.type,
      status: e.status === 'running' && run.status !== 'running' ? 'cancelled' : e.status,
      cached: e.cached,
      reason: e.reason,
      durationMs: e.durationMs,
      metrics: scalars.get(e.nodeId) ?? {},
      outputs: outputs.get(e.nodeId) ?? {},
    };
    if (e.error) n.error = e.error;
    nodes[e.nodeId] = n;
  }
  return {
    run: { id: String(run.id), status: run.status, pipeline: run.pipeline, startedAt: run.startedAt, finishedAt: run.finishedAt, durationMs: run.durationMs, backend: run.backend },
    pipelineVersion: version ? { id: version.id, hash: version.hash } : null,
    params: run.params,
    options: run.options,
    environment: run.environment,
    nodes,
  };
}

// ---------------------------------------------------------------- diff


function diffRecords(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, { a: unknown; b: unknown }> {
  const out: Record<string, { a: unknown; b: unknown }> = {};
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (!same(a[k], b[k])) out[k] = { a: a[k] ?? null, b: b[k] ?? null };
  }
  return out;
}

/** Nested objects as dotted keys (`os.release`); arrays and scalars are leaves. */
function flatten(v: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, x] of Object.entries(v)) {
    if (x && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length > 0) flatten(x as Record<string, unknown>, `${prefix}${k}.`, out);
    else out[`${prefix}${k}`] = x;
  }
  return out;
}

interface GraphNodeLite {
  type: string;
  params: Record<string, unknown>;
  inputs: Record<string, unknown>;
  cache?: boolean;
  extensions?: Record<string, unknown>;
}

function graphNodes(p: Pipeline): Map<string, GraphNodeLite> {
  return new Map(p.nodes.map((n) => [n.id, { type: n.type, params: n.params, inputs: n.inputs, cache: n.cache, extensions: n.extensions }]));
}

/**
 * The node blocks of a pipeline text in block style (`nodes:` then `  <id>:` lines), id -> text;
 * null when the text is laid out otherwise (then it is parsed whole).
 */
function nodeBlocks(text: string): Map<string, string> | null {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^nodes:\s*(#.*)?$/.test(l));
  if (start < 0) return null;
  const blocks = new Map<string, string>();
  let id: string | null = null;
  let buf: string[] = [];
  const flush = (): void => {
    if (id !== null) blocks.set(id, buf.join('\n'));
  };
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i];
    if (/^\S/.test(l) && !l.startsWith('#')) break;
    const head = /^ {2}([A-Za-z0-9_-]+):\s*(#.*)?$/.exec(l);
    if (head) {
      flush();
      if (blocks.has(head[1])) return null;
      id = head[1];
      buf = [l];
    } else if (/^ {2}\S/.test(l) && !/^ {2}#/.test(l)) return null;
    else if (id !== null) buf.push(l);
    else if (l.trim() && !l.trim().startsWith('#')) return null;
  }
  flush();
  return blocks;
}

/** Parses only the given node blocks (a small document of their own). */
function parseBlocks(blocks: string[]): Map<string, GraphNodeLite> | null {
  const parsed = parsePipelineText(`apiVersion: pipewright/v1\nkind: Pipeline\nmetadata:\n  name: diff\nnodes:\n${blocks.join('\n')}\n`);
  return parsed.pipeline ? graphNodes(parsed.pipeline) : null;
}

/** The version text of a run, else null. */
function runText(store: ProjectStore, run: RunRow): { hash: string; text: string } | null {
  return run.pipelineVersionId === null ? null : store.pipelineVersion(run.pipelineVersionId);
}

/** The nodes of a run's graph parsed whole: from its version's text, else (none recorded) from its executions. */
function runGraph(store: ProjectStore, run: RunRow, execs: ExecutionRow[]): Map<string, GraphNodeLite> {
  const v = runText(store, run);
  if (v) {
    const parsed = parsePipelineText(v.text);
    if (parsed.pipeline) return graphNodes(parsed.pipeline);
  }
  return new Map(execs.map((e) => [e.nodeId, { type: e.type, params: e.params, inputs: {} }]));
}

/**
 * Node ids added, removed and changed between two runs' graphs. Only the node blocks whose text
 * differs are parsed (a 200-node file costs tens of ms to parse; its changed blocks almost nothing).
 */
function graphDiff(store: ProjectStore, ra: RunRow, rb: RunRow, ea: ExecutionRow[], eb: ExecutionRow[]): RunDiff['graph'] {
  const graph: RunDiff['graph'] = { added: [], removed: [], changed: [] };
  const ta = runText(store, ra);
  const tb = runText(store, rb);
  if (ta && tb && ta.hash === tb.hash) return graph;
  const ba = ta && nodeBlocks(ta.text);
  const bb = tb && nodeBlocks(tb.text);
  if (ba && bb) {
    const differing = [...new Set([...ba.keys(), ...bb.keys()])].filter((id) => ba.get(id) !== bb.get(id));
    const ga = parseBlocks(differing.filter((id) => ba.has(id)).map((id) => ba.get(id)!));
    const gb = parseBlocks(differing.filter((id) => bb.has(id)).map((id) => bb.get(id)!));
    if (ga && gb) {
      for (const id of bb.keys()) if (!ba.has(id)) graph.added.push(id);
      for (const id of ba.keys()) {
        if (!bb.has(id)) graph.removed.push(id);
        else if (ga.has(id) && gb.has(id)) {
          const fields = nodeFields(ga.get(id)!, gb.get(id)!);
          if (fields.length) graph.changed.push({ node: id, fields });
        }
      }
      return graph;
    }
  }
  const ga = runGraph(store, ra, ea);
  const gb = runGraph(store, rb, eb);
  for (const id of gb.keys()) if (!ga.has(id)) graph.added.push(id);
  for (const [id, na] of ga) {
    const nb = gb.get(id);
    if (!nb) graph.removed.push(id);
    else {
      const fields = nodeFields(na, nb);
      if (fields.length) graph.changed.push({ node: id, fields });
    }
  }
  return graph;
}

/** What changed in one node between two graphs: `type`, `cache`, `inputs.<port>`, `params.<key>`, `x-…`. */
function nodeFields(a: GraphNodeLite, b: GraphNodeLite): string[] {
  const fields: string[] = [];
  if (a.type !== b.type) fields.push('type');
  if ((a.cache ?? true) !== (b.cache ?? true)) fields.push('cache');
  for (const k of Object.keys(diffRecords(a.inputs, b.inputs))) fields.push(`inputs.${k}`);
  for (const k of Object.keys(diffRecords(a.params, b.params))) fields.push(`params.${k}`);
  for (const k of Object.keys(diffRecords(a.extensions ?? {}, b.extensions ?? {}))) fields.push(k);
  return fields;
}

/** Section 9's diff: only what differs, every top-level key always present. */
export function diffRuns(store: ProjectStore, idA: string, idB: string): RunDiff {
  const ra = findRun(store, idA);
  const rb = findRun(store, idB);
  const ea = store.getExecutions(ra.id);
  const eb = store.getExecutions(rb.id);

  const graph = graphDiff(store, ra, rb, ea, eb);

  const data: RunDiff['data'] = {};
  const oa = runOutputs(store, ra.id);
  const ob = runOutputs(store, rb.id);
  const order = [...new Set([...ea.map((e) => e.nodeId), ...eb.map((e) => e.nodeId)])];
  for (const node of order) {
    const pa = oa.get(node) ?? {};
    const pb = ob.get(node) ?? {};
    for (const port of [...new Set([...Object.keys(pa), ...Object.keys(pb)])]) {
      const ha = pa[port]?.hash ?? null;
      const hb = pb[port]?.hash ?? null;
      if (ha !== hb) data[`${node}.${port}`] = { a: ha, b: hb };
    }
  }

  const metrics: RunDiff['metrics'] = {};
  const ma = store.runScalars(ra.id);
  const mb = store.runScalars(rb.id);
  for (const node of order) {
    const xa = ma.get(node) ?? {};
    const xb = mb.get(node) ?? {};
    for (const k of [...new Set([...Object.keys(xa), ...Object.keys(xb)])]) {
      const a = xa[k] ?? null;
      const b = xb[k] ?? null;
      if (a !== b) metrics[`${node}.${k}`] = { a, b, delta: a !== null && b !== null ? b - a : null };
    }
  }

  return {
    a: String(ra.id),
    b: String(rb.id),
    params: diffRecords(ra.params, rb.params),
    graph,
    data,
    metrics,
    environment: diffRecords(flatten(ra.environment), flatten(rb.environment)),
  };
}

// ---------------------------------------------------------------- lineage



export type LineageRef = { kind: 'artifact'; hash: string } | { kind: 'output'; run: string; node: string; port: string } | { kind: 'model'; name: string; version: string };

/** Reads REF: 64 hex digits, `RUN:NODE.PORT` or `NAME:VERSION`; null when it is none of them. */
export function parseLineageRef(ref: string): LineageRef | null {
  if (/^[0-9a-fA-F]{64}$/.test(ref)) return { kind: 'artifact', hash: ref.toLowerCase() };
  const out = /^(\d+):([^.:]+)\.([^.:]+)$/.exec(ref);
  if (out) return { kind: 'output', run: out[1], node: out[2], port: out[3] };
  const model = /^([^:@\s]+):(\d+)$/.exec(ref);
  if (model) return { kind: 'model', name: model[1], version: model[2] };
  return null;
}

/** Where an artifact, a run's node output or (later) a model version came from, down to the data files. */
export function lineageOf(store: ProjectStore, ref: string): Lineage {
  const parsed = parseLineageRef(ref);
  if (!parsed) throw new HistoryNotFound(`${ref}: not an artifact hash (64 hex digits), RUN:NODE.PORT or NAME:VERSION`);
  const walker = new LineageWalker(store);
  if (parsed.kind === 'model') {
    const v = store.db
      .prepare('SELECT v.model_hash, v.run_id FROM model_versions v JOIN registered_models m ON m.id = v.model_id WHERE m.name = ? AND v.version = ?')
      .get(parsed.name, Number(parsed.version)) as { model_hash: string; run_id: number | null } | undefined;
    if (!v) throw new HistoryNotFound(`model version ${parsed.name}:${parsed.version} does not exist in ${store.path}`);
    const registered = { name: parsed.name, version: Number(parsed.version) };
    const source = versionSource(store, registered.name, registered.version);
    // from a file: the model came from outside, unless a run here produced the very same model
    if (source) return { ref, ...walker.walk(v.model_hash, v.run_id), kind: 'model', registered, registeredFrom: { path: source.path, sha256: source.sha256 } };
    return { ref, ...walker.walk(v.model_hash, v.run_id), registered };
  }
  if (parsed.kind === 'artifact') {
    if (!store.hasArtifact(parsed.hash)) throw new HistoryNotFound(`artifact ${parsed.hash} does not exist in ${store.path}`);
    return { ref, ...walker.walk(parsed.hash, null) };
  }
  const run = findRun(store, parsed.run);
  const exec = walker.execOfNode(run.id, parsed.node);
  if (!exec) throw new HistoryNotFound(`run ${parsed.run} has no node ${parsed.node}`);
  const hash = walker.outputHash(exec.id, parsed.port);
  if (!hash) throw new HistoryNotFound(`node ${parsed.node} of run ${parsed.run} has no output ${parsed.port}`);
  return { ref, ...walker.walk(hash, run.id) };
}

class LineageWalker {
  private readonly fileHashes = new Map<string, string | null>();
  private readonly stProducerInRun;
  private readonly stProducerAny;
  private readonly stExec;
  private readonly stExecOfNode;
  private readonly stInputs;
  private readonly stOutput;
  private readonly stArtifact;
  private readonly stRunOptions;
  private readonly runOptions = new Map<number, { baseDir: string | null; dataFiles: Record<string, unknown> }>();

  constructor(private readonly store: ProjectStore) {
    const db = store.db;
    this.stProducerInRun = db.prepare(
      "SELECT e.id, o.port FROM execution_outputs o JOIN node_executions e ON e.id = o.execution_id WHERE o.artifact_hash = ? AND e.run_id = ? AND e.status = 'succeeded' ORDER BY e.id LIMIT 1",
    );
    this.stProducerAny = db.prepare(
      "SELECT e.id, o.port FROM execution_outputs o JOIN node_executions e ON e.id = o.execution_id WHERE o.artifact_hash = ? AND e.status = 'succeeded' ORDER BY e.cached, e.id LIMIT 1",
    );
    this.stExec = db.prepare('SELECT id, run_id, node_id, type, params, cached, reused_from FROM node_executions WHERE id = ?');
    this.stExecOfNode = db.prepare('SELECT id FROM node_executions WHERE run_id = ? AND node_id = ?');
    this.stInputs = db.prepare('SELECT port, artifact_hash FROM execution_inputs WHERE execution_id = ? ORDER BY port');
    this.stOutput = db.prepare('SELECT artifact_hash FROM execution_outputs WHERE execution_id = ? AND port = ?');
    this.stArtifact = db.prepare('SELECT kind FROM artifacts WHERE hash = ?');
    this.stRunOptions = db.prepare('SELECT options FROM runs WHERE id = ?');
  }

  /** The folder a run resolved relative data paths against (recorded in its options), if known. */
  private optionsOf(runId: number): { baseDir: string | null; dataFiles: Record<string, unknown> } {
    let o = this.runOptions.get(runId);
    if (!o) {
      const raw = parseJson((this.stRunOptions.get(runId) as { options: string } | undefined)?.options ?? '{}');
      const files = raw.dataFiles;
      o = { baseDir: typeof raw.baseDir === 'string' ? raw.baseDir : null, dataFiles: files && typeof files === 'object' ? (files as Record<string, unknown>) : {} };
      this.runOptions.set(runId, o);
    }
    return o;
  }

  /** The file as the run read it (its recorded sha256) and whether the file on disk still has those bytes. */
  private fileOf(runId: number, node: string, p: string): LineageFile {
    const o = this.optionsOf(runId);
    const now = this.fileHash(isAbsolute(p) || !o.baseDir ? p : resolve(o.baseDir, p));
    const recorded = (o.dataFiles[node] as Record<string, unknown> | undefined)?.[p];
    if (typeof recorded === 'string') return { path: p, sha256: recorded, changedSince: now !== recorded };
    return { path: p, sha256: now, changedSince: null };
  }

  execOfNode(runId: number, node: string): { id: number } | null {
    return (this.stExecOfNode.get(runId, node) as { id: number } | undefined) ?? null;
  }

  outputHash(execId: number, port: string): string | null {
    return (this.stOutput.get(execId, port) as { artifact_hash: string } | undefined)?.artifact_hash ?? null;
  }

  /** The artifact's lineage; `runId` prefers the producer in that run (the run being traced). */
  walk(hash: string, runId: number | null, depth = 0): Omit<Lineage, 'ref'> {
    const kind = ((this.stArtifact.get(hash) as { kind: PortKind } | undefined)?.kind ?? 'table') as PortKind;
    let found = (runId !== null ? this.stProducerInRun.get(hash, runId) : undefined) as { id: number; port: string } | undefined;
    found ??= this.stProducerAny.get(hash) as { id: number; port: string } | undefined;
    if (!found || depth > 10_000) return { kind, hash, producedBy: null, inputs: [], files: [] };
    type ExecDb = { id: number; run_id: number; node_id: string; type: string; params: string; cached: number; reused_from: number | null };
    let exec = this.stExec.get(found.id) as ExecDb;
    // A cached execution only reused outputs: the lineage is that of the execution that ran.
    for (let hops = 0; exec.cached === 1 && exec.reused_from !== null && hops < 1000; hops++) {
      const next = this.stExec.get(exec.reused_from) as ExecDb | undefined;
      if (!next) break;
      exec = next;
    }
    const params = parseJson(exec.params);
    const inputs: (Lineage & { port: string })[] = [];
    const files: LineageFile[] = [];
    const seen = new Set<string>();
    const addFile = (f: LineageFile): void => {
      if (seen.has(f.path)) return;
      seen.add(f.path);
      files.push(f);
    };
    for (const name of registry.get(exec.type)?.readsFiles ?? []) {
      const p = params[name];
      if (typeof p !== 'string') continue;
      addFile(this.fileOf(exec.run_id, exec.node_id, p));
    }
    for (const r of this.stInputs.all(exec.id) as { port: string; artifact_hash: string }[]) {
      const up = this.walk(r.artifact_hash, exec.run_id, depth + 1);
      inputs.push({ port: r.port, ref: r.artifact_hash, ...up });
      for (const f of up.files) addFile(f);
    }
    return { kind, hash, producedBy: { run: String(exec.run_id), node: exec.node_id, port: found.port, type: exec.type, params }, inputs, files };
  }

  private fileHash(path: string): string | null {
    if (this.fileHashes.has(path)) return this.fileHashes.get(path)!;
    const h = existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : null;
    this.fileHashes.set(path, h);
    return h;
  }
}

// ---------------------------------------------------------------- gc

export interface GcPlan {
  /** runs kept: the newest `keepLast` of each pipeline (all when not given), those they reused from, and running ones */
  keptRuns: number;
  deletedRuns: number[];
  /** artifacts no kept execution reads or wrote and no registered model version needs */
  artifacts: { count: number; bytes: number };
  /** runs kept only because a registered model version came from them */
  protectedRuns: number[];
  /** runs still running: gc deletes nothing while there is one */
  running: { id: number; pid: number | null; host: string | null }[];
}

/** What `gc` would delete. Read-only; `applyGc` recomputes it inside its write transaction. */
export function planGc(store: ProjectStore, keepLast?: number): GcPlan & { hashes: string[] } {
  const db = store.db;
  const running = db.prepare("SELECT id, owner_pid AS pid, owner_host AS host FROM runs WHERE status = 'running' ORDER BY id").all() as GcPlan['running'];
  const all = db.prepare('SELECT id, pipeline_id FROM runs ORDER BY id DESC').all() as { id: number; pipeline_id: number }[];
  const kept = new Set<number>();
  const perPipeline = new Map<number, number>();
  for (const r of all) {
    const n = perPipeline.get(r.pipeline_id) ?? 0;
    if (keepLast === undefined || n < keepLast) kept.add(r.id);
    perPipeline.set(r.pipeline_id, n + 1);
  }
  for (const r of running) kept.add(r.id);
  // A registered model version keeps its run (and so its lineage back to the data files).
  const protectedRuns: number[] = [];
  const existing = new Set(all.map((r) => r.id));
  for (const { run_id } of db.prepare('SELECT DISTINCT run_id FROM model_versions WHERE run_id IS NOT NULL').all() as { run_id: number }[]) {
    if (!existing.has(run_id) || kept.has(run_id)) continue;
    kept.add(run_id);
    protectedRuns.push(run_id);
  }
  // A kept run needs the runs whose executions it reused (its cached nodes point at them).
  const reusedFrom = db.prepare(
    'SELECT DISTINCT src.run_id FROM node_executions e JOIN node_executions src ON src.id = e.reused_from WHERE e.run_id = ? AND src.run_id <> e.run_id',
  );
  const queue = [...kept];
  while (queue.length) {
    for (const { run_id } of reusedFrom.all(queue.pop()!) as { run_id: number }[]) {
      if (!kept.has(run_id)) {
        kept.add(run_id);
        queue.push(run_id);
      }
    }
  }
  const deletedRuns = all.filter((r) => !kept.has(r.id)).map((r) => r.id).sort((a, b) => a - b);
  db.exec('DROP TABLE IF EXISTS temp.gc_dropped_runs; CREATE TEMP TABLE gc_dropped_runs (id INTEGER PRIMARY KEY)');
  const ins = db.prepare('INSERT INTO temp.gc_dropped_runs (id) VALUES (?)');
  for (const id of deletedRuns) ins.run(id);
  const rows = db
    .prepare(
      `SELECT a.hash, a.size FROM artifacts a WHERE NOT EXISTS (
         SELECT 1 FROM execution_outputs o JOIN node_executions e ON e.id = o.execution_id
         WHERE o.artifact_hash = a.hash AND e.run_id NOT IN (SELECT id FROM temp.gc_dropped_runs))
       AND NOT EXISTS (
         SELECT 1 FROM execution_inputs i JOIN node_executions e ON e.id = i.execution_id
         WHERE i.artifact_hash = a.hash AND e.run_id NOT IN (SELECT id FROM temp.gc_dropped_runs))
       AND NOT EXISTS (SELECT 1 FROM model_versions v WHERE v.bundle_hash = a.hash OR v.model_hash = a.hash)`,
    )
    .all() as { hash: string; size: number }[];
  db.exec('DROP TABLE temp.gc_dropped_runs');
  return {
    keptRuns: all.length - deletedRuns.length,
    deletedRuns,
    protectedRuns: protectedRuns.sort((a, b) => a - b),
    artifacts: { count: rows.length, bytes: rows.reduce((s, r) => s + r.size, 0) },
    running,
    hashes: rows.map((r) => r.hash),
  };
}

/**
 * Deletes what `planGc` finds, in one write transaction (a run cannot start or record halfway
 * through it). Refuses — deleting nothing — while a run is running: its stored-but-unlinked
 * outputs and the executions it may still reuse are exactly what a plan cannot see.
 */
export function applyGc(store: ProjectStore, keepLast?: number): GcPlan {
  return store.transaction(() => {
    const plan = planGc(store, keepLast);
    if (plan.running.length) return plan;
    const db = store.db;
    const runs = db.prepare('DELETE FROM runs WHERE id = ?');
    const unlink = db.prepare('UPDATE node_executions SET reused_from = NULL WHERE run_id = ?');
    for (const id of plan.deletedRuns) unlink.run(id);
    for (const id of plan.deletedRuns) runs.run(id);
    const art = db.prepare('DELETE FROM artifacts WHERE hash = ?');
    for (const h of plan.hashes) art.run(h);
    const { hashes: _h, ...rest } = plan;
    return rest;
  });
}
