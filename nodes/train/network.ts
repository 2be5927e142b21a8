/**
 * The training core shared by every trainer: a dense network (no hidden layer = a linear or
 * logistic model) trained with Adam on row-major Float32 data.
 *
 * Two step engines, one loop. On the CPU (the wasm and cpu backends) a step runs in
 * Pipewright's own WebAssembly SIMD kernels (cpu-step.ts), data-parallel over worker threads
 * when the work is large enough; on a tensor backend (tfjs-node, tfjs-node-gpu) it runs as
 * TensorFlow.js ops with parameters, gradients and Adam state kept on the device
 * (tensor-step.ts). Why not `tf.LayersModel.fit`: per-op overhead, not arithmetic, bounds a small
 * network's step, and `fit` spends most of a step on bookkeeping. Initialisation, shuffling and
 * dropout masks come from the seeded RNG the caller passes in, never from TensorFlow.js's global
 * random state, so a run is reproducible on a given engine.
 */
import type * as tfNs from '@tensorflow/tfjs';
import { chunksFor, CpuTrainer, type StartStepHelpers } from './cpu-step';
import { dense, TensorTrainer } from './tensor-step';

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
  /** default: 'tensor' on the tensorflow backends, else 'cpu' */
  engine?: StepEngine;
  /** cpu engine: the most threads a step may use (default 1; more need startHelpers) */
  threads?: number;
  startHelpers?: StartStepHelpers;
  /** tensor engine: wait for the device every this many steps (default 64); the loss is read per epoch */
  settleEvery?: number;
}

export type StepEngine = 'cpu' | 'tensor';

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
  engine: StepEngine;
  /** threads the step ran on (cpu engine; 1 for tensor) */
  threads: number;
}

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
  return forwardChunks(tf, spec, weights, n, chunk, (start, rows) => x.subarray(start * spec.inputs, (start + rows) * spec.inputs));
}

/**
 * `predictRows` of the rows `rows` names in `x` (row-major, `spec.inputs` wide), gathered a chunk
 * at a time: the validation rows of a big table are scored without a second copy of them.
 */
export function predictRowsAt(tf: Tf, spec: NetworkSpec, weights: Weights, x: Float32Array, rows: Uint32Array, chunk = 8192): Float32Array {
  const f = spec.inputs;
  const buf = new Float32Array(Math.min(chunk, rows.length) * f);
  return forwardChunks(tf, spec, weights, rows.length, chunk, (start, count) => {
    gatherRows(x, f, rows, start, start + count, buf);
    return buf.subarray(0, count * f);
  });
}

function forwardChunks(tf: Tf, spec: NetworkSpec, weights: Weights, n: number, chunk: number, input: (start: number, rows: number) => Float32Array): Float32Array {
  const out = new Float32Array(n * spec.outputs);
  if (n === 0) return out;
  tf.tidy(() => {
    const { w, b } = uploadWeights(tf, spec, weights);
    const L = w.length;
    for (let start = 0; start < n; start += chunk) {
      const rows = Math.min(chunk, n - start);
      tf.tidy(() => {
        let h = tf.tensor2d(input(start, rows), [rows, spec.inputs], 'float32');
        for (let l = 0; l < L - 1; l++) h = dense(tf, h, w[l], b[l], spec.activation);
        const z = tf.fused.matMul({ a: h, b: w[L - 1], bias: b[L - 1] }) as Tensor2D;
        out.set(outputActivation(tf, z, spec.output).dataSync(), start * spec.outputs);
      });
    }
  });
  return out;
}

/** Multiply-adds per row of a network's forward pass. */
export function forwardCost(spec: NetworkSpec): number {
  const sizes = layerSizes(spec);
  let macs = 0;
  for (let l = 0; l + 1 < sizes.length; l++) macs += sizes[l] * sizes[l + 1];
  return macs;
}

const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;

function activateJs(z: number, a: Activation): number {
  switch (a) {
    case 'relu':
      return z > 0 ? z : 0;
    case 'tanh':
      return Math.tanh(z);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-z));
    case 'elu':
      return z > 0 ? z : Math.expm1(z);
    case 'selu':
      return z > 0 ? SELU_SCALE * z : SELU_SCALE * SELU_ALPHA * Math.expm1(z);
    default:
      return z;
  }
}

/**
 * The same forward pass as `predictRows` in plain JavaScript, for a few rows of a small network
 * (a served request): no tensors, no backend call, a few small arrays. Sums run in float64 over the
 * float32 weights, and every layer's output is kept as float32 as TensorFlow.js keeps it, so the
 * answers agree with `predictRows` to float32 rounding (about 1e-7).
 */
