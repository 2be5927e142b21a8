/**
 * `pipewright models register FILE`: a model trained elsewhere (the model.json an Argo
 * `run-node` step wrote, or a file from `models export`) as the next version of a name, with
 * lineage saying it came from that file (path and sha256), not from a run here. The file is input
 * from outside: it is read through `readBoundedFile` (a regular file, bounded, never a folder, a
 * pipe or a device), matched against the `FILE.sha256` beside it when there is one, checked field
 * by field (`parseModelFile`, `checkModelDoc`), and loaded and asked one prediction before the
 * project file is opened, so a file that is refused writes nothing. Its chain may hold only steps
 * that compile to plain row functions (select, impute, one-hot, standardise): a step that runs
 * code or reads another project's online store is refused, so nothing in the file runs code.
 */
import { createHash } from 'node:crypto';
import { asMetricsDoc } from '../../shared/artifacts';
import { registry } from '../../nodes/registry';
import { canonicalJson } from '../engine/canonical';
import { probeRow } from '../serving/deploy';
import type { ServingInput } from '../serving/types';
import type { ProjectStore } from '../store/types';
import { FileRefused, readBoundedFile } from './bounded-file';
import { MAX_MODEL_FILE_BYTES, MODEL_FILE_FORMAT, ModelFileError, modelFileFromBytes, type ModelFile, type ModelSource } from './model-file';
import { createServingModel } from './serving-model';
import { checkAlias, checkModelName, modelHashVersion, registerVersion, type Actor, type RegisterResult } from './store';

/** A metrics file bigger than this is refused. */
const MAX_METRICS_BYTES = 1 << 20;

export interface PreparedModelFile {
  file: ModelFile;
  /** a trainer's model.json, or a servable model file (`models export`) */
  kind: 'trainer' | 'served';
  /** sha256 of the model document as a run stores it: the same model registered twice is one version */
  modelHash: string;
  source: ModelSource;
  metrics: Record<string, number>;
  /** the `.sha256` beside the file matched (false: there was none) */
  checkedSidecar: boolean;
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** `FILE.sha256` when it exists (the digest `run-node` writes beside each output): it must match. */
function checkSidecar(path: string, hash: string, what: string): boolean {
  const side = readBoundedFile(`${path}.sha256`, 4096, 'sha256 file', null);
  if (side === null) return false;
  const m = /^([0-9a-fA-F]{64})(?:[ \t]+\*?\S.*)?\s*$/.exec(side.toString('utf8'));
  if (!m) throw new FileRefused(`${path}.sha256: not a sha256 digest (64 hex digits, as run-node writes it)`);
  if (m[1].toLowerCase() !== hash) throw new FileRefused(`${path}: its sha256 is ${hash}, but ${path}.sha256 says ${m[1].toLowerCase()}: the ${what} is not the one its step wrote (changed or cut short)`);
  return true;
}

/** Scalar metrics from a metrics file: an evaluation's metrics output, or a plain { name: number } object. */
export function readMetricsFile(path: string): Record<string, number> {
  const bytes = readBoundedFile(path, MAX_METRICS_BYTES, 'metrics file');
  checkSidecar(path, sha256(bytes), 'metrics file');
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new FileRefused(`${path}: not JSON (${(e as Error).message})`);
  }
  const doc = asMetricsDoc(json);
  const scalars = doc ? doc.scalars : json;
  if (!scalars || typeof scalars !== 'object' || Array.isArray(scalars)) throw new FileRefused(`${path}: not metrics (an evaluation's metrics output, or { "name": number, … })`);
  const out: Record<string, number> = {};
  const entries = Object.entries(scalars as Record<string, unknown>);
  if (entries.length > 10_000) throw new FileRefused(`${path}: ${entries.length} metrics, more than 10,000`);
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > 300) throw new FileRefused(`${path}: metric name "${k.slice(0, 40)}…" is not a name (1 to 300 characters)`);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new FileRefused(`${path}: metric "${k}" is ${JSON.stringify(v)?.slice(0, 40)}, not a finite number`);
    out[k] = v;
  }
  return out;
}

