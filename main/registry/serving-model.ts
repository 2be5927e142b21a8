/**
 * A registered model, ready to predict on raw rows (the `ServingModel` of main/serving/types.ts):
 * validates each value against the model's input schema, replays the row-wise chain captured at
 * registration (each step's `servingReplay.apply` in its node file), then runs the network.
 * `pipewright predict`, `pipewright serve` and `deploy.serve` all predict through here.
 */
import { registry } from '../../nodes/registry';
import { loadModel, type Prediction as ModelPrediction, type Predictor } from '../../nodes/train/model';
import type { ColumnData, CompiledRow, OnlineLookup, ReplayContext, RowColumn, RowValues } from '../../nodes/types';
import { onlineLookup } from '../features/online';
import { InputError, type Prediction, type ServingInput, type ServingModel } from '../serving/types';
import type { ProjectStore } from '../store/project-store';
import { parseModelFile, readModelFile, type ModelFile } from './model-file';
import { resolveModelRef, RegistryError, versionBundleHash } from './store';

const NUMERIC = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT', 'FLOAT', 'DOUBLE']);
const INTEGER = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT']);

/** How a raw input column is carried: numbers (Float64Array, NaN = missing), yes/no (0/1) or text. */
function kindOf(type: string): 'number' | 'integer' | 'boolean' | 'text' {
  if (INTEGER.has(type)) return 'integer';
  if (NUMERIC.has(type) || type.startsWith('DECIMAL')) return 'number';
  if (type === 'BOOLEAN') return 'boolean';
  return 'text';
}

/** A ServingModel that also predicts typed columns (the CLI's batch path, no per-value boxing). */
export interface LoadedModel extends ServingModel {
  file: ModelFile;
  /** Typed raw columns (by input name; extra columns ignored) → the network's predictions. */
  predictData(columns: ColumnData[], rows: number): Promise<ModelPrediction>;
}

let replayContext: ReplayContext | null = null;
/** features.code replays in the same sandbox as the run (main/data/code-runner.ts), loaded on first use. */
async function contextForReplay(): Promise<ReplayContext> {
  if (replayContext) return replayContext;
  const { runCodeInWorker } = await import('../data/code-runner');
  replayContext = { runCode: async (code, columns, options) => (await runCodeInWorker(code, columns, options)).columns, badInput };
  return replayContext;
}

let tfPromise: Promise<Parameters<typeof loadModel>[1]> | null = null;
/** The same compute backend the run evaluated on (main/compute): predictions agree to 1e-6. */
async function tfForServing(): Promise<Parameters<typeof loadModel>[1]> {
  tfPromise ??= import('../compute').then(async (m) => (await m.loadCompute()).tf as Parameters<typeof loadModel>[1]);
  return tfPromise;
}

function validateTyped(inputs: ServingInput[], columns: ColumnData[], rows: number): ColumnData[] {
  const byName = new Map(columns.map((c) => [c.name, c]));
  return inputs.map((input) => {
    const c = byName.get(input.name);
    if (!c) throw new InputError(`missing column "${input.name}" (the model's inputs: ${inputs.map((i) => i.name).join(', ')})`, input.name, null);
    if (c.values.length !== rows) throw new InputError(`column "${input.name}" has ${c.values.length} values, expected ${rows}`, input.name, null);
    const kind = kindOf(input.type);
    if (kind === 'text') {
      if (c.numeric) return { name: input.name, type: input.type, numeric: false, values: Array.from(c.values, (v) => (Number.isNaN(v) ? null : String(v))) };
      if (!input.nullable) {
        const i = c.values.indexOf(null);
        if (i >= 0) throw new InputError(`column "${input.name}", row ${i}: missing value, and the model does not impute ${input.name}`, input.name, i);
      }
      return { ...c, type: input.type };
    }
    if (!c.numeric) {
      const i = c.values.findIndex((v) => v !== null);
      throw new InputError(`column "${input.name}"${i >= 0 ? `, row ${i}` : ''}: ${c.type} values where the model takes ${input.type}${i >= 0 ? ` (got ${JSON.stringify(c.values[i])})` : ''}`, input.name, i >= 0 ? i : null);
    }
    const v = c.values;
    for (let i = 0; i < rows; i++) {
      const x = v[i];
      if (Number.isNaN(x)) {
        if (!input.nullable) throw new InputError(`column "${input.name}", row ${i}: missing value, and the model does not impute ${input.name}`, input.name, i);
      } else if (kind === 'integer' && !Number.isInteger(x)) throw new InputError(`column "${input.name}", row ${i}: ${x} is not a whole number (${input.type})`, input.name, i);
      else if (kind === 'boolean' && x !== 0 && x !== 1) throw new InputError(`column "${input.name}", row ${i}: ${x} is not true or false`, input.name, i);
      else if (!Number.isFinite(x)) throw new InputError(`column "${input.name}", row ${i}: ${x} is not a finite number`, input.name, i);
    }
    return { name: input.name, type: input.type, numeric: true, values: v };
  });
}

