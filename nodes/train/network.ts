/**
 * The training core shared by every trainer: a dense network (no hidden layer = a linear or
 * logistic model) trained with Adam on row-major Float32 data.
 *
 * Why not `tf.LayersModel.fit`: on the wasm and cpu backends a step is bounded by per-op
 * overhead, not arithmetic, and `fit` spends most of a step on bookkeeping (the gradient tape,
 * ~10 ops of Adam per variable, callbacks, per-batch syncs). Here a step is ~20 TensorFlow.js
 * ops — fused matmul+bias+activation forward, a hand-written backward pass — and Adam runs in
 * plain JavaScript over ~thousands of parameters, which costs microseconds. Initialisation,
 * shuffling and dropout masks come from the seeded RNG the caller passes in, never from
 * TensorFlow.js's global random state, so a run is reproducible on a given backend.
 */
import type * as tfNs from '@tensorflow/tfjs';

type Tf = typeof tfNs;
type Tensor2D = tfNs.Tensor2D;

export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'selu' | 'linear';
export type OutputKind = 'sigmoid' | 'softmax' | 'linear';

export interface NetworkSpec {
  inputs: number;
  hidden: number[];
  activation: Activation;
  /** output units: 1 for sigmoid / linear, the number of classes for softmax */
  outputs: number;
  output: OutputKind;
}

/** Weights per layer, [W (in×out, row-major), b (out)] for each dense layer in order. */
export type Weights = Float32Array[];

export interface Dataset {
  /** n × f features, row-major */
  x: Float32Array;
  /** sigmoid: 0/1; softmax: class index; linear: (standardised) target */
  y: Float32Array;
  n: number;
  f: number;
}

export interface EpochStats {
  epoch: number;
  loss: number;
  valLoss?: number;
  valAccuracy?: number;
}

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  l2?: number;
  dropout?: number;
  validationFraction?: number;
  patience?: number;
  /** uniform [0, 1): initialisation, shuffling, validation split, dropout masks */
  random: () => number;
  signal?: AbortSignal;
  onEpoch?: (stats: EpochStats) => void;
  /** within-epoch progress (epoch, fraction of its rows done), at most about twice a second */
  onBatchProgress?: (epoch: number, fraction: number) => void;
  /**
   * Lets the event loop run (so a worker receives a cancel message). Called between batches at
   * most every `yieldEveryMs` and at every epoch end; default: setImmediate.
   */
  yieldToEvents?: () => Promise<void>;
  /** default 5 ms: a yield can cost milliseconds on a busy machine, so not after every small batch */
  yieldEveryMs?: number;
}

export interface TrainResult {
  weights: Weights;
  history: EpochStats[];
  /** epochs actually run (early stopping may end sooner) */
  epochsRun: number;
  /** the epoch whose weights were kept (early stopping restores the best) */
  bestEpoch: number;
  stoppedEarly: boolean;
  trainRows: number;
  validationRows: number;
}

type Fusable = 'relu' | 'sigmoid' | 'elu' | 'linear';
const isFusable = (a: Activation): a is Fusable => a === 'relu' || a === 'sigmoid' || a === 'elu' || a === 'linear';
const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;
const EPS = 1e-7;

export function layerSizes(spec: NetworkSpec): number[] {
  return [spec.inputs, ...spec.hidden, spec.outputs];
}

/** Glorot-uniform weights and zero biases, from the seeded RNG. */
export function initWeights(spec: NetworkSpec, random: () => number): Weights {
  const sizes = layerSizes(spec);
  const out: Weights = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l];
    const fanOut = sizes[l + 1];
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const w = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < w.length; i++) w[i] = (random() * 2 - 1) * limit;
    out.push(w, new Float32Array(fanOut));
  }
  return out;
}

function applyActivation(tf: Tf, z: Tensor2D, act: Activation): Tensor2D {
  switch (act) {
    case 'relu':
      return tf.relu(z);
    case 'tanh':
      return tf.tanh(z);
    case 'sigmoid':
      return tf.sigmoid(z);
    case 'elu':
      return tf.elu(z);
    case 'selu':
      return tf.selu(z);
    case 'linear':
      return z;
  }
}

