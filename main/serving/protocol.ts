/**
 * The two wire formats of contract section 6, between JSON bodies and the columnar rows a
 * `ServingModel` predicts: TensorFlow Serving's REST API (v1: `instances` rows or columnar
 * `inputs`) and the Open Inference Protocol (v2: one typed tensor per column). Every value is
 * checked here, so a bad request is one `InputError` naming the column (and row) whatever the
 * model behind it does. Lookups go through Maps and `Object.hasOwn`, never through a plain
 * object's prototype, so keys such as `__proto__` are only unknown columns.
 */
import { InputError, type Prediction, type ServingInput, type ServingModel } from './types';

export type ColumnKind = 'number' | 'integer' | 'boolean' | 'text';

const INTEGER_TYPES = /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|INT[1248]|LONG|SHORT)$/i;
const NUMBER_TYPES = /^(DOUBLE|FLOAT|REAL|FLOAT[48]|DECIMAL(\(.*\))?|NUMERIC(\(.*\))?)$/i;

/** How a column of a DuckDB type takes JSON values. */
export function columnKind(type: string): ColumnKind {
  const t = type.trim();
  if (INTEGER_TYPES.test(t)) return 'integer';
  if (NUMBER_TYPES.test(t)) return 'number';
  if (/^(BOOLEAN|BOOL|LOGICAL)$/i.test(t)) return 'boolean';
  return 'text';
}

/** The Open Inference Protocol datatype of an input column. */
export function v2Datatype(type: string): 'FP64' | 'INT64' | 'BOOL' | 'BYTES' {
  const k = columnKind(type);
  return k === 'number' ? 'FP64' : k === 'integer' ? 'INT64' : k === 'boolean' ? 'BOOL' : 'BYTES';
}

/** Rows a request may carry (a 16 MiB body holds far fewer of any real model's rows). */
export const MAX_ROWS = 1_000_000;

export interface ParsedRows {
  /** input column -> one value per row (a null-prototype object) */
  readonly columns: Record<string, unknown[]>;
  rows: number;
  /** a one-row request: its values in the model's input order (`names`), checked */
  row?: readonly unknown[];
  names?: readonly string[];
}

/**
 * A one-row request as its values in the model's input order; the columnar view is built only
 * when something asks for it (a model without `predictRow`, a batch), so the single-row path
 * allocates one array.
 */
class OneRow implements ParsedRows {
  readonly rows = 1;
  private cols: Record<string, unknown[]> | null = null;
  readonly names: readonly string[];
  constructor(
    spec: InputSpec,
    readonly row: unknown[],
  ) {
    this.names = spec.names;
  }

