/**
 * The servable model file (`pipewright-served-model`): the trained model plus its row-wise chain
 * (contract section 6) and its raw input schema. Stored as an artifact when a version is
 * registered; `models export` writes it (with name and version) to one self-contained file that
 * `predict --model-file` and `serve --model-file` read without the project.
 */
import { checkModelDoc, type ModelDoc } from '../../nodes/train/model';
import type { VersionSource } from '../../shared/registry';
import { readBoundedFile } from './bounded-file';
import type { ServingInput, ServingTask } from '../serving/types';
import type { Provenance } from './store';

export const MODEL_FILE_FORMAT = 'pipewright-served-model';
/** The file format this build writes; a file with a higher one is refused, naming it. */
export const MODEL_FILE_VERSION = 1;

/** One replayed node: its type, id in the pipeline and what it fitted in the training run. */
export interface ChainStep {
  type: string;
  node: string;
  state: unknown;
}

export interface ModelFile {
  format: typeof MODEL_FILE_FORMAT;
  formatVersion: number;
  /** set when exported from a registry */
  name?: string;
  version?: number;
  task: ServingTask;
  classes?: (string | number | boolean)[];
  /** the training label (never an input) */
  label: string;
  inputs: ServingInput[];
  /** in order, from the chain's input table to the trainer */
  chain: ChainStep[];
  model: ModelDoc;
  provenance?: Provenance & { source?: ModelSource };
}

/** A model file that cannot be read: `where` names the file. */
export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

/** A model file (or a trainer's model.json) bigger than this is refused before it is parsed. */
export const MAX_MODEL_FILE_BYTES = 64 << 20;
const MAX_COLUMNS = 100_000;
const MAX_CHAIN = 1_000;
/** a DuckDB type name as registration records it (DOUBLE, VARCHAR, DECIMAL(18,3), ENUM('a', 'b')): printable text */
const TYPE_NAME = /^[A-Za-z][\x20-\x7e]{0,499}$/;
const HEX64 = /^[0-9a-f]{64}$/;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const name = (v: unknown, max = 300): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

/** Where a version came from when it was registered from a file, not produced by a run here. */
export type ModelSource = VersionSource;

/** The provenance a file carries, each field checked (null where it is not what it claims). */
function parseProvenance(p: unknown, where: string): Provenance & { source?: ModelSource } {
  if (!isObj(p)) throw new ModelFileError(`${where}: provenance is not an object`);
  const hashes: Record<string, string> = {};
  if (isObj(p.dataHashes)) for (const [k, v] of Object.entries(p.dataHashes).slice(0, 10_000)) if (name(k) && typeof v === 'string' && HEX64.test(v)) hashes[k] = v;
  const metrics: Record<string, number> = {};
  if (isObj(p.metrics)) for (const [k, v] of Object.entries(p.metrics).slice(0, 10_000)) if (name(k) && typeof v === 'number' && Number.isFinite(v)) metrics[k] = v;
  const out: Provenance & { source?: ModelSource } = {
    run: Number.isSafeInteger(p.run) ? (p.run as number) : null,
    node: name(p.node) ? p.node : null,
    pipeline: name(p.pipeline) ? p.pipeline : null,
    pipelineVersion: typeof p.pipelineVersion === 'string' && HEX64.test(p.pipelineVersion) ? p.pipelineVersion : null,
    dataHashes: hashes,
    metrics,
  };
  const src = p.source;
  if (isObj(src) && src.kind === 'file' && name(src.path, 4096) && typeof src.sha256 === 'string' && HEX64.test(src.sha256)) out.source = { kind: 'file', path: src.path, sha256: src.sha256 };
  return out;
}

/**
 * A model file as data from outside (a file handed to serve, predict or models register, or a
 * version's stored file): every field checked — the model itself by `checkModelDoc` (shapes,
 * sizes, finite numbers), the task, label and classes against the model, the inputs' names and
 * types, the chain's steps — and rebuilt from those fields alone. The error names `where`.
 */