/** JSON values (a request) → typed columns, refusing a value of the wrong type with its column and row. */
function columnsFromJson(inputs: ServingInput[], known: ReadonlySet<string>, columns: Record<string, unknown[]>, rows: number): ColumnData[] {
  if (!columns || typeof columns !== 'object') throw new InputError('the request holds no columns', null, null);
  for (const name of Object.keys(columns)) {
    if (!known.has(name)) throw new InputError(`unknown column "${name}" (the model's inputs: ${inputs.map((i) => i.name).join(', ')})`, name, null);
  }
  return inputs.map((input) => {
    if (!Object.prototype.hasOwnProperty.call(columns, input.name)) throw new InputError(`missing column "${input.name}" (the model's inputs: ${inputs.map((i) => i.name).join(', ')})`, input.name, null);
    const values = columns[input.name];
    if (!Array.isArray(values) || values.length !== rows) throw new InputError(`column "${input.name}": expected ${rows} value${rows === 1 ? '' : 's'}`, input.name, null);
    const kind = kindOf(input.type);
    const bad = (i: number, what: string): InputError => new InputError(`column "${input.name}", row ${i}: ${what}`, input.name, i);
    if (kind === 'text') {
      const out: (string | null)[] = new Array(rows);
      for (let i = 0; i < rows; i++) {
        const x = values[i];
        if (x === null || x === undefined) {
          if (!input.nullable) throw bad(i, `missing value, and the model does not impute ${input.name}`);
          out[i] = null;
        } else if (typeof x === 'string') out[i] = x;
        else throw bad(i, `expected text (${input.type}), got ${JSON.stringify(x)}`);
      }
      return { name: input.name, type: input.type, numeric: false, values: out };
    }
    const out = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const x = values[i];
      if (x === null || x === undefined) {
        if (!input.nullable) throw bad(i, `missing value, and the model does not impute ${input.name}`);
        out[i] = NaN;
      } else if (kind === 'boolean') {
        if (typeof x !== 'boolean') throw bad(i, `expected true or false, got ${JSON.stringify(x)}`);
        out[i] = x ? 1 : 0;
      } else if (typeof x !== 'number' || !Number.isFinite(x)) throw bad(i, `expected a number (${input.type}), got ${JSON.stringify(x)}`);
      else if (kind === 'integer' && !Number.isInteger(x)) throw bad(i, `${x} is not a whole number (${input.type})`);
      else out[i] = x;
    }
    return { name: input.name, type: input.type, numeric: true, values: out };
  });
}

const badInput = (message: string, column: string | null, row: number | null): Error => new InputError(message, column, row);

/**
 * The chain and the network compiled for one row (the server's single-row path): each step's
 * `compileRow` over reused buffers, then the model's features into a Float64Array and
 * `predictRow`. Null when a step does not compile (features.code, features.join) or the chain's
 * output lacks a numeric feature (the general path then says what is wrong).
 */