export function forwardRows(spec: NetworkSpec, weights: Weights, x: Float32Array, n: number): Float32Array {
  const sizes = layerSizes(spec);
  const L = sizes.length - 1;
  const k = spec.outputs;
  const out = new Float32Array(n * k);
  // one row at a time through two scratch vectors: no allocation that grows with n
  const width = Math.max(...sizes);
  let a = new Float32Array(width);
  let b = new Float32Array(width);
  for (let r = 0; r < n; r++) {
    for (let l = 0; l < L; l++) {
      const fin = sizes[l];
      const fout = sizes[l + 1];
      const W = weights[2 * l];
      const bias = weights[2 * l + 1];
      const last = l === L - 1;
      // the first layer reads the row where it is
      const src = l === 0 ? x : a;
      const at = l === 0 ? r * fin : 0;
      for (let c = 0; c < fout; c++) {
        let z = bias[c];
        for (let j = 0; j < fin; j++) z += src[at + j] * W[j * fout + c];
        b[c] = last ? z : activateJs(z, spec.activation);
      }
      const t = a;
      a = b;
      b = t;
    }
    const o = r * k;
    if (spec.output === 'sigmoid') for (let c = 0; c < k; c++) out[o + c] = 1 / (1 + Math.exp(-a[c]));
    else if (spec.output === 'softmax') {
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, a[c]);
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp(a[c] - max);
      for (let c = 0; c < k; c++) out[o + c] = Math.exp(a[c] - max) / sum;
    } else for (let c = 0; c < k; c++) out[o + c] = a[c];
  }
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

/**
 * Threads for a CPU step: 1 unless the whole run is long enough to pay for starting helpers
 * (~50 ms) and each thread's share of a step is large enough to pay for waking it (~20 µs);
 * never more than the batch has chunks.
 */
export function stepThreads(spec: NetworkSpec, trainRows: number, epochs: number, batch: number, max: number): number {
  const sizes = layerSizes(spec);
  let macsPerRow = 0;
  for (let l = 0; l + 1 < sizes.length; l++) macsPerRow += 3 * sizes[l] * sizes[l + 1];
  if (max <= 1 || macsPerRow * trainRows * epochs < MIN_PARALLEL_MACS) return 1;
  const byStep = Math.floor((macsPerRow * Math.min(batch, trainRows)) / MIN_MACS_PER_THREAD_STEP);
  return Math.max(1, Math.min(max, chunksFor(Math.min(batch, trainRows)), byStep));
}

/** ~0.1 s of one thread's arithmetic */
const MIN_PARALLEL_MACS = 2e9;
/** ~15 µs of arithmetic per thread per step */
const MIN_MACS_PER_THREAD_STEP = 3e5;

const defaultYield = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What the epoch loop asks of a step engine. */
interface Stepper {
  readonly threads: number;
  /** the training rows' order for the next epoch */
  beginEpoch(order: Uint32Array): void;
  /** one step over order[start, start + rows); draws its dropout masks from `random` */
  step(start: number, rows: number): Promise<void>;
  /** Σ loss × rows since the last call */
  takeLoss(): Promise<number>;
  weights(): Weights;
  setWeights(w: Weights): void;
  close(): Promise<void>;
}

async function cpuStepper(spec: NetworkSpec, data: Dataset, weights: Weights, batch: number, threads: number, opts: TrainOptions): Promise<Stepper> {
  const dropout = opts.dropout ?? 0;
  const trainer = await CpuTrainer.create(spec, batch, data, { threads, dropout: dropout > 0, learningRate: opts.learningRate, l2: opts.l2 ?? 0, start: opts.startHelpers });
  trainer.setWeights(weights);
  const keep = 1 / (1 - dropout);
  let lossSum = 0;
  return {
    threads: trainer.threads,
    beginEpoch: (order) => trainer.setOrder(order),
    async step(start, rows) {
      // the same draws, in the same order, whatever the threads: rows × units per layer
      for (let l = 0; dropout > 0 && l < spec.hidden.length; l++) {
        const { view, width } = trainer.maskView(l, rows);
        const units = spec.hidden[l];
        for (let r = 0; r < rows; r++) for (let c = 0; c < units; c++) view[r * width + c] = opts.random() < dropout ? 0 : keep;
      }
      lossSum += await trainer.computeGradients(start, rows);
      trainer.applyAdam((spec.output === 'linear' ? 2 : 1) / rows);
    },
    async takeLoss() {
      const v = lossSum;
      lossSum = 0;
      return v;
    },
    weights: () => trainer.weights(),
    setWeights: (w) => trainer.setWeights(w),
    close: () => trainer.close(),
  };
}

function tensorStepper(tf: Tf, spec: NetworkSpec, data: Dataset, weights: Weights, opts: TrainOptions): Stepper {
  const dropout = opts.dropout ?? 0;
  const trainer = new TensorTrainer(tf, spec, weights, data, { learningRate: opts.learningRate, l2: opts.l2 ?? 0, dropout });
  const settleEvery = opts.settleEvery ?? 64;
  let steps = 0;
  return {
    threads: 1,
    beginEpoch: (o) => trainer.setOrder(o),
    async step(start, rows) {
      const seeds = dropout > 0 ? spec.hidden.map(() => Math.floor(opts.random() * 2 ** 31)) : [];
      trainer.step(start, rows, seeds);
      if (++steps % settleEvery === 0) await trainer.settle();
    },
    takeLoss: () => trainer.takeLoss(),
    weights: () => trainer.weights(),
    setWeights: (w) => trainer.setWeights(w),
    close: async () => trainer.dispose(),
  };
}

