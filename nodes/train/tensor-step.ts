/**
 * The training step on a tensor backend (tfjs-node, tfjs-node-gpu; testable here on `cpu`):
 * parameters, gradients and Adam state stay on the device as variables, the training rows are
 * uploaded once and each batch is gathered on the device from a permutation uploaded once per
 * epoch. Nothing is read back per step: the batch losses are summed into a device scalar that
 * the trainer reads every `readEvery` steps and at the end of each epoch, so a GPU is never made
 * to wait for JavaScript inside an epoch.
 *
 * Dropout masks come from tf.randomUniform seeded from the caller's RNG (one draw per layer and
 * step), so a run is reproducible on a given backend but does not draw the same masks as the CPU
 * trainer, which draws one number per unit.
 */
import type * as tfNs from '@tensorflow/tfjs';
import type { Activation, NetworkSpec, Weights } from './network';

type Tf = typeof tfNs;
type Tensor2D = tfNs.Tensor2D;
type Tensor1D = tfNs.Tensor1D;
type Variable = tfNs.Variable;

const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;
const EPS = 1e-7;

type Fusable = 'relu' | 'sigmoid' | 'elu' | 'linear';
const isFusable = (a: Activation): a is Fusable => a === 'relu' || a === 'sigmoid' || a === 'elu' || a === 'linear';

