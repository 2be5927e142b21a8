/**
 * Registration from a run (deploy.register, contract sections 5 and 6): finds the model's
 * row-wise chain in the run's graph, captures what each step fitted, and records a version with
 * its provenance. The chain is the longest run of nodes ending at the trainer whose types declare
 * `servingReplay`, followed port by port (`servingReplay.ports`); its input is the output of the
 * nearest node before it that does not replay (every data.* node, data.sql included).
 */
import { readFile } from 'node:fs/promises';
import { seededRandom } from '../../shared/random';
import { asMetricsDoc } from '../../shared/artifacts';
import { parseModel } from '../../nodes/train/model';
import { NodeError, type ArtifactRef, type DataEngine, type NodeDefinition, type RegisteredModel, type RunContext } from '../../nodes/types';
import { canonicalJson } from '../engine/canonical';
import type { ProjectStore } from '../store/project-store';
import type { ServingInput } from '../serving/types';
import { MODEL_FILE_FORMAT, MODEL_FILE_VERSION, type ChainStep, type ModelFile } from './model-file';
import { osUser, registerVersion, type RegisterResult } from './store';

export interface GraphNode {
  type: string;
  def: NodeDefinition;
  params: Readonly<Record<string, unknown>>;
  inputs: Readonly<Record<string, { readonly node: string; readonly port: string }>>;
}

/** What registration needs to know about the run it happens in. */
export interface RunGraph {
  runId: number;
  pipeline: string;
  pipelineVersion: string;
  nodes: ReadonlyMap<string, GraphNode>;
  /** a node's output in this run, as a file on this machine; null when it has none */
  artifact(node: string, port: string): ArtifactRef | null;
  /** a node's scalar metrics in this run (null: it did not succeed) */
  metrics(node: string): Record<string, number> | null;
  data: DataEngine;
  tmpDir: string;
  baseDir: string;
  log(message: string): void;
}

export interface RegisterFromRunRequest {
  /** the deploy.register node */
  node: string;
  name: string;
  alias?: string;
  approval: 'none' | 'required';
  metrics?: ArtifactRef;
}

function fail(node: string, message: string): never {
  throw new NodeError(`${node}: ${message}`);
}

function captureContext(graph: RunGraph, nodeId: string): RunContext {
  return {
    nodeId,
    signal: new AbortController().signal,
    progress: () => {},
    log: (_level, message) => graph.log(`${nodeId}: ${message}`),
    metric: () => {},
    random: (seed) => seededRandom(seed),
    tmpDir: graph.tmpDir,
    resolvePath: (p) => p,
    data: graph.data,
    compute: () => Promise.reject(new Error('capturing a serving step does not load the compute backend')),
  };
}

function outputsOf(graph: RunGraph, id: string): Record<string, ArtifactRef> {
  const def = graph.nodes.get(id)!.def;
  const out: Record<string, ArtifactRef> = {};
  for (const p of def.outputs) {
    const a = graph.artifact(id, p.name);
    if (a) out[p.name] = a;
  }
  return out;
}

function inputsOf(graph: RunGraph, id: string): Record<string, ArtifactRef> {
  const node = graph.nodes.get(id)!;
  const out: Record<string, ArtifactRef> = {};
  for (const [port, ref] of Object.entries(node.inputs)) {
    const a = graph.artifact(ref.node, ref.port);
    if (a) out[port] = a;
  }
  return out;
}

/** Every node upstream of `id` (not itself). */
function upstream(graph: RunGraph, id: string, seen = new Set<string>()): Set<string> {
  for (const ref of Object.values(graph.nodes.get(id)?.inputs ?? {})) {
    if (seen.has(ref.node)) continue;
    seen.add(ref.node);
    upstream(graph, ref.node, seen);
  }
  return seen;
}

/**
 * The servable model file of the model on the register node's `model` input, with the raw
 * input columns and the provenance a version records.
 */