/** dAct/dz expressed through the activation's output h (so z need not be kept). */
function activationGrad(tf: Tf, h: Tensor2D, act: Activation): Tensor2D | null {
  switch (act) {
    case 'relu':
      return tf.step(h, 0);
    case 'tanh':
      return tf.sub(1, tf.square(h));
    case 'sigmoid':
      return tf.mul(h, tf.sub(1, h));
    case 'elu':
      return tf.add(tf.minimum(h, 0), 1);
    case 'selu':
      return tf.add(tf.minimum(h, 0), tf.add(SELU_SCALE * SELU_ALPHA, tf.mul(tf.step(h, 0), SELU_SCALE - SELU_SCALE * SELU_ALPHA)));
    case 'linear':
      return null;
  }
}

function dense(tf: Tf, h: Tensor2D, w: Tensor2D, b: tfNs.Tensor1D, act: Activation): Tensor2D {
  if (isFusable(act)) return tf.fused.matMul({ a: h, b: w, bias: b, activation: act }) as Tensor2D;
  return applyActivation(tf, tf.add(tf.matMul(h, w), b), act);
}

function uploadWeights(tf: Tf, spec: NetworkSpec, weights: Weights): { w: Tensor2D[]; b: tfNs.Tensor1D[] } {
  const sizes = layerSizes(spec);
  const w: Tensor2D[] = [];
  const b: tfNs.Tensor1D[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    w.push(tf.tensor2d(weights[2 * l], [sizes[l], sizes[l + 1]], 'float32'));
    b.push(tf.tensor1d(weights[2 * l + 1], 'float32'));
  }
  return { w, b };
}

function outputActivation(tf: Tf, z: Tensor2D, output: OutputKind): Tensor2D {
  if (output === 'sigmoid') return tf.sigmoid(z);
  if (output === 'softmax') return tf.softmax(z);
  return z;
}

/**
 * Forward pass in chunks: returns n × outputs after the output activation (probabilities for
 * sigmoid / softmax). Creates no tensors that outlive the call.
 */
export function predictRows(tf: Tf, spec: NetworkSpec, weights: Weights, x: Float32Array, n: number, chunk = 8192): Float32Array {
  const out = new Float32Array(n * spec.outputs);
  if (n === 0) return out;
  tf.tidy(() => {
    const { w, b } = uploadWeights(tf, spec, weights);
    const L = w.length;
    for (let start = 0; start < n; start += chunk) {
      const rows = Math.min(chunk, n - start);
      tf.tidy(() => {
        let h = tf.tensor2d(x.subarray(start * spec.inputs, (start + rows) * spec.inputs), [rows, spec.inputs], 'float32');
        for (let l = 0; l < L - 1; l++) h = dense(tf, h, w[l], b[l], spec.activation);
        const z = tf.fused.matMul({ a: h, b: w[L - 1], bias: b[L - 1] }) as Tensor2D;
        out.set(outputActivation(tf, z, spec.output).dataSync(), start * spec.outputs);
      });
    }
  });
  return out;
}

/** Mean loss and accuracy (classification) of predictions against targets. */
export function lossOf(output: OutputKind, pred: Float32Array, y: Float32Array, rows: number, k: number): { loss: number; accuracy?: number } {
  let loss = 0;
  let correct = 0;
  if (output === 'sigmoid') {
    for (let i = 0; i < rows; i++) {
      const p = Math.min(1 - EPS, Math.max(EPS, pred[i]));
      loss -= y[i] === 1 ? Math.log(p) : Math.log(1 - p);
      if ((pred[i] >= 0.5 ? 1 : 0) === y[i]) correct++;
    }
  } else if (output === 'softmax') {
    for (let i = 0; i < rows; i++) {
      const t = y[i];
      loss -= Math.log(Math.min(1 - EPS, Math.max(EPS, pred[i * k + t])));
      let best = 0;
      for (let c = 1; c < k; c++) if (pred[i * k + c] > pred[i * k + best]) best = c;
      if (best === t) correct++;
    }
  } else {
    for (let i = 0; i < rows; i++) {
      const d = pred[i] - y[i];
      loss += d * d;
    }
    return { loss: rows ? loss / rows : 0 };
  }
  return { loss: rows ? loss / rows : 0, accuracy: rows ? correct / rows : 0 };
}