function compileRowPath(
  file: ModelFile,
  steps: { step: { type: string; state: unknown }; apply?: unknown }[],
  predictor: Predictor,
  classes: (string | number | boolean)[] | undefined,
): ((values: readonly unknown[]) => Prediction) | null {
  const predictRow = predictor.predictRow;
  if (!predictRow) return null;
  const inputs = file.inputs;
  const kinds = inputs.map((i) => kindOf(i.type));
  let columns: RowColumn[] = inputs.map((i, n) => ({ name: i.name, numeric: kinds[n] !== 'text' }));
  const compiled: CompiledRow[] = [];
  for (const { step, apply } of steps) {
    if (!apply) continue;
    const compile = registry.get(step.type)?.servingReplay?.compileRow;
    if (!compile) return null;
    const c = compile(step.state, columns);
    compiled.push(c);
    columns = c.columns;
  }
  const at = new Map(columns.map((c, i) => [c.name, i]));
  const picks: number[] = [];
  for (const f of file.model.features) {
    const i = at.get(f);
    if (i === undefined || !columns[i].numeric) return null;
    picks.push(i);
  }
  const buffers: RowValues[] = [new Array(inputs.length), ...compiled.map((c) => new Array<number | string | null>(c.columns.length))];
  const features = new Float64Array(picks.length);
  const task = file.model.task;
  const k = task === 'regression' ? 1 : (file.model.classes ?? []).length;
  const out = new Float64Array(k);
  const keys = (file.model.classes ?? []).map(String);
  const bad = (n: number, what: string): InputError => new InputError(`column "${inputs[n].name}", row 0: ${what}`, inputs[n].name, 0);
  return (values) => {
    if (values.length !== inputs.length) throw new InputError(`expected ${inputs.length} values (the model's inputs), got ${values.length}`, null, 0);
    // as columnsFromJson: null is a missing value where the chain handles it
    const first = buffers[0];
    for (let n = 0; n < inputs.length; n++) {
      const x = values[n];
      const kind = kinds[n];
      if (x === null || x === undefined) {
        if (!inputs[n].nullable) throw bad(n, `missing value, and the model does not impute ${inputs[n].name}`);
        first[n] = kind === 'text' ? null : NaN;
      } else if (kind === 'text') {
        if (typeof x !== 'string') throw bad(n, `expected text (${inputs[n].type}), got ${JSON.stringify(x)}`);
        first[n] = x;
      } else if (kind === 'boolean') {
        if (typeof x !== 'boolean') throw bad(n, `expected true or false, got ${JSON.stringify(x)}`);
        first[n] = x ? 1 : 0;
      } else if (typeof x !== 'number' || !Number.isFinite(x)) throw bad(n, `expected a number (${inputs[n].type}), got ${JSON.stringify(x)}`);
      else if (kind === 'integer' && !Number.isInteger(x)) throw bad(n, `${x} is not a whole number (${inputs[n].type})`);
      else first[n] = x;
    }
    for (let s = 0; s < compiled.length; s++) compiled[s].run(buffers[s], buffers[s + 1]);
    const last = buffers[compiled.length];
    for (let j = 0; j < picks.length; j++) features[j] = last[picks[j]] as number;
    const best = predictRow(features, out);
    if (task === 'regression') return out[0];
    const scores: Record<string, number> = {};
    for (let c = 0; c < k; c++) scores[keys[c]] = out[c];
    return { label: classes![best], scores };
  };
}

/**
 * Builds the predictor of a model file; `name` and `version` are what the server reports.
 * `online`: the project's online store, for a model trained on a features.join output.
 */