/** Refuses a chain step that would run code or read a project's online store when served. */
function checkChain(file: ModelFile, where: string): void {
  for (const step of file.chain) {
    const replay = registry.get(step.type)?.servingReplay;
    if (!replay) throw new ModelFileError(`${where}: chain step ${step.node} is a ${step.type} node, which does not replay at serving time in this Pipewright`);
    if (replay.apply && !replay.compileRow) {
      throw new ModelFileError(
        `${where}: chain step ${step.node} (${step.type}) runs code or reads a project's online store when it predicts, which a model from a file may not; register that model from its run (deploy.register) instead`,
      );
    }
  }
}

/** Loads the model as the server would and asks it one prediction: a file that cannot predict is refused here, not at its first request. */
async function tryIt(file: ModelFile, where: string): Promise<void> {
  let loaded;
  try {
    loaded = await createServingModel(file, 'model', 1);
  } catch (e) {
    throw new ModelFileError(`${where}: does not load as a model (${(e as Error).message})`);
  }
  try {
    if (!loaded.predictRow) throw new Error(`its chain does not give the model's features (${file.model.features.slice(0, 5).join(', ')}${file.model.features.length > 5 ? ', …' : ''})`);
    const row = probeRow(file.inputs);
    const p = loaded.predictRow(file.inputs.map((i: ServingInput) => row[i.name]));
    const values = typeof p === 'number' ? [p] : Object.values(p.scores);
    if (!values.every(Number.isFinite)) throw new Error('its prediction on a row of zeros is not a finite number');
  } catch (e) {
    throw new ModelFileError(`${where}: does not predict (${(e as Error).message})`);
  } finally {
    loaded.dispose();
  }
}

/** Reads and checks a model file (and a metrics file) without touching any project. */
export async function prepareModelFile(path: string, metricsPath?: string): Promise<PreparedModelFile> {
  const bytes = readBoundedFile(path, MAX_MODEL_FILE_BYTES, 'model file');
  const fileHash = sha256(bytes);
  const checkedSidecar = checkSidecar(path, fileHash, 'model file');
  const { file, kind } = modelFileFromBytes(bytes, path);
  checkChain(file, path);
  await tryIt(file, path);
  const metrics = metricsPath !== undefined ? readMetricsFile(metricsPath) : { ...(file.provenance?.metrics ?? {}) };
  return { file, kind, modelHash: sha256(canonicalJson(file.model)), source: { kind: 'file', path, sha256: fileHash }, metrics, checkedSidecar };
}

export interface RegisterFileResult extends RegisterResult {
  name: string;
  kind: PreparedModelFile['kind'];
  source: ModelSource;
  inputs: ServingInput[];
}

/** Records a prepared model file as the next version of `name` (or finds the version with the same model). */
export function registerPrepared(store: ProjectStore, p: PreparedModelFile, req: { name: string; alias?: string }, actor: Actor): RegisterFileResult {
  checkModelName(req.name);
  if (req.alias !== undefined) checkAlias(req.alias);
  const r = store.transaction(() => {
    // the same model again is the same version: nothing new is stored for it
    const existing = modelHashVersion(store, req.name, p.modelHash);
    const dataHashes = p.file.provenance?.dataHashes ?? {};
    const file: ModelFile = { ...p.file, provenance: { run: null, node: null, pipeline: null, pipelineVersion: null, dataHashes, metrics: p.metrics, source: p.source } };
    delete file.name;
    delete file.version;
    const bundleHash = existing?.bundleHash ?? store.putArtifactBytes(Buffer.from(canonicalJson(file)), 'model', { format: MODEL_FILE_FORMAT, inputs: file.inputs.length });
    return registerVersion(
      store,
      { name: req.name, modelHash: p.modelHash, bundleHash, run: null, node: null, pipeline: null, pipelineVersion: null, dataHashes, metrics: p.metrics, inputs: file.inputs, task: file.task, classes: file.classes, alias: req.alias, source: p.source },
      actor,
    );
  });
  return { ...r, name: req.name, kind: p.kind, source: p.source, inputs: p.file.inputs };
}
