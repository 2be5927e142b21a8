/**
 * The servable model file (`pipewright-served-model`): the trained model plus its row-wise chain
 * (contract section 6) and its raw input schema. Stored as an artifact when a version is
 * registered; `models export` writes it (with name and version) to one self-contained file that
 * `predict --model-file` and `serve --model-file` read without the project.
 */
import { readFile } from 'node:fs/promises';
import { parseModel, type ModelDoc } from '../../nodes/train/model';
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
  provenance?: Provenance;
}

/** A model file that cannot be read: `where` names the file. */
export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

export function parseModelFile(json: unknown, where: string): ModelFile {
  if (!json || typeof json !== 'object' || (json as { format?: unknown }).format !== MODEL_FILE_FORMAT) {
    throw new ModelFileError(`${where}: not a Pipewright model file (expected "format": "${MODEL_FILE_FORMAT}"; write one with pipewright models export)`);
  }
  const f = json as Partial<ModelFile>;
  const v = f.formatVersion;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ModelFileError(`${where}: formatVersion ${JSON.stringify(v)} is not a version number`);
  if (v > MODEL_FILE_VERSION) {
    throw new ModelFileError(`${where}: model file format version ${v} comes from a newer Pipewright (this one reads up to version ${MODEL_FILE_VERSION}); upgrade Pipewright to use it`);
  }
  if (f.task !== 'classification' && f.task !== 'regression') throw new ModelFileError(`${where}: task ${JSON.stringify(f.task)} is neither classification nor regression`);
  if (!Array.isArray(f.inputs) || !f.inputs.every((i) => i && typeof i.name === 'string' && typeof i.type === 'string')) throw new ModelFileError(`${where}: inputs must be a list of { name, type }`);
  if (!Array.isArray(f.chain) || !f.chain.every((s) => s && typeof s.type === 'string' && typeof s.node === 'string')) throw new ModelFileError(`${where}: chain must be a list of { type, node, state }`);
  if (typeof f.label !== 'string') throw new ModelFileError(`${where}: label missing`);
  try {
    parseModel(f.model);
  } catch (e) {
    throw new ModelFileError(`${where}: ${(e as Error).message}`);
  }
  return json as ModelFile;
}

export async function readModelFile(path: string): Promise<ModelFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ModelFileError(`${path}: cannot read the model file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(`${path}: not JSON (${(e as Error).message})`);
  }
  return parseModelFile(json, path);
}