class Adam {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private t = 0;
  constructor(
    shapes: Float32Array[],
    private readonly lr: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-7,
  ) {
    this.m = shapes.map((s) => new Float32Array(s.length));
    this.v = shapes.map((s) => new Float32Array(s.length));
  }

  /** grads are sums over the batch; `scale` turns them into means (and adds the L2 term per weight). */
  step(params: Float32Array[], grads: Float32Array[], scale: number, l2: number): void {
    this.t++;
    const { beta1, beta2, eps } = this;
    const lrT = (this.lr * Math.sqrt(1 - beta2 ** this.t)) / (1 - beta1 ** this.t);
    for (let p = 0; p < params.length; p++) {
      const w = params[p];
      const g = grads[p];
      const m = this.m[p];
      const v = this.v[p];
      // Only weight matrices (even indices) are penalised, as Keras' kernel regularizer does.
      const decay = l2 > 0 && p % 2 === 0 ? 2 * l2 : 0;
      for (let i = 0; i < w.length; i++) {
        const gi = g[i] * scale + decay * w[i];
        const mi = (m[i] = beta1 * m[i] + (1 - beta1) * gi);
        const vi = (v[i] = beta2 * v[i] + (1 - beta2) * gi * gi);
        w[i] -= (lrT * mi) / (Math.sqrt(vi) + eps);
      }
    }
  }
}

function permutation(n: number, random: () => number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

function gatherRows(src: Float32Array, width: number, idx: Uint32Array, from: number, to: number, dst: Float32Array): void {
  for (let r = from, o = 0; r < to; r++, o += width) {
    const s = idx[r] * width;
    for (let c = 0; c < width; c++) dst[o + c] = src[s + c];
  }
}

function transpose(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) dst[j * rows + i] = src[o + j];
  }
}

/** rows × cols -> (cols + 1) × rows, the last row all ones (the bias input). */
function transposeWithOnes(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
  transpose(src, rows, cols, dst);
  dst.fill(1, cols * rows, (cols + 1) * rows);
}

/**
 * One step's forward and backward pass. Gradients come out as SUMS over the batch rows (the caller
 * scales them); the output-layer delta is p - y, which is dLoss/dz for sigmoid + binary
 * cross-entropy and softmax + cross-entropy, and half of it for the squared error.
 */
export class GradientStep {
  private readonly sizes: number[];
  private readonly xAugT: Float32Array;
  private readonly hAugT: Float32Array[];
  private readonly wT: Float32Array[];

  constructor(
    private readonly tf: Tf,
    private readonly spec: NetworkSpec,
    batch: number,
  ) {
    this.sizes = layerSizes(spec);
    this.xAugT = new Float32Array((spec.inputs + 1) * batch);
    this.hAugT = this.sizes.map((u) => new Float32Array((u + 1) * batch));
    this.wT = this.sizes.slice(1).map((u, l) => new Float32Array(this.sizes[l] * u));
  }

