/**
 * One node alone on artifact files: the unit `pipewright run-node` (and so Argo) schedules.
 * Reads `inDir/<inputPort>` for each input, writes `outDir/<outputPort>` and
 * `outDir/<outputPort>.sha256`. It runs the node through the same code as the engine's workers
 * (runNodeDefinition), so outputs are bit-identical to the same node inside `pipewright run` on
 * the same backend.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ParamValue } from '../../shared/pipeline';
import type { RunEvent, RunSummary } from '../../shared/run';
import type { PortKind } from '../../shared/catalog';
import type { ArtifactRef, Compute, DataEngine } from '../../nodes/types';
import { sha256File } from './canonical';
import { InvalidPipelineError, planText } from './planner';
import { nodeResultOf, runNodeDefinition, signalEvent } from './node-runner';
import { scratchDir } from './scratch';

export interface StandaloneOptions {
  pipelineFile: string;
  nodeId: string;
  inDir: string;
  outDir: string;
  overrides?: Record<string, ParamValue>;
  plugins?: string[];
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
}

export interface StandaloneResult {
  /** the same shape as `pipewright run --json`, with this one node */
  summary: RunSummary;
  /** output port -> the file written in outDir and its sha256 */
  outputs: Record<string, { kind: PortKind; path: string; hash: string }>;
}

/** Throws InvalidPipelineError (exit code 2) for an invalid pipeline, an unknown node or a missing input file. */
export async function executeNodeStandalone(opts: StandaloneOptions): Promise<StandaloneResult> {
  const file = resolve(opts.pipelineFile);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InvalidPipelineError([{ place: 'document', message: `cannot read the file: ${(e as Error).message}` }]);
  }
  const prepared = await planText(text, { overrides: opts.overrides, plugins: opts.plugins });
  const { pipeline } = prepared;
  const node = prepared.nodes.get(opts.nodeId);
  if (!node) throw new InvalidPipelineError([{ place: 'node', message: `no node '${opts.nodeId}' in ${file} (nodes: ${[...prepared.nodes.keys()].join(', ')})` }]);
  const { def } = node;

  const inputs: Record<string, ArtifactRef> = {};
  const missing: string[] = [];
  for (const port of Object.keys(node.inputs)) {
    const kind: PortKind = def.inputs.find((p) => p.name === port)?.kind ?? def.variadicInputs?.kind ?? 'table';
    const path = resolve(opts.inDir, port);
    if (!existsSync(path)) {
      missing.push(port);
      continue;
    }
    inputs[port] = { kind, path, hash: await sha256File(path), meta: {} };
  }
  if (missing.length) throw new InvalidPipelineError(missing.map((p) => ({ place: `inputs.${p}`, message: `no input file ${join(resolve(opts.inDir), p)}` })));

  const runId = 'run-node';
  const emit = (e: RunEvent): void => opts.onEvent?.(e);
  const scratch = scratchDir('run-node');
  let engine: (DataEngine & { close(): Promise<void> }) | null = null;
  const started = performance.now();
  emit({ type: 'run.started', runId, pipeline: pipeline.metadata.name, nodes: [node.id] });
  emit({ type: 'node.started', runId, nodeId: node.id });
  try {
    const result = await runNodeDefinition({
      def,
      nodeId: node.id,
      params: node.params,
      inputs,
      tmpDir: join(scratch, 'x'),
      baseDir: dirname(file),
      signal: opts.signal ?? new AbortController().signal,
      data: async () => (engine ??= await (await import('../data/duck-engine')).createDataEngine({ tmpDir: join(scratch, 'duck') })),
      compute: async (): Promise<Compute> => (await import('../compute/index')).loadCompute(),
      emit: (s) => emit(signalEvent(runId, node.id, s)),
    });
    const durationMs = Math.round(performance.now() - started);
    const outputs: StandaloneResult['outputs'] = {};
    if (result.ok) {
      mkdirSync(resolve(opts.outDir), { recursive: true });
      for (const [port, o] of Object.entries(result.outputs)) {
        const dest = resolve(opts.outDir, port);
        copyFileSync(o.path, dest);
        writeFileSync(`${dest}.sha256`, o.hash);
        outputs[port] = { kind: o.kind, path: dest, hash: o.hash };
      }
    }
    const r = nodeResultOf(result, durationMs, 're-run: run-node always runs');
    const status = r.status === 'succeeded' ? 'succeeded' : r.status === 'cancelled' ? 'cancelled' : r.gateFailed ? 'gate_failed' : 'failed';
    const backend = result.backend ?? 'cpu';
    emit({ type: 'node.finished', runId, nodeId: node.id, ...r });
    emit({ type: 'run.finished', runId, status, durationMs, backend });
    return { summary: { run: { id: runId, status, pipeline: pipeline.metadata.name, durationMs, backend }, nodes: { [node.id]: r } }, outputs };
  } finally {
    const e = engine as (DataEngine & { close(): Promise<void> }) | null;
    if (e) await e.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