function act(tf: Tf, z: Tensor2D, a: Activation): Tensor2D {
  switch (a) {
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

/** A dense layer: fused matmul + bias + activation where TensorFlow.js has the fusion. */
export function dense(tf: Tf, h: Tensor2D, w: Tensor2D, b: Tensor1D, a: Activation): Tensor2D {
  if (isFusable(a)) return tf.fused.matMul({ a: h, b: w, bias: b, activation: a }) as Tensor2D;
  return act(tf, tf.add(tf.matMul(h, w), b), a);
}

/** dAct/dz from the activation's output h; null for linear. */
function actGrad(tf: Tf, h: Tensor2D, a: Activation): Tensor2D | null {
  switch (a) {
    case 'relu':
      return tf.step(h, 0);
    case 'tanh':
      return tf.sub(1, tf.square(h));
    case 'sigmoid':
      return tf.mul(h, tf.sub(1, h));
    case 'elu':
      return tf.add(tf.minimum(h, 0), 1);
    case 'selu':
      return tf.where(tf.greater(h, 0), tf.fill(h.shape, SELU_SCALE), tf.add(h, SELU_SCALE * SELU_ALPHA));
    case 'linear':
      return null;
  }
}

/** Inverted-dropout multipliers (0 or 1 / (1 - rate)), drawn on the device from `seed`. */
export function dropoutMask(tf: Tf, rows: number, units: number, rate: number, seed: number): Tensor2D {
  return tf.tidy(() => tf.mul(tf.cast(tf.greaterEqual(tf.randomUniform([rows, units], 0, 1, 'float32', seed), rate), 'float32'), 1 / (1 - rate)) as Tensor2D);
}

export class TensorTrainer {
  private readonly sizes: number[];
  private readonly w: Variable[] = [];
  private readonly b: Variable[] = [];
  private readonly m: Variable[] = [];
  private readonly v: Variable[] = [];
  private readonly beta1Pow: Variable;
  private readonly beta2Pow: Variable;
  private readonly lossSum: Variable;
  private readonly x: Tensor2D;
  private readonly y: Tensor1D;
  private perm: Tensor1D | null = null;
  private readonly beta1 = 0.9;
  private readonly beta2 = 0.999;

  constructor(
    private readonly tf: Tf,
    private readonly spec: NetworkSpec,
    weights: Weights,
    data: { x: Float32Array; y: Float32Array; n: number },
    private readonly opts: { learningRate: number; l2: number; dropout: number },
  ) {
    this.sizes = [spec.inputs, ...spec.hidden, spec.outputs];
    const s = this.sizes;
    // tidy disposes the initial values; the variables keep their data
    const variable = (make: () => tfNs.Tensor): Variable => tf.tidy(() => tf.variable(make()));
    for (let l = 0; l + 1 < s.length; l++) {
      this.w.push(variable(() => tf.tensor2d(weights[2 * l], [s[l], s[l + 1]], 'float32')));
      this.b.push(variable(() => tf.tensor1d(weights[2 * l + 1], 'float32')));
    }
    for (const p of [...this.w, ...this.b]) {
      this.m.push(variable(() => tf.zerosLike(p)));
      this.v.push(variable(() => tf.zerosLike(p)));
    }
    this.beta1Pow = variable(() => tf.scalar(1));
    this.beta2Pow = variable(() => tf.scalar(1));
    this.lossSum = variable(() => tf.scalar(0));
    this.x = tf.tensor2d(data.x.subarray(0, data.n * spec.inputs), [data.n, spec.inputs], 'float32');
    this.y = tf.tensor1d(data.y.subarray(0, data.n), 'float32');
  }

  /** The row order of the next epoch (indices into the uploaded rows). */
  setOrder(idx: Uint32Array): void {
    this.perm?.dispose();
    this.perm = this.tf.tensor1d(Int32Array.from(idx), 'int32');
  }

  private batch(start: number, rows: number): { xs: Tensor2D; ys: Tensor2D } {
    const { tf, spec } = this;
    if (!this.perm) throw new Error('setOrder before step');
    const idx = this.perm.slice(start, rows);
    const xs = tf.gather(this.x, idx) as Tensor2D;
    const yv = tf.gather(this.y, idx) as Tensor1D;
    const ys = spec.output === 'softmax' ? (tf.cast(tf.oneHot(tf.cast(yv, 'int32'), spec.outputs), 'float32') as Tensor2D) : (yv.reshape([rows, 1]) as Tensor2D);
    return { xs, ys };
  }

  /**
   * Gradients (sums over the rows) and predictions for one batch, as tensors; used by step and
   * by tests. `seeds`: one per hidden layer for its dropout mask.
   */
  gradients(xs: Tensor2D, ys: Tensor2D, seeds: number[]): { grads: Tensor2D[]; biasGrads: Tensor1D[]; p: Tensor2D } {
    const { tf, spec, w, b } = this;
    const rows = xs.shape[0];
    const L = w.length;
    const dropout = this.opts.dropout;
    const acts: Tensor2D[] = [xs];
    const ins: Tensor2D[] = [xs];
    const masks: (Tensor2D | null)[] = [null];
    for (let l = 0; l < L - 1; l++) {
      const h = dense(tf, ins[l], w[l] as Tensor2D, b[l] as Tensor1D, spec.activation);
      acts.push(h);
      if (dropout > 0) {
        const keep = dropoutMask(tf, rows, this.sizes[l + 1], dropout, seeds[l]);
        masks.push(keep);
        ins.push(tf.mul(h, keep));
      } else {
        masks.push(null);
        ins.push(h);
      }
    }
    const z = tf.fused.matMul({ a: ins[L - 1], b: w[L - 1] as Tensor2D, bias: b[L - 1] }) as Tensor2D;
    const p = spec.output === 'sigmoid' ? tf.sigmoid(z) : spec.output === 'softmax' ? tf.softmax(z) : z;
    let delta: Tensor2D = tf.sub(p, ys);
    const grads: Tensor2D[] = new Array(L);
    const biasGrads: Tensor1D[] = new Array(L);
    for (let l = L - 1; l >= 0; l--) {
      grads[l] = tf.matMul(ins[l], delta, true, false);
      biasGrads[l] = tf.sum(delta, 0);
      if (l > 0) {
        let dh: Tensor2D = tf.matMul(delta, w[l] as Tensor2D, false, true);
        const mask = masks[l];
        if (mask) dh = tf.mul(dh, mask);
        const g = actGrad(tf, acts[l], spec.activation);
        delta = g ? tf.mul(dh, g) : dh;
      }
    }
    return { grads, biasGrads, p };
  }

  /** Mean loss of the batch as a device scalar, as lossOf computes it on the host. */
  private batchLoss(p: Tensor2D, ys: Tensor2D): tfNs.Scalar {
    const { tf, spec } = this;
    if (spec.output === 'linear') return tf.mean(tf.square(tf.sub(p, ys)));
    const pc = tf.clipByValue(p, EPS, 1 - EPS);
    if (spec.output === 'sigmoid') return tf.neg(tf.mean(tf.add(tf.mul(ys, tf.log(pc)), tf.mul(tf.sub(1, ys), tf.log(tf.sub(1, pc))))));
    return tf.neg(tf.mean(tf.log(tf.sum(tf.mul(pc, ys), 1))));
  }

  /** One step over rows [start, start + rows) of the current order; nothing is read back. */
  step(start: number, rows: number, seeds: number[]): void {
    const { tf, spec } = this;
    tf.tidy(() => {
      const { xs, ys } = this.batch(start, rows);
      const { grads, biasGrads, p } = this.gradients(xs, ys, seeds);
      this.lossSum.assign(tf.add(this.lossSum, tf.mul(this.batchLoss(p, ys), rows)));
      const scale = (spec.output === 'linear' ? 2 : 1) / rows;
      this.beta1Pow.assign(tf.mul(this.beta1Pow, this.beta1));
      this.beta2Pow.assign(tf.mul(this.beta2Pow, this.beta2));
      const lrT = tf.div(tf.mul(this.opts.learningRate, tf.sqrt(tf.sub(1, this.beta2Pow))), tf.sub(1, this.beta1Pow));
      const params = [...this.w, ...this.b];
      const gs: tfNs.Tensor[] = [...grads, ...biasGrads];
      const decay = this.opts.l2 > 0 ? 2 * this.opts.l2 : 0;
      params.forEach((param, i) => {
        let g = tf.mul(gs[i], scale);
        // Only weight matrices are penalised, as Keras' kernel regularizer does.
        if (decay && i < this.w.length) g = tf.add(g, tf.mul(param, decay));
        const m = tf.add(tf.mul(this.m[i], this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i], this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        param.assign(tf.sub(param, tf.div(tf.mul(lrT, m), tf.add(tf.sqrt(v), 1e-7))));
      });
    });
  }

  /** The summed loss×rows since the last call (one read from the device), then reset. */
  async takeLoss(): Promise<number> {
    const v = (await this.lossSum.data())[0];
    this.tf.tidy(() => this.lossSum.assign(this.tf.scalar(0)));
    return v;
  }

  /** Waits for the queued steps without reading the sum out (bounds the device's queue). */
  async settle(): Promise<void> {
    await this.lossSum.data();
  }

  weights(): Weights {
    const out: Weights = [];
    for (let l = 0; l < this.w.length; l++) out.push(this.w[l].dataSync() as Float32Array, this.b[l].dataSync() as Float32Array);
    return out.map((a) => Float32Array.from(a));
  }

  setWeights(weights: Weights): void {
    const { tf } = this;
    tf.tidy(() => {
      for (let l = 0; l < this.w.length; l++) {
        this.w[l].assign(tf.tensor2d(weights[2 * l], [this.sizes[l], this.sizes[l + 1]], 'float32'));
        this.b[l].assign(tf.tensor1d(weights[2 * l + 1], 'float32'));
      }
    });
  }

  dispose(): void {
    for (const t of [...this.w, ...this.b, ...this.m, ...this.v, this.beta1Pow, this.beta2Pow, this.lossSum, this.x, this.y]) t.dispose();
    this.perm?.dispose();
    this.perm = null;
  }
}