  /**
   * bx: rows × inputs; by: rows × outputs targets (one-hot for softmax); masks: per hidden layer
   * rows × units dropout multipliers (empty for none). Writes grads (same layout as weights) and
   * the predictions (rows × outputs).
   */
  run(weights: Weights, bx: Float32Array, by: Float32Array, rows: number, masks: Float32Array[], grads: Float32Array[], pred: Float32Array): void {
    const { tf, spec, sizes, xAugT, hAugT, wT } = this;
    const f = spec.inputs;
    const k = spec.outputs;
    const L = sizes.length - 1;
    transposeWithOnes(bx, rows, f, xAugT);
    for (let l = 1; l < L; l++) transpose(weights[2 * l], sizes[l], sizes[l + 1], wT[l]);
    tf.tidy(() => {
      const { w, b } = uploadWeights(tf, spec, weights);
      const xs = tf.tensor2d(bx.subarray(0, rows * f), [rows, f], 'float32');
      const ys = tf.tensor2d(by.subarray(0, rows * k), [rows, k], 'float32');
      // Inputs of each layer: as computed (rows × units) and transposed with a row of ones
      // appended, so that one plain matmul gives both the weight and the bias gradient.
      const ins: Tensor2D[] = [xs];
      const insAugT: Tensor2D[] = [tf.tensor2d(xAugT.subarray(0, (f + 1) * rows), [f + 1, rows], 'float32')];
      // activation outputs before dropout: the activation gradient is a function of these
      const acts: Tensor2D[] = [xs];
      const maskT: (Tensor2D | null)[] = [null];
      for (let l = 0; l < L - 1; l++) {
        const units = sizes[l + 1];
        const h = dense(tf, ins[l], w[l], b[l], spec.activation);
        acts.push(h);
        let input = h;
        if (masks.length) {
          const mt = tf.tensor2d(masks[l].subarray(0, rows * units), [rows, units], 'float32');
          maskT.push(mt);
          input = tf.mul(h, mt);
        } else maskT.push(null);
        ins.push(input);
        // A transpose in TensorFlow.js (or matMul with transposeA) costs ~10x a plain matmul
        // of this size on wasm; copying out, transposing in JS and copying back is cheaper.
        transposeWithOnes(input.dataSync() as Float32Array, rows, units, hAugT[l + 1]);
        insAugT.push(tf.tensor2d(hAugT[l + 1].subarray(0, (units + 1) * rows), [units + 1, rows], 'float32'));
      }
      const z = tf.fused.matMul({ a: ins[L - 1], b: w[L - 1], bias: b[L - 1] }) as Tensor2D;
      const p = outputActivation(tf, z, spec.output);
      let delta: Tensor2D = tf.sub(p, ys);
      const gT: tfNs.Tensor[] = new Array(L);
      for (let l = L - 1; l >= 0; l--) {
        gT[l] = tf.matMul(insAugT[l], delta);
        if (l > 0) {
          let dh: Tensor2D = tf.matMul(delta, tf.tensor2d(wT[l], [sizes[l + 1], sizes[l]], 'float32'));
          const mt = maskT[l];
          if (mt) dh = tf.mul<Tensor2D>(dh, mt);
          const g = activationGrad(tf, acts[l], spec.activation);
          delta = g ? tf.mul<Tensor2D>(dh, g) : dh;
        }
      }
      pred.set(p.dataSync());
      for (let l = 0; l < L; l++) {
        const g = gT[l].dataSync() as Float32Array;
        const nw = sizes[l] * sizes[l + 1];
        grads[2 * l].set(g.subarray(0, nw));
        grads[2 * l + 1].set(g.subarray(nw));
      }
    });
  }
}