export async function createServingModel(file: ModelFile, name: string, version: number, options: { online?: OnlineLookup } = {}): Promise<LoadedModel> {
  const steps = file.chain.map((s) => {
    const def = registry.get(s.type);
    if (!def) throw new Error(`the model's chain has a ${s.type} node (${s.node}), a type this Pipewright does not know`);
    if (!def.servingReplay) throw new Error(`${s.type} (node ${s.node}) does not replay at serving time`);
    if (def.featureStore === 'join' && !options.online) {
      throw new RegistryError(`model "${name}" version ${version} looks up its features in a project's online store (${s.type}, node ${s.node}): serve or predict it from its project (--project), not from a model file`, 'invalid');
    }
    return { step: s, apply: def.servingReplay.apply };
  });
  const needsCode = steps.some((s) => s.apply && s.step.type === 'features.code');
  const ctx: ReplayContext = { ...(needsCode ? await contextForReplay() : {}), badInput, ...(options.online ? { online: options.online } : {}) };
  // a request's few rows go through the network in plain JavaScript (microseconds, equal to the
  // backend's answer to float32 rounding); large batches of a big network use TensorFlow.js
  const predictor: Predictor = loadModel(file.model, await tfForServing(), { plainJsUpTo: 1 << 20 });
  const known = new Set(file.inputs.map((i) => i.name));
  const classes = file.task === 'classification' ? (file.model.classes ?? []).map((c) => (file.model.labelType === 'numeric' ? Number(c) : c)) : undefined;
  const predictRow = compileRowPath(file, steps, predictor, classes);

  /** The chain and the network on validated columns (in the model's input order). */
  async function predictValid(valid: ColumnData[], rows: number): Promise<ModelPrediction> {
    let table = valid;
    for (const { apply, step } of steps) {
      if (!apply) continue;
      const next = apply(step.state, table, ctx);
      // most steps answer at once: no extra turn of the event loop for them
      table = next instanceof Promise ? await next : next;
    }
    const byName = new Map(table.map((c) => [c.name, c]));
    const features: Record<string, Float64Array> = {};
    for (const f of file.model.features) {
      const c = byName.get(f);
      if (!c) throw new Error(`the chain did not produce the model's feature "${f}"`);
      if (!c.numeric) throw new Error(`the chain left the model's feature "${f}" as ${c.type}, not numbers`);
      features[f] = c.values;
    }
    if (rows === 0) return predictor.predict(Object.fromEntries(file.model.features.map((f) => [f, new Float64Array(0)])));
    return predictor.predict(features);
  }

  const predictData = async (columns: ColumnData[], rows: number): Promise<ModelPrediction> => predictValid(validateTyped(file.inputs, columns, rows), rows);

  const model: LoadedModel = {
    name,
    version,
    task: file.task,
    inputs: file.inputs,
    file,
    predictData,
    async predictColumns(columns, rows) {
      return toPredictions(await predictValid(columnsFromJson(file.inputs, known, columns, rows), rows));
    },
    dispose() {
      // Weights live in the predictor's closure and tensors are freed per call: nothing held.
    },
  };
  if (classes) model.classes = classes;
  if (predictRow) model.predictRow = predictRow;
  return model;
}

/** The network's output as the seam's per-row predictions. */
export function toPredictions(p: ModelPrediction): Prediction[] {
  if (p.task === 'regression') return Array.from(p.values);
  const k = p.classes.length;
  const out: Prediction[] = new Array(p.labels.length);
  for (let i = 0; i < p.labels.length; i++) {
    const scores: Record<string, number> = {};
    for (let c = 0; c < k; c++) scores[p.classes[c]] = p.probabilities[i * k + c];
    out[i] = { label: p.labels[i], scores };
  }
  return out;
}

/** A version of a registered model, loaded from the project file. Unknown name or version: RegistryError (not_found). */
export async function loadServingModel(store: ProjectStore, name: string, version: number): Promise<LoadedModel> {
  const hash = versionBundleHash(store, name, version);
  const json = store.artifactJson(hash);
  if (json === null || json === undefined) throw new RegistryError(`model "${name}" version ${version}: its model file (artifact ${hash.slice(0, 12)}) is missing from the project`, 'not_found');
  return createServingModel(parseModelFile(json, `${name}:${version}`), name, version, { online: onlineLookup(store) });
}

/** The model a reference names now (NAME, NAME@ALIAS, NAME:VERSION). */
export async function loadServingModelRef(store: ProjectStore, ref: string): Promise<LoadedModel> {
  const r = resolveModelRef(store, ref);
  return loadServingModel(store, r.name, r.version);
}

/** A self-contained model file (`models export`); refuses a newer format, naming its version. */
export async function loadModelFile(path: string): Promise<LoadedModel> {
  const file = await readModelFile(path);
  return createServingModel(file, file.name ?? 'model', file.version ?? 1);
}