export function defaultEngine(tf: Tf): StepEngine {
  return tf.getBackend() === 'tensorflow' ? 'tensor' : 'cpu';
}

/** Trains `spec` on `data`. Every tensor and thread it creates is released before it returns or throws. */
export function trainNetwork(tf: Tf, spec: NetworkSpec, data: Dataset, opts: TrainOptions): Promise<TrainResult> {
  return train(tf, spec, data, opts, null);
}

/** trainNetwork on exactly `threads` CPU threads, whatever the size (for tests and benches). */
export function trainNetworkOnThreads(tf: Tf, spec: NetworkSpec, data: Dataset, opts: TrainOptions, threads: number): Promise<TrainResult> {
  return train(tf, spec, data, { ...opts, engine: 'cpu' }, threads);
}

async function train(tf: Tf, spec: NetworkSpec, data: Dataset, opts: TrainOptions, forcedThreads: number | null): Promise<TrainResult> {
  const { random } = opts;
  const f = spec.inputs;
  const k = spec.outputs;
  const yieldToEvents = opts.yieldToEvents ?? defaultYield;
  const yieldEveryMs = opts.yieldEveryMs ?? 5;
  let lastYield = performance.now();
  let lastProgress = lastYield;
  if (data.f !== f) throw new Error(`dataset has ${data.f} features, the network expects ${f}`);

  const initial = initWeights(spec, random);

  // Validation rows are drawn once, from the same seeded RNG.
  const order = permutation(data.n, random);
  let nVal = opts.validationFraction ? Math.floor(data.n * opts.validationFraction) : 0;
  if (opts.validationFraction && nVal === 0 && data.n >= 2) nVal = 1;
  const nTrain = data.n - nVal;
  if (nTrain <= 0) throw new Error('no rows left to train on after the validation split');
  const trainIdx = order.subarray(0, nTrain);
  // The validation rows stay where they are in the table (scored by index, a chunk at a time).
  const valIdx = order.subarray(nTrain);
  const valY = new Float32Array(nVal);
  gatherRows(data.y, 1, valIdx, 0, nVal, valY);

  const batch = Math.min(opts.batchSize, nTrain);
  const engine = opts.engine ?? defaultEngine(tf);
  const threads = engine !== 'cpu' || !opts.startHelpers ? 1 : (forcedThreads ?? stepThreads(spec, nTrain, opts.epochs, batch, opts.threads ?? 1));
  const stepper = engine === 'tensor' ? tensorStepper(tf, spec, data, initial, opts) : await cpuStepper(spec, data, initial, batch, threads, opts);
  const history: EpochStats[] = [];
  const patience = opts.patience ?? 0;
  let best = Infinity;
  let bestEpoch = 0;
  let bestWeights: Weights | null = null;
  let since = 0;
  let stoppedEarly = false;
  let epoch = 1;
  let weights: Weights;
  try {
    for (; epoch <= opts.epochs; epoch++) {
      // Reshuffle the training rows each epoch (Fisher-Yates on the index, seeded).
      for (let i = nTrain - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        const t = trainIdx[i];
        trainIdx[i] = trainIdx[j];
        trainIdx[j] = t;
      }
      stepper.beginEpoch(trainIdx);
      for (let start = 0; start < nTrain; start += batch) {
        opts.signal?.throwIfAborted();
        const rows = Math.min(batch, nTrain - start);
        await stepper.step(start, rows);
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
      const stats: EpochStats = { epoch, loss: (await stepper.takeLoss()) / nTrain };
      await yieldToEvents();
      lastYield = performance.now();
      opts.signal?.throwIfAborted();
      const current = nVal || patience > 0 ? stepper.weights() : null;
      if (nVal && current) {
        const vp = predictRowsAt(tf, spec, current, data.x, valIdx);
        const v = lossOf(spec.output, vp, valY, nVal, k);
        stats.valLoss = v.loss;
        if (v.accuracy !== undefined) stats.valAccuracy = v.accuracy;
      }
      history.push(stats);
      opts.onEpoch?.(stats);
      if (patience > 0 && current) {
        const watched = stats.valLoss ?? stats.loss;
        if (watched < best) {
          best = watched;
          bestEpoch = epoch;
          bestWeights = current;
          since = 0;
        } else if (++since >= patience) {
          stoppedEarly = true;
          break;
        }
      }
    }
    weights = stepper.weights();
  } finally {
    await stepper.close();
  }
  const epochsRun = Math.min(epoch, opts.epochs);
  if (bestWeights && stoppedEarly) weights = bestWeights;
  else bestEpoch = epochsRun;
  return { weights, history, epochsRun, bestEpoch, stoppedEarly, trainRows: nTrain, validationRows: nVal, engine, threads: stepper.threads };
}