export function parseModelFile(json: unknown, where: string): ModelFile {
  if (!isObj(json) || json.format !== MODEL_FILE_FORMAT) {
    throw new ModelFileError(`${where}: not a Pipewright model file (expected "format": "${MODEL_FILE_FORMAT}"; write one with pipewright models export)`);
  }
  const f = json;
  const v = f.formatVersion;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ModelFileError(`${where}: formatVersion ${JSON.stringify(v)} is not a version number`);
  if (v > MODEL_FILE_VERSION) {
    throw new ModelFileError(`${where}: model file format version ${v} comes from a newer Pipewright (this one reads up to version ${MODEL_FILE_VERSION}); upgrade Pipewright to use it`);
  }
  if (f.task !== 'classification' && f.task !== 'regression') throw new ModelFileError(`${where}: task ${JSON.stringify(f.task)} is neither classification nor regression`);
  let model: ModelDoc;
  try {
    model = checkModelDoc(f.model);
  } catch (e) {
    throw new ModelFileError(`${where}: ${(e as Error).message}`);
  }
  if ((model.task === 'regression') !== (f.task === 'regression')) throw new ModelFileError(`${where}: task ${f.task} but the model is a ${model.task} model`);
  if (f.label !== model.label) throw new ModelFileError(`${where}: label ${JSON.stringify(f.label)?.slice(0, 60)} is not the model's label "${model.label}"`);
  if (!Array.isArray(f.inputs) || f.inputs.length === 0 || f.inputs.length > MAX_COLUMNS) throw new ModelFileError(`${where}: inputs must be a list of 1 to ${MAX_COLUMNS} { name, type, nullable }`);
  const seen = new Set<string>();
  const inputs: ServingInput[] = f.inputs.map((i, n) => {
    if (!isObj(i) || !name(i.name) || typeof i.type !== 'string' || !TYPE_NAME.test(i.type)) throw new ModelFileError(`${where}: inputs[${n}] is not { name, type } (a column name and a type such as DOUBLE or VARCHAR)`);
    if (seen.has(i.name)) throw new ModelFileError(`${where}: input "${i.name}" is listed twice`);
    if (i.name === model.label) throw new ModelFileError(`${where}: the label "${model.label}" is listed as an input`);
    seen.add(i.name);
    return { name: i.name, type: i.type, nullable: i.nullable === true };
  });
  if (!Array.isArray(f.chain) || f.chain.length > MAX_CHAIN) throw new ModelFileError(`${where}: chain must be a list of at most ${MAX_CHAIN} { type, node, state }`);
  const chain: ChainStep[] = f.chain.map((s, n) => {
    if (!isObj(s) || !name(s.type, 100) || !name(s.node)) throw new ModelFileError(`${where}: chain[${n}] is not { type, node, state }`);
    return { type: s.type, node: s.node, state: s.state ?? null };
  });
  const out: ModelFile = { format: MODEL_FILE_FORMAT, formatVersion: v, task: f.task, label: model.label, inputs, chain, model };
  if (f.task === 'classification') out.classes = classesOf(model);
  if (f.name !== undefined) {
    if (typeof f.name !== 'string' || !/^[a-z0-9][a-z0-9-]{0,99}$/.test(f.name)) throw new ModelFileError(`${where}: name ${JSON.stringify(f.name)?.slice(0, 60)} is not a model name`);
    out.name = f.name;
  }
  if (f.version !== undefined) {
    if (!Number.isSafeInteger(f.version) || (f.version as number) < 1) throw new ModelFileError(`${where}: version ${JSON.stringify(f.version)?.slice(0, 60)} is not a version number`);
    out.version = f.version as number;
  }
  if (f.provenance !== undefined) out.provenance = parseProvenance(f.provenance, where);
  return out;
}

/** A classifier's classes as the training data had them (numbers stay numbers). */
function classesOf(model: ModelDoc): (string | number)[] {
  return (model.classes ?? []).map((c) => (model.labelType === 'numeric' ? Number(c) : c));
}

/**
 * A trainer's model artifact (`pipewright-model/v1`, the model.json `pipewright run-node` writes
 * in an Argo step) as a servable model file. It has no row-wise chain, so its inputs are the
 * columns the trainer read (its features, numbers, none imputed): what the step before the
 * trainer gave it.
 */
export function servableFromModel(model: ModelDoc): ModelFile {
  const out: ModelFile = {
    format: MODEL_FILE_FORMAT,
    formatVersion: MODEL_FILE_VERSION,
    task: model.task === 'regression' ? 'regression' : 'classification',
    label: model.label,
    inputs: model.features.map((f) => ({ name: f, type: 'DOUBLE', nullable: false })),
    chain: [],
    model,
  };
  if (model.task !== 'regression') out.classes = classesOf(model);
  return out;
}

/** What a model file's bytes hold: a servable model file, or a trainer's model (wrapped as one). */
export function modelFileFromBytes(bytes: Buffer, where: string): { file: ModelFile; kind: 'served' | 'trainer' } {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new ModelFileError(`${where}: not JSON (${(e as Error).message})`);
  }
  if (isObj(json) && json.format === 'pipewright-model/v1') {
    try {
      return { file: servableFromModel(checkModelDoc(json)), kind: 'trainer' };
    } catch (e) {
      throw new ModelFileError(`${where}: ${(e as Error).message}`);
    }
  }
  if (isObj(json) && json.format !== MODEL_FILE_FORMAT) {
    const fmt = json.format === undefined ? 'no "format"' : `format ${JSON.stringify(json.format).slice(0, 60)}`;
    throw new ModelFileError(`${where}: not a Pipewright model (${fmt}; expected a model file from pipewright models export, "${MODEL_FILE_FORMAT}", or a trainer's model.json, "pipewright-model/v1")`);
  }
  return { file: parseModelFile(json, where), kind: 'served' };
}

/** Reads a model file (a regular file of at most MAX_MODEL_FILE_BYTES) for serve or predict --model-file. */
export async function readModelFile(path: string): Promise<ModelFile> {
  let bytes: Buffer;
  try {
    bytes = readBoundedFile(path, MAX_MODEL_FILE_BYTES, 'model file');
  } catch (e) {
    throw new ModelFileError((e as Error).message);
  }
  return modelFileFromBytes(bytes, path).file;
}