const defaultYield = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Trains `spec` on `data`. Every tensor it creates is disposed before it returns or throws. */
export async function trainNetwork(tf: Tf, spec: NetworkSpec, data: Dataset, opts: TrainOptions): Promise<TrainResult> {
  const { random } = opts;
  const f = spec.inputs;
  const k = spec.outputs;
  const softmax = spec.output === 'softmax';
  const dropout = opts.dropout ?? 0;
  const l2 = opts.l2 ?? 0;
  const yieldToEvents = opts.yieldToEvents ?? defaultYield;
  const yieldEveryMs = opts.yieldEveryMs ?? 5;
  let lastYield = performance.now();
  let lastProgress = lastYield;
  if (data.f !== f) throw new Error(`dataset has ${data.f} features, the network expects ${f}`);

  const weights = initWeights(spec, random);
  const adam = new Adam(weights, opts.learningRate);

  // Validation rows are drawn once, from the same seeded RNG.
  const order = permutation(data.n, random);
  let nVal = opts.validationFraction ? Math.floor(data.n * opts.validationFraction) : 0;
  if (opts.validationFraction && nVal === 0 && data.n >= 2) nVal = 1;
  const nTrain = data.n - nVal;
  if (nTrain <= 0) throw new Error('no rows left to train on after the validation split');
  const trainIdx = order.subarray(0, nTrain);
  const valX = new Float32Array(nVal * f);
  const valY = new Float32Array(nVal);
  if (nVal) {
    const vi = order.subarray(nTrain);
    gatherRows(data.x, f, vi, 0, nVal, valX);
    gatherRows(data.y, 1, vi, 0, nVal, valY);
  }

  const batch = Math.min(opts.batchSize, nTrain);
  const bx = new Float32Array(batch * f);
  const byRaw = new Float32Array(batch);
  const by = new Float32Array(batch * k);
  const masks = dropout > 0 ? spec.hidden.map((h) => new Float32Array(batch * h)) : [];
  const grads: Float32Array[] = weights.map((w) => new Float32Array(w.length));
  const history: EpochStats[] = [];
  const patience = opts.patience ?? 0;
  let best = Infinity;
  let bestEpoch = 0;
  let bestWeights: Weights | null = null;
  let since = 0;
  let stoppedEarly = false;
  let epoch: number;
  const predBuf = new Float32Array(batch * k);
  const step = new GradientStep(tf, spec, batch);

  for (epoch = 1; epoch <= opts.epochs; epoch++) {
    // Reshuffle the training rows each epoch (Fisher-Yates on the index, seeded).
    for (let i = nTrain - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = trainIdx[i];
      trainIdx[i] = trainIdx[j];
      trainIdx[j] = t;
    }
    let lossSum = 0;
    for (let start = 0; start < nTrain; start += batch) {
      opts.signal?.throwIfAborted();
      const rows = Math.min(batch, nTrain - start);
      gatherRows(data.x, f, trainIdx, start, start + rows, bx);
      gatherRows(data.y, 1, trainIdx, start, start + rows, byRaw);
      if (softmax) {
        by.fill(0, 0, rows * k);
        for (let i = 0; i < rows; i++) by[i * k + byRaw[i]] = 1;
      } else {
        by.set(byRaw.subarray(0, rows));
      }
      for (let m = 0; m < masks.length; m++) {
        const mask = masks[m];
        const keep = 1 / (1 - dropout);
        for (let i = 0, len = rows * spec.hidden[m]; i < len; i++) mask[i] = random() < dropout ? 0 : keep;
      }
      step.run(weights, bx, by, rows, masks, grads, predBuf);
      const scale = (spec.output === 'linear' ? 2 : 1) / rows;
      adam.step(weights, grads, scale, l2);
      lossSum += lossOf(spec.output, predBuf, byRaw, rows, k).loss * rows;
      // Lets a worker receive a cancel message; the signal is then checked before the next batch.
      const now = performance.now();
      if (now - lastYield >= yieldEveryMs) {
        if (opts.onBatchProgress && now - lastProgress >= 500) {
          opts.onBatchProgress(epoch, (start + rows) / nTrain);
          lastProgress = now;
        }
        await yieldToEvents();
        lastYield = performance.now();
      }
    }
    await yieldToEvents();
    lastYield = performance.now();
    opts.signal?.throwIfAborted();
    const stats: EpochStats = { epoch, loss: lossSum / nTrain };
    if (nVal) {
      const vp = predictRows(tf, spec, weights, valX, nVal);
      const v = lossOf(spec.output, vp, valY, nVal, k);
      stats.valLoss = v.loss;
      if (v.accuracy !== undefined) stats.valAccuracy = v.accuracy;
    }
    history.push(stats);
    opts.onEpoch?.(stats);
    if (patience > 0) {
      const watched = stats.valLoss ?? stats.loss;
      if (watched < best) {
        best = watched;
        bestEpoch = epoch;
        bestWeights = weights.map((w) => w.slice());
        since = 0;
      } else if (++since >= patience) {
        stoppedEarly = true;
        break;
      }
    }
  }
  const epochsRun = Math.min(epoch, opts.epochs);
  if (bestWeights && stoppedEarly) {
    for (let i = 0; i < weights.length; i++) weights[i].set(bestWeights[i]);
  } else bestEpoch = epochsRun;
  return { weights, history, epochsRun, bestEpoch, stoppedEarly, trainRows: nTrain, validationRows: nVal };
}
