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
