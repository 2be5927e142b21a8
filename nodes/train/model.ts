/**
 * The model artifact (`pipewright-model/v1`): one JSON document with everything needed to predict
 * — feature names, the preprocessing fitted in training, the label mapping, the network and its
 * weights — and `loadModel`, which turns it back into a predictor (used by the evaluate nodes and
 * by serving).
 */
import type * as tfNs from '@tensorflow/tfjs';
import { NodeError } from '../types';
import { forwardCost, forwardRows, predictRows, type Activation, type NetworkSpec, type OutputKind, type Weights } from './network';

type Tf = typeof tfNs;

export type ModelTask = 'binary' | 'multiclass' | 'regression';

export interface ModelDoc {
  format: 'pipewright-model/v1';
  /** the node type that trained it, e.g. train.logistic_regression */
  trainer: string;
  task: ModelTask;
  label: string;
  /** input columns, in the order the network reads them */
  features: string[];
  /** class labels in class-index order (sorted); null for regression */
  classes: string[] | null;
  /** whether the label column was numeric (predicted labels are mapped back to numbers) */
  labelType: 'numeric' | 'text';
  /** regression: the network predicts (y - mean) / std */
  target: { mean: number; std: number } | null;
  preprocessing: {
    /** each feature is fed as (x - mean) / std, fitted on the training rows */
    standardize: { mean: number[]; std: number[] };
  };
  network: {
    inputs: number;
    hidden: number[];
    activation: Activation;
    outputs: number;
    output: OutputKind;
  };
  /** per dense layer: the kernel (inputs × units, row-major) then the bias; Float32 little-endian, base64 */
  weights: { name: string; shape: number[]; data: string }[];
  training: {
    params: Record<string, unknown>;
    rows: number;
    validationRows: number;
    epochs: number;
    bestEpoch: number;
    stoppedEarly: boolean;
    finalLoss: number | null;
    backend: string;
  };
}