  get columns(): Record<string, unknown[]> {
    if (!this.cols) {
      const out = Object.create(null) as Record<string, unknown[]>;
      for (let i = 0; i < this.names.length; i++) out[this.names[i]] = [this.row[i]];
      this.cols = out;
    }
    return this.cols;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

const at = (column: string, row: number | null): string => (row === null ? `column '${column}'` : `column '${column}', row ${row}`);

/** Checks one value against its column; throws InputError naming column and row. */
export function checkValue(input: ServingInput, kind: ColumnKind, v: unknown, row: number | null): void {
  if (v === null) {
    if (input.nullable) return;
    throw new InputError(`${at(input.name, row)}: a missing value (null) is not accepted: the model does not impute this column`, input.name, row);
  }
  switch (kind) {
    case 'number':
      if (typeof v === 'number' && Number.isFinite(v)) return;
      throw new InputError(`${at(input.name, row)}: expected a number (${input.type}), got ${describe(v)}`, input.name, row);
    case 'integer':
      if (typeof v === 'number' && Number.isInteger(v)) return;
      throw new InputError(`${at(input.name, row)}: expected a whole number (${input.type}), got ${describe(v)}`, input.name, row);
    case 'boolean':
      if (typeof v === 'boolean') return;
      throw new InputError(`${at(input.name, row)}: expected true or false (${input.type}), got ${describe(v)}`, input.name, row);
    default:
      if (typeof v === 'string') return;
      throw new InputError(`${at(input.name, row)}: expected text (${input.type}), got ${describe(v)}`, input.name, row);
  }
}

/** A model's input columns prepared once per model: lookups by name, kinds. */
export class InputSpec {
  readonly byName = new Map<string, { input: ServingInput; kind: ColumnKind; index: number }>();
  /** the input names in order (one array for the model's lifetime) */
  readonly names: readonly string[];
  constructor(readonly inputs: readonly ServingInput[]) {
    inputs.forEach((i, index) => this.byName.set(i.name, { input: i, kind: columnKind(i.type), index }));
    this.names = inputs.map((i) => i.name);
  }

  get(name: string): { input: ServingInput; kind: ColumnKind; index: number } | undefined {
    return this.byName.get(name);
  }

  /** The one row of a columnar request, in input order (the columns are checked and complete). */
  rowOf(columns: Record<string, unknown[]>): unknown[] {
    return this.names.map((n) => columns[n][0]);
  }

  unknown(name: string, place: string, row: number | null): InputError {
    const known = this.inputs.map((i) => i.name);
    const list = known.length > 8 ? `${known.slice(0, 8).join(', ')}, …` : known.join(', ');
    return new InputError(`${place}unknown column '${name.length > 80 ? `${name.slice(0, 80)}…` : name}' (the model takes: ${list})`, name, row);
  }
}

const specs = new WeakMap<ServingModel, InputSpec>();
export function inputSpec(model: ServingModel): InputSpec {
  let s = specs.get(model);
  if (!s) {
    s = new InputSpec(model.inputs);
    specs.set(model, s);
  }
  return s;
}

function emptyColumns(spec: InputSpec, rows: number): Record<string, unknown[]> {
  const out = Object.create(null) as Record<string, unknown[]>;
  for (const i of spec.inputs) out[i.name] = new Array<unknown>(rows);
  return out;
}

// ---------------------------------------------------------------- TF Serving REST (v1)

export type V1Format = 'instances' | 'columnar';

/** `{ "instances": [ {column: value}, … ] }` or `{ "inputs": { column: [values] } }`. */
export function parseV1Predict(body: unknown, spec: InputSpec): ParsedRows & { format: V1Format } {
  if (!isObject(body)) throw new InputError('the body must be a JSON object with "instances" or "inputs"', null, null);
  for (const k of Object.keys(body)) {
    if (k !== 'instances' && k !== 'inputs' && k !== 'signature_name') throw new InputError(`unknown key '${k.slice(0, 80)}' in the body (give "instances" or "inputs")`, null, null);
  }
  const hasInstances = Object.hasOwn(body, 'instances');
  const hasInputs = Object.hasOwn(body, 'inputs');
  if (hasInstances === hasInputs) throw new InputError('give exactly one of "instances" (rows) and "inputs" (columns)', null, null);
  if (hasInstances) {
    const list = body.instances;
    if (!Array.isArray(list) || list.length === 0) throw new InputError('"instances" must be a non-empty list of rows', null, null);
    if (list.length > MAX_ROWS) throw new InputError(`"instances" has ${list.length} rows; at most ${MAX_ROWS} per request`, null, null);
    if (list.length === 1) return Object.assign(new OneRow(spec, instanceRow(spec, list[0], 0)), { format: 'instances' as const });
    const n = list.length;
    const columns = emptyColumns(spec, n);
    for (let r = 0; r < n; r++) {
      const values = instanceRow(spec, list[r], r);
      for (let c = 0; c < values.length; c++) columns[spec.names[c]][r] = values[c];
    }
    return { columns, rows: n, format: 'instances' };
  }
  const cols = body.inputs;
  if (!isObject(cols)) throw new InputError('"inputs" must be an object of column: [values]', null, null);
  let n = -1;
  const columns = Object.create(null) as Record<string, unknown[]>;
  for (const name of Object.keys(cols)) {
    const col = spec.get(name);
    if (!col) throw spec.unknown(name, '', null);
    const values = cols[name];
    if (!Array.isArray(values)) throw new InputError(`column '${name}': expected a list of values, got ${describe(values)}`, name, null);
    if (n === -1) n = values.length;
    else if (values.length !== n) throw new InputError(`column '${name}': ${values.length} values where the other columns have ${n}`, name, null);
    for (let r = 0; r < values.length; r++) checkValue(col.input, col.kind, values[r], r);
    columns[name] = values;
  }
  for (const i of spec.inputs) if (!Object.hasOwn(columns, i.name)) throw new InputError(`missing column '${i.name}'`, i.name, null);
  if (n <= 0) throw new InputError('"inputs" has no rows', null, null);
  if (n > MAX_ROWS) throw new InputError(`"inputs" has ${n} rows; at most ${MAX_ROWS} per request`, null, null);
  return { columns, rows: n, format: 'columnar', ...(n === 1 && { row: spec.rowOf(columns), names: spec.names }) };
}

/** One row object of `instances`, checked, as values in input order. */
function instanceRow(spec: InputSpec, row: unknown, r: number): unknown[] {
  if (!isObject(row)) throw new InputError(`row ${r}: a row is an object of column: value, got ${describe(row)}`, null, r);
  const values = new Array<unknown>(spec.names.length);
  let seen = 0;
  for (const name of Object.keys(row)) {
    const col = spec.get(name);
    if (!col) throw spec.unknown(name, `row ${r}: `, r);
    const v = row[name];
    checkValue(col.input, col.kind, v, r);
    values[col.index] = v;
    seen++;
  }
  if (seen !== spec.inputs.length) {
    const missing = spec.inputs.find((i) => !Object.hasOwn(row, i.name))!;
    throw new InputError(`row ${r}: missing column '${missing.name}'`, missing.name, r);
  }
  return values;
}

/** The classes of a classification model as score keys, in metadata order. */
function classKeys(model: ServingModel): string[] {
  return (model.classes ?? []).map((c) => String(c));
}

export function formatV1Predict(model: ServingModel, format: V1Format, predictions: Prediction[]): unknown {
  if (format === 'instances') return { predictions };
  if (model.task === 'regression') return { outputs: predictions };
  const keys = classKeys(model);
  const label: unknown[] = [];
  const scores: number[][] = [];
  for (const p of predictions) {
    if (typeof p === 'number') continue;
    label.push(p.label);
    scores.push(keys.map((k) => p.scores[k]));
  }
  return { outputs: { label, scores } };
}

export function v1Status(versions: number[]): unknown {
  return { model_version_status: versions.map((v) => ({ version: String(v), state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } })) };
}

export function v1Metadata(model: ServingModel): unknown {
  return {
    model_spec: { name: model.name, version: String(model.version) },
    metadata: {
      inputs: model.inputs.map((i) => ({ name: i.name, type: i.type })),
      task: model.task,
      ...(model.task === 'classification' ? { classes: model.classes ?? [] } : {}),
    },
  };
}

// ---------------------------------------------------------------- Open Inference Protocol (v2)

const NUMERIC_DATATYPES = new Set(['FP64', 'FP32', 'FP16', 'INT64', 'INT32', 'INT16', 'INT8', 'UINT64', 'UINT32', 'UINT16', 'UINT8']);
const DATATYPES = new Set([...NUMERIC_DATATYPES, 'BOOL', 'BYTES']);

function fits(kind: ColumnKind, datatype: string): boolean {
  if (kind === 'number' || kind === 'integer') return NUMERIC_DATATYPES.has(datatype);
  if (kind === 'boolean') return datatype === 'BOOL';
  return datatype === 'BYTES';
}

/** Row-major flattening of nested tensor data, at most `depth` levels deep. */
function flatten(data: unknown[], depth: number, name: string): unknown[] {
  let nested = false;
  for (let i = 0; i < data.length && !nested; i++) nested = Array.isArray(data[i]);
  if (!nested) return data;
  if (depth <= 1) throw new InputError(`input '${name}': data is nested deeper than its shape`, null, null);
  const out: unknown[] = [];
  for (const d of data) {
    if (Array.isArray(d)) for (const x of flatten(d, depth - 1, name)) out.push(x);
    else out.push(d);
  }
  return out;
}

/** `[n]` or `[n, 1]` with n a whole number ≥ 0. */
function isRowShape(shape: unknown): shape is [number] | [number, 1] {
  if (!Array.isArray(shape) || shape.length < 1 || shape.length > 2) return false;
  const n = shape[0] as unknown;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && (shape.length === 1 || shape[1] === 1);
}

export interface ParsedV2 extends ParsedRows {
  id?: string;
  /** output names asked for (all when absent) */
  outputs?: string[];
}

/** `{ "id"?, "inputs": [ { name, shape, datatype, data } ], "outputs"?: [ { name } ] }`. */
export function parseV2Infer(body: unknown, spec: InputSpec, outputNames: readonly string[]): ParsedV2 {
  if (!isObject(body)) throw new InputError('the body must be a JSON object with "inputs"', null, null);
  for (const k of Object.keys(body)) {
    if (k !== 'id' && k !== 'inputs' && k !== 'outputs' && k !== 'parameters') throw new InputError(`unknown key '${k.slice(0, 80)}' in the body`, null, null);
  }
  if (body.id !== undefined && typeof body.id !== 'string') throw new InputError('"id" must be a string', null, null);
  if (body.parameters !== undefined && !isObject(body.parameters)) throw new InputError('"parameters" must be an object', null, null);
  let outputs: string[] | undefined;
  if (body.outputs !== undefined) {
    if (!Array.isArray(body.outputs)) throw new InputError('"outputs" must be a list of { "name" }', null, null);
    outputs = body.outputs.map((o, i) => {
      const name = isObject(o) ? o.name : undefined;
      if (typeof name !== 'string' || !outputNames.includes(name)) throw new InputError(`outputs[${i}]: unknown output ${describe(name)} (the model gives: ${outputNames.join(', ')})`, null, null);
      return name;
    });
  }
  const list = body.inputs;
  if (!Array.isArray(list) || list.length === 0) throw new InputError('"inputs" must be a non-empty list of tensors', null, null);
  const columns = Object.create(null) as Record<string, unknown[]>;
  let n = -1;
  for (let t = 0; t < list.length; t++) {
    const tensor: unknown = list[t];
    if (!isObject(tensor)) throw new InputError(`inputs[${t}]: a tensor is an object with name, shape, datatype and data`, null, null);
    const { name, shape, datatype, data } = tensor;
    if (typeof name !== 'string') throw new InputError(`inputs[${t}]: "name" must be a string`, null, null);
    const col = spec.get(name);
    if (!col) throw spec.unknown(name, `inputs[${t}]: `, null);
    if (Object.hasOwn(columns, name)) throw new InputError(`input '${name}' is given twice`, name, null);
    if (typeof datatype !== 'string' || !DATATYPES.has(datatype))
      throw new InputError(`input '${name}': datatype ${describe(datatype)} is not one of FP64, FP32, INT64, BOOL, BYTES`, name, null);
    if (!fits(col.kind, datatype)) throw new InputError(`input '${name}': datatype ${datatype} does not fit the column's type ${col.input.type} (send ${v2Datatype(col.input.type)})`, name, null);
    if (!isRowShape(shape)) throw new InputError(`input '${name}': shape must be [n] (or [n, 1]), got ${describe(shape)}`, name, null);
    const rows = shape[0];
    if (!Array.isArray(data)) throw new InputError(`input '${name}': "data" must be a list`, name, null);
    const flat = flatten(data, shape.length, name);
    if (flat.length !== rows) throw new InputError(`input '${name}': shape [${shape.join(', ')}] needs ${rows} values, "data" has ${flat.length}`, name, null);
    if (n === -1) n = rows;
    else if (rows !== n) throw new InputError(`input '${name}': ${rows} rows where the other inputs have ${n}`, name, null);
    for (let r = 0; r < flat.length; r++) checkValue(col.input, col.kind, flat[r], r);
    columns[name] = flat;
  }
  for (const i of spec.inputs) if (!Object.hasOwn(columns, i.name)) throw new InputError(`missing input '${i.name}'`, i.name, null);
  if (n <= 0) throw new InputError('the inputs have no rows', null, null);
  if (n > MAX_ROWS) throw new InputError(`the inputs have ${n} rows; at most ${MAX_ROWS} per request`, null, null);
  return { columns, rows: n, id: body.id as string | undefined, outputs, ...(n === 1 && { row: spec.rowOf(columns), names: spec.names }) };
}

/** BYTES for text classes, INT64 or FP64 for numeric ones, BOOL for true/false. */
function labelDatatype(classes: readonly (string | number | boolean)[]): string {
  if (classes.length && classes.every((c) => typeof c === 'number')) return classes.every((c) => Number.isInteger(c)) ? 'INT64' : 'FP64';
  if (classes.length && classes.every((c) => typeof c === 'boolean')) return 'BOOL';
  return 'BYTES';
}

export function v2OutputNames(model: ServingModel): string[] {
  return model.task === 'regression' ? ['prediction'] : ['label', 'scores'];
}

export function v2ModelMetadata(model: ServingModel, versions: number[]): unknown {
  const k = model.classes?.length ?? 0;
  return {
    name: model.name,
    versions: versions.map(String),
    platform: 'pipewright',
    inputs: model.inputs.map((i) => ({ name: i.name, datatype: v2Datatype(i.type), shape: [-1] })),
    outputs:
      model.task === 'regression'
        ? [{ name: 'prediction', datatype: 'FP64', shape: [-1] }]
        : [
            { name: 'label', datatype: labelDatatype(model.classes ?? []), shape: [-1] },
            { name: 'scores', datatype: 'FP32', shape: [-1, k] },
          ],
  };
}

export function formatV2Infer(model: ServingModel, parsed: ParsedV2, predictions: Prediction[]): unknown {
  const n = predictions.length;
  let outputs: { name: string; datatype: string; shape: number[]; data: unknown[] }[];
  if (model.task === 'regression') {
    outputs = [{ name: 'prediction', datatype: 'FP64', shape: [n], data: predictions }];
  } else {
    const keys = classKeys(model);
    const label: unknown[] = [];
    const scores: number[] = [];
    for (const p of predictions) {
      if (typeof p === 'number') continue;
      label.push(p.label);
      for (const k of keys) scores.push(Math.fround(p.scores[k]));
    }
    outputs = [
      { name: 'label', datatype: labelDatatype(model.classes ?? []), shape: [n], data: label },
      { name: 'scores', datatype: 'FP32', shape: [n, keys.length], data: scores },
    ];
  }
  if (parsed.outputs) outputs = outputs.filter((o) => parsed.outputs!.includes(o.name));
  return { model_name: model.name, model_version: String(model.version), ...(parsed.id !== undefined ? { id: parsed.id } : {}), outputs };
}