export async function captureServable(graph: RunGraph, registerNode: string): Promise<{ file: ModelFile; modelHash: string; metrics: Record<string, number>; dataHashes: Record<string, string> }> {
  const reg = graph.nodes.get(registerNode);
  if (!reg) fail(registerNode, 'not in the run');
  const modelRef = reg.inputs.model;
  if (!modelRef) fail(registerNode, 'input "model" is not connected');
  const modelArt = graph.artifact(modelRef.node, modelRef.port);
  if (!modelArt) fail(registerNode, `the model from ${modelRef.node}.${modelRef.port} is not there`);
  const model = parseModel(JSON.parse(await readFile(modelArt.path, 'utf8')));

  // Walk back from the trainer's train input while the producing node replays.
  const trainer = graph.nodes.get(modelRef.node)!;
  let cur = trainer.inputs.train;
  if (!cur) fail(registerNode, `the model comes from ${modelRef.node} (${trainer.type}), which has no train input to serve from`);
  const walked: { id: string; node: GraphNode }[] = [];
  for (;;) {
    const node = graph.nodes.get(cur.node)!;
    const replay = node.def.servingReplay;
    const inPort = replay?.ports[cur.port];
    if (!replay || !inPort || !node.inputs[inPort]) break;
    walked.unshift({ id: cur.node, node });
    cur = node.inputs[inPort];
  }
  const chainInput = graph.artifact(cur.node, cur.port);
  if (!chainInput) fail(registerNode, `the chain's input ${cur.node}.${cur.port} is not there`);
  const info = await graph.data.describe(chainInput);

  // Captured from the trainer back, so each step knows which of its output columns a later
  // step accepts nulls in (features.join decides from it whether a missing online row is a null).
  const chain: ChainStep[] = [];
  const handlesNull = new Set<string>();
  for (const { id, node } of [...walked].reverse()) {
    const replay = node.def.servingReplay!;
    if (!replay.capture) {
      chain.unshift({ type: node.type, node: id, state: null });
      continue;
    }
    const handledLater = new Set(handlesNull);
    const captured = await replay.capture({ params: node.params, inputs: inputsOf(graph, id), outputs: outputsOf(graph, id), ctx: captureContext(graph, id), handledLater });
    for (const c of captured.handlesNull ?? []) handlesNull.add(c);
    // JSON round trip: the state is stored and read back exactly as the server will see it.
    chain.unshift({ type: node.type, node: id, state: JSON.parse(canonicalJson(captured.state ?? null)) as unknown });
  }
  const inputs: ServingInput[] = info.columns.filter((c) => c.name !== model.label).map((c) => ({ name: c.name, type: c.type, nullable: handlesNull.has(c.name) }));

  // Metrics: the connected metrics input, else every evaluation of this very model in the run.
  let metrics: Record<string, number> = {};
  if (graph.nodes.get(registerNode)!.inputs.metrics) {
    const ref = reg.inputs.metrics;
    const art = graph.artifact(ref.node, ref.port);
    if (art) metrics = { ...(asMetricsDoc(JSON.parse(await readFile(art.path, 'utf8')))?.scalars ?? {}) };
  } else {
    for (const [id, node] of graph.nodes) {
      if (!node.def.headlineMetrics) continue;
      const m = node.inputs.model;
      if (!m) continue;
      const a = graph.artifact(m.node, m.port);
      if (a?.hash !== modelArt.hash) continue;
      Object.assign(metrics, graph.metrics(id) ?? {});
    }
  }
  const dataHashes: Record<string, string> = {};
  for (const id of [...upstream(graph, modelRef.node)].sort()) {
    const node = graph.nodes.get(id)!;
    if (node.def.stage !== 'data') continue;
    for (const p of node.def.outputs) {
      const a = graph.artifact(id, p.name);
      if (a) dataHashes[`${id}.${p.name}`] = a.hash;
    }
  }

  const file: ModelFile = {
    format: MODEL_FILE_FORMAT,
    formatVersion: MODEL_FILE_VERSION,
    task: model.task === 'regression' ? 'regression' : 'classification',
    label: model.label,
    inputs,
    chain,
    model,
  };
  if (model.task !== 'regression') file.classes = (model.classes ?? []).map((c) => (model.labelType === 'numeric' ? Number(c) : c));
  return { file, modelHash: modelArt.hash, metrics, dataHashes };
}

/** deploy.register: captures the servable model and records (or finds) its version. */
export async function registerFromRun(store: ProjectStore, graph: RunGraph, req: RegisterFromRunRequest): Promise<RegisteredModel> {
  const { file, modelHash, metrics, dataHashes } = await captureServable(graph, req.node);
  file.provenance = { run: graph.runId, node: req.node, pipeline: graph.pipeline, pipelineVersion: graph.pipelineVersion, dataHashes, metrics };
  const r: RegisterResult = store.transaction(() => registerVersion(
    store,
    {
      name: req.name,
      modelHash,
      bundleHash: store.putArtifactBytes(Buffer.from(canonicalJson(file)), 'model', { format: MODEL_FILE_FORMAT, inputs: file.inputs.length }),
      run: graph.runId,
      node: req.node,
      pipeline: graph.pipeline,
      pipelineVersion: graph.pipelineVersion,
      dataHashes,
      metrics,
      inputs: file.inputs,
      task: file.task,
      classes: file.classes,
      alias: req.alias,
      approval: req.approval,
    },
    { via: `run ${graph.runId}`, by: osUser() },
  ));
  const out: RegisteredModel = { name: req.name, version: r.version, created: r.created, inputs: file.inputs };
  if (r.aliasMoved) out.aliasMoved = r.aliasMoved;
  if (r.pending) out.pending = { alias: r.pending.alias, version: r.pending.version, from: r.pending.from };
  return out;
}