export function encodeFloat32(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function decodeFloat32(s: string, expected: number): Float32Array {
  const buf = Buffer.from(s, 'base64');
  if (buf.byteLength !== expected * 4) throw new NodeError(`model weights are corrupt: expected ${expected} floats, found ${buf.byteLength / 4}`);
  // Copy: Buffer's memory may be pooled and unaligned for a Float32Array view.
  const out = new Float32Array(expected);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

export function encodeWeights(spec: NetworkSpec, weights: Weights): ModelDoc['weights'] {
  const sizes = [spec.inputs, ...spec.hidden, spec.outputs];
  const out: ModelDoc['weights'] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    out.push({ name: `dense_${l}/kernel`, shape: [sizes[l], sizes[l + 1]], data: encodeFloat32(weights[2 * l]) });
    out.push({ name: `dense_${l}/bias`, shape: [sizes[l + 1]], data: encodeFloat32(weights[2 * l + 1]) });
  }
  return out;
}

/** Class label as a string: numbers print as JavaScript does (1, 0.5), so 1 and 1.0 agree. */
export function labelKey(v: number | string): string {
  return typeof v === 'number' ? String(v) : v;
}

export type Prediction =
  | {
      task: 'binary' | 'multiclass';
      classes: string[];
      /** n × classes, row-major */
      probabilities: Float64Array;
      /** index of the most probable class per row (binary: p(second class) >= 0.5) */
      predicted: Int32Array;
      /** the predicted labels in the label column's own type (numbers stay numbers) */
      labels: (string | number)[];
    }
  | { task: 'regression'; values: Float64Array };

export interface Predictor {
  model: ModelDoc;
  /** Predicts for rows given as columns (by name); every feature of the model must be present. */
  predict(columns: Record<string, Float64Array>): Prediction;
  /**
   * One row, its features in `model.features` order: what `predict` gives for that row, written
   * into `out` (the class probabilities, or the one value); returns the predicted class (-1 for
   * regression). No allocation but the network's scratch: the server's single-row path.
   */
  predictRow?(features: Float64Array, out: Float64Array): number;
}

function isModelDoc(json: unknown): json is ModelDoc {
  return Boolean(json) && typeof json === 'object' && (json as { format?: unknown }).format === 'pipewright-model/v1';
}

export function parseModel(json: unknown): ModelDoc {
  if (!isModelDoc(json)) {
    const f = json && typeof json === 'object' ? (json as { format?: unknown }).format : undefined;
    throw new NodeError(`not a Pipewright model (format ${f === undefined ? 'missing' : JSON.stringify(f)}; expected pipewright-model/v1)`);
  }
  return json;
}

/** At most this many layers, units a layer and features: far beyond any model a trainer here writes. */
const MAX_LAYERS = 64;
const MAX_UNITS = 1 << 16;
const ACTIVATIONS: readonly Activation[] = ['relu', 'tanh', 'sigmoid', 'elu', 'selu', 'linear'];
const OUTPUT_OF: Record<ModelTask, OutputKind> = { binary: 'sigmoid', multiclass: 'softmax', regression: 'linear' };
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * A model document from outside (a file, a project file): every field checked against the others —
 * the features against the network's inputs and the standardisation, the classes against the
 * task and the outputs, each weight tensor's shape against the layers and its bytes against its
 * shape, every number finite — and rebuilt from those fields alone (nothing else is kept). The
 * error names the field. A document is data: nothing in it is ever called or evaluated.
 */
export function checkModelDoc(json: unknown): ModelDoc {
  const bad = (field: string, what: string): never => {
    throw new NodeError(`model ${field}: ${what}`);
  };
  const m = parseModel(json) as unknown as Record<string, unknown>;
  const obj = (v: unknown, field: string): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : bad(field, 'not an object'));
  const str = (v: unknown, field: string, max = 300): string => (typeof v === 'string' && v.length > 0 && v.length <= max ? v : bad(field, `not a name (text of 1 to ${max} characters)`));
  const finite = (v: unknown, field: string): number => (typeof v === 'number' && Number.isFinite(v) ? v : bad(field, `${JSON.stringify(v)?.slice(0, 40)} is not a finite number`));
  const count = (v: unknown, field: string, min: number, max: number): number =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? (v as number) : bad(field, `${JSON.stringify(v)?.slice(0, 40)} is not a whole number from ${min} to ${max}`);
  const numbers = (v: unknown, field: string, n: number): number[] => {
    if (!Array.isArray(v) || v.length !== n) return bad(field, `expected ${n} numbers (one per feature)`);
    return v.map((x, i) => finite(x, `${field}[${i}]`));
  };

  const task = m.task === 'binary' || m.task === 'multiclass' || m.task === 'regression' ? m.task : bad('task', `${JSON.stringify(m.task)?.slice(0, 40)} is not binary, multiclass or regression`);
  const label = str(m.label, 'label');
  if (!Array.isArray(m.features) || m.features.length === 0 || m.features.length > MAX_UNITS) bad('features', `expected a list of 1 to ${MAX_UNITS} column names`);
  const features = (m.features as unknown[]).map((f, i) => str(f, `features[${i}]`));
  const dup = features.find((f, i) => features.indexOf(f) !== i);
  if (dup !== undefined) bad('features', `"${dup}" is listed twice`);
  if (features.includes(label)) bad('features', `the label "${label}" is also a feature`);
  const labelType = m.labelType === 'numeric' || m.labelType === 'text' ? m.labelType : bad('labelType', 'neither numeric nor text');
  let classes: string[] | null = null;
  if (task === 'regression') {
    if (m.classes !== null && m.classes !== undefined) bad('classes', 'a regression model has none');
    if (labelType !== 'numeric') bad('labelType', 'a regression target is numeric');
  } else {
    if (!Array.isArray(m.classes)) return bad('classes', 'missing');
    classes = m.classes.map((c, i) => (typeof c === 'string' && c.length <= 1000 ? c : bad(`classes[${i}]`, 'not a class name')));
    if (task === 'binary' ? classes.length !== 2 : classes.length < 2 || classes.length > MAX_UNITS) bad('classes', `${classes.length} classes for a ${task} model`);
    if (new Set(classes).size !== classes.length) bad('classes', 'a class is listed twice');
    if (labelType === 'numeric') classes.forEach((c, i) => finite(c.trim() === '' ? NaN : Number(c), `classes[${i}]`));
  }
  let target: ModelDoc['target'] = null;
  if (m.target !== null && m.target !== undefined) {
    if (task !== 'regression') bad('target', 'only a regression model has one');
    const t = obj(m.target, 'target');
    target = { mean: finite(t.mean, 'target.mean'), std: finite(t.std, 'target.std') };
    if (target.std === 0) bad('target.std', 'is 0');
  }
  const st = obj(obj(m.preprocessing, 'preprocessing').standardize, 'preprocessing.standardize');
  const standardize = { mean: numbers(st.mean, 'preprocessing.standardize.mean', features.length), std: numbers(st.std, 'preprocessing.standardize.std', features.length) };
  const zero = standardize.std.indexOf(0);
  if (zero >= 0) bad(`preprocessing.standardize.std[${zero}]`, 'is 0 (every value would be infinite)');

  const n = obj(m.network, 'network');
  const inputs = count(n.inputs, 'network.inputs', 1, MAX_UNITS);
  if (inputs !== features.length) bad('network.inputs', `${inputs} inputs for ${features.length} features`);
  if (!Array.isArray(n.hidden) || n.hidden.length > MAX_LAYERS) bad('network.hidden', `expected a list of at most ${MAX_LAYERS} layer sizes`);
  const hidden = (n.hidden as unknown[]).map((h, i) => count(h, `network.hidden[${i}]`, 1, MAX_UNITS));
  const activation = ACTIVATIONS.includes(n.activation as Activation) ? (n.activation as Activation) : bad('network.activation', `${JSON.stringify(n.activation)?.slice(0, 40)} is not one of ${ACTIVATIONS.join(', ')}`);
  const outputs = count(n.outputs, 'network.outputs', 1, MAX_UNITS);
  const wantOutputs = task === 'multiclass' ? classes!.length : 1;
  if (outputs !== wantOutputs) bad('network.outputs', `${outputs} outputs for a ${task} model${task === 'multiclass' ? ` of ${wantOutputs} classes` : ' (expected 1)'}`);
  if (n.output !== OUTPUT_OF[task]) bad('network.output', `${JSON.stringify(n.output)?.slice(0, 40)} for a ${task} model (expected ${OUTPUT_OF[task]})`);

  const sizes = [inputs, ...hidden, outputs];
  if (!Array.isArray(m.weights) || m.weights.length !== 2 * (sizes.length - 1)) bad('weights', `expected ${2 * (sizes.length - 1)} tensors (a kernel and a bias per layer of ${sizes.join(' → ')})`);
  const weights = (m.weights as unknown[]).map((raw, i) => {
    const w = obj(raw, `weights[${i}]`);
    const l = Math.floor(i / 2);
    const shape = i % 2 === 0 ? [sizes[l], sizes[l + 1]] : [sizes[l + 1]];
    const name = str(w.name, `weights[${i}].name`);
    if (!Array.isArray(w.shape) || w.shape.length !== shape.length || w.shape.some((d, k) => d !== shape[k])) bad(`weights[${i}] (${name}).shape`, `${JSON.stringify(w.shape)?.slice(0, 60)} where layer ${l} needs [${shape.join(', ')}]`);
    const data = typeof w.data === 'string' && BASE64.test(w.data) ? w.data : bad(`weights[${i}] (${name}).data`, 'not base64 text');
    const size = shape.reduce((a, b) => a * b, 1);
    const bytes = (data.length / 4) * 3 - (data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0);
    if (bytes !== size * 4) bad(`weights[${i}] (${name}).data`, `${bytes} bytes where shape [${shape.join(', ')}] needs ${size * 4} (${size} float32)`);
    const values = decodeFloat32(data, size);
    const at = values.findIndex((x) => !Number.isFinite(x));
    if (at >= 0) bad(`weights[${i}] (${name}).data`, `value ${at} is ${values[at]}`);
    return { name, shape, data };
  });

  const t = obj(m.training, 'training');
  const params = obj(t.params, 'training.params');
  const training: ModelDoc['training'] = {
    params,
    rows: count(t.rows, 'training.rows', 0, Number.MAX_SAFE_INTEGER),
    validationRows: count(t.validationRows, 'training.validationRows', 0, Number.MAX_SAFE_INTEGER),
    epochs: count(t.epochs, 'training.epochs', 0, Number.MAX_SAFE_INTEGER),
    bestEpoch: count(t.bestEpoch, 'training.bestEpoch', 0, Number.MAX_SAFE_INTEGER),
    stoppedEarly: typeof t.stoppedEarly === 'boolean' ? t.stoppedEarly : bad('training.stoppedEarly', 'not true or false'),
    finalLoss: t.finalLoss === null ? null : finite(t.finalLoss, 'training.finalLoss'),
    backend: str(t.backend, 'training.backend', 100),
  };
  return {
    format: 'pipewright-model/v1',
    trainer: str(m.trainer, 'trainer', 200),
    task,
    label,
    features,
    classes,
    labelType,
    target,
    preprocessing: { standardize },
    network: { inputs, hidden, activation, outputs, output: OUTPUT_OF[task] },
    weights,
    training,
  };
}

export interface LoadModelOptions {
  /**
   * Predict in plain JavaScript (`forwardRows`) when the rows' multiply-adds are at most this
   * many, or the network costs at most 1,024 per row; above it, TensorFlow.js. Default 0: always
   * TensorFlow.js (what a run evaluates with). Serving sets it: a request of a few rows then
   * costs microseconds instead of a backend call.
   */
  plainJsUpTo?: number;
}

/** Turns a model document back into a predictor on the given TensorFlow.js namespace. */
export function loadModel(json: unknown, tf: Tf, options: LoadModelOptions = {}): Predictor {
  const model = parseModel(json);
  const net = model.network;
  const spec: NetworkSpec = { inputs: net.inputs, hidden: net.hidden, activation: net.activation, outputs: net.outputs, output: net.output };
  const sizes = [spec.inputs, ...spec.hidden, spec.outputs];
  if (model.weights.length !== 2 * (sizes.length - 1)) throw new NodeError('model weights do not match its network');
  const weights: Weights = model.weights.map((w, i) => {
    const l = Math.floor(i / 2);
    const n = i % 2 === 0 ? sizes[l] * sizes[l + 1] : sizes[l + 1];
    return decodeFloat32(w.data, n);
  });
  const { mean, std } = model.preprocessing.standardize;
  const f = model.features.length;
  const perRow = forwardCost(spec);
  const jsUpTo = options.plainJsUpTo ?? 0;
  const asLabel = (model.classes ?? []).map((c) => (model.labelType === 'numeric' ? Number(c) : c));
  const plainJs = (n: number): boolean => jsUpTo > 0 && (perRow <= 1024 || n * perRow <= jsUpTo);
  const row = new Float32Array(f);
  const missingValue = (j: number, i: number) => new NodeError(`column ${model.features[j]} has a missing value in row ${i + 1}: impute it first (features.impute)`);

  return {
    model,
    predictRow(features, into) {
      for (let j = 0; j < f; j++) {
        const v = features[j];
        if (Number.isNaN(v)) throw missingValue(j, 0);
        row[j] = (v - mean[j]) / std[j];
      }
      const out = forwardRows(spec, weights, row, 1);
      if (model.task === 'regression') {
        const t = model.target ?? { mean: 0, std: 1 };
        into[0] = out[0] * t.std + t.mean;
        return -1;
      }
      if (model.task === 'binary') {
        const p = out[0];
        into[0] = 1 - p;
        into[1] = p;
        return p >= 0.5 ? 1 : 0;
      }
      const k = model.classes?.length ?? 0;
      let best = 0;
      for (let c = 0; c < k; c++) {
        into[c] = out[c];
        if (out[c] > out[best]) best = c;
      }
      return best;
    },
    predict(columns) {
      let complete = true;
      for (const name of model.features) if (!columns[name]) complete = false;
      const missing = complete ? [] : model.features.filter((name) => !columns[name]);
      if (missing.length) {
        throw new NodeError(`the table lacks the model's feature column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (the model was trained on ${model.features.join(', ')})`);
      }
      const n = columns[model.features[0]]?.length ?? 0;
      const x = new Float32Array(n * f);
      for (let j = 0; j < f; j++) {
        const col = columns[model.features[j]];
        if (col.length !== n) throw new NodeError('feature columns differ in length');
        const m = mean[j];
        const s = std[j];
        for (let i = 0; i < n; i++) {
          const v = col[i];
          if (Number.isNaN(v)) throw missingValue(j, i);
          x[i * f + j] = (v - m) / s;
        }
      }
      const out = plainJs(n) ? forwardRows(spec, weights, x, n) : predictRows(tf, spec, weights, x, n);
      if (model.task === 'regression') {
        const t = model.target ?? { mean: 0, std: 1 };
        const values = new Float64Array(n);
        for (let i = 0; i < n; i++) values[i] = out[i] * t.std + t.mean;
        return { task: 'regression', values };
      }
      const classes = model.classes ?? [];
      const k = classes.length;
      const probabilities = new Float64Array(n * k);
      const predicted = new Int32Array(n);
      if (model.task === 'binary') {
        for (let i = 0; i < n; i++) {
          const p = out[i];
          probabilities[i * 2] = 1 - p;
          probabilities[i * 2 + 1] = p;
          predicted[i] = p >= 0.5 ? 1 : 0;
        }
      } else {
        for (let i = 0; i < n; i++) {
          let best = 0;
          for (let c = 0; c < k; c++) {
            probabilities[i * k + c] = out[i * k + c];
            if (out[i * k + c] > out[i * k + best]) best = c;
          }
          predicted[i] = best;
        }
      }
      const labels = Array.from(predicted, (c) => asLabel[c]);
      return { task: model.task, classes, probabilities, predicted, labels };
    },
  };
}
