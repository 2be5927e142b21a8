import { afterAll, describe, expect, it } from 'vitest';
import { makeTestContext } from '../../test/helpers/node-context';
import { seededRandom } from '../../shared/random';
import { GradientStep, initWeights, predictRows, trainNetwork, type NetworkSpec } from './network';

process.env.PIPEWRIGHT_BACKEND ??= 'wasm';

const ctxP = makeTestContext();
const loadCompute = async () => (await ctxP).compute();
afterAll(async () => (await ctxP).cleanup());

function xor(n: number, seed: number): { x: Float32Array; y: Float32Array } {
  const r = seededRandom(seed);
  const x = new Float32Array(n * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = r() * 2 - 1;
    const b = r() * 2 - 1;
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = a * b > 0 ? 1 : 0;
  }
  return { x, y };
}

describe('trainNetwork', () => {
  it('learns XOR with a hidden layer (the hand-written backward pass is right)', async () => {
    const { tf } = await loadCompute();
    const { x, y } = xor(400, 1);
    const spec: NetworkSpec = { inputs: 2, hidden: [16], activation: 'tanh', outputs: 1, output: 'sigmoid' };
    const res = await trainNetwork(tf, spec, { x, y, n: 400, f: 2 }, { epochs: 150, batchSize: 32, learningRate: 0.02, random: seededRandom(2) });
    const p = predictRows(tf, spec, res.weights, x, 400);
    let correct = 0;
    for (let i = 0; i < 400; i++) if ((p[i] >= 0.5 ? 1 : 0) === y[i]) correct++;
    expect(correct / 400).toBeGreaterThan(0.9);
  });

  it('trains with every hidden activation (the loss falls)', async () => {
    const { tf } = await loadCompute();
    const { x, y } = xor(200, 3);
    for (const activation of ['relu', 'tanh', 'sigmoid', 'elu', 'selu', 'linear'] as const) {
      const spec: NetworkSpec = { inputs: 2, hidden: [8, 8], activation, outputs: 1, output: 'sigmoid' };
      const res = await trainNetwork(tf, spec, { x, y, n: 200, f: 2 }, { epochs: 30, batchSize: 200, learningRate: 0.01, random: seededRandom(4) });
      const first = res.history[0].loss;
      const last = res.history[res.history.length - 1].loss;
      expect(last, activation).toBeLessThan(first);
    }
  });

  it('cancel: no batch runs after the signal is seen', async () => {
    const { tf } = await loadCompute();
    const { x, y } = xor(256, 5);
    const ac = new AbortController();
    let batches = 0;
    const run = trainNetwork(tf, { inputs: 2, hidden: [4], activation: 'relu', outputs: 1, output: 'sigmoid' }, { x, y, n: 256, f: 2 }, {
      epochs: 100,
      batchSize: 16,
      learningRate: 0.01,
      random: seededRandom(1),
      signal: ac.signal,
      yieldEveryMs: 0,
      yieldToEvents: async () => {
        batches++;
        if (batches === 3) ac.abort(new Error('stop'));
      },
    });
    await expect(run).rejects.toThrow('stop');
    expect(batches).toBe(3);
  });
});

describe('GradientStep', () => {
  /** The same loss written with TensorFlow.js ops, differentiated by tf.grads (autodiff). */
  function autodiff(tf: Awaited<ReturnType<typeof loadCompute>>['tf'], spec: NetworkSpec, weights: Float32Array[], bx: Float32Array, by: Float32Array, rows: number, masks: Float32Array[]): Float32Array[] {
    const sizes = [spec.inputs, ...spec.hidden, spec.outputs];
    return tf.tidy(() => {
      const vars = weights.map((w, i) => (i % 2 === 0 ? tf.tensor2d(w, [sizes[i / 2], sizes[i / 2 + 1]]) : tf.tensor1d(w)));
      const x = tf.tensor2d(bx.subarray(0, rows * spec.inputs), [rows, spec.inputs]);
      const y = tf.tensor2d(by.subarray(0, rows * spec.outputs), [rows, spec.outputs]);
      const act = (z: import('@tensorflow/tfjs').Tensor) => {
        switch (spec.activation) {
          case 'relu': return tf.relu(z);
          case 'tanh': return tf.tanh(z);
          case 'sigmoid': return tf.sigmoid(z);
          case 'elu': return tf.elu(z);
          case 'selu': return tf.selu(z);
          default: return z;
        }
      };
      const loss = (...ws: import('@tensorflow/tfjs').Tensor[]) => {
        let h: import('@tensorflow/tfjs').Tensor = x;
        for (let l = 0; l < spec.hidden.length; l++) {
          h = act(tf.add(tf.matMul(h as import('@tensorflow/tfjs').Tensor2D, ws[2 * l] as import('@tensorflow/tfjs').Tensor2D), ws[2 * l + 1]));
          if (masks.length) h = tf.mul(h, tf.tensor2d(masks[l].subarray(0, rows * spec.hidden[l]), [rows, spec.hidden[l]]));
        }
        const L = spec.hidden.length;
        const z = tf.add(tf.matMul(h as import('@tensorflow/tfjs').Tensor2D, ws[2 * L] as import('@tensorflow/tfjs').Tensor2D), ws[2 * L + 1]);
        // summed over rows, to match GradientStep's sums
        if (spec.output === 'sigmoid') return tf.sum(tf.sub(tf.add(tf.relu(z), tf.log1p(tf.exp(tf.neg(tf.abs(z))))), tf.mul(z, y)));
        if (spec.output === 'softmax') return tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(z))));
        return tf.mul(0.5, tf.sum(tf.square(tf.sub(z, y))));
      };
      return tf.grads(loss)(vars).map((g) => g.dataSync() as Float32Array);
    });
  }

  it('matches TensorFlow.js autodiff for every activation, output and dropout', async () => {
    const { tf } = await loadCompute();
    const rand = seededRandom(11);
    const rows = 12;
    const cases: NetworkSpec[] = [];
    for (const activation of ['relu', 'tanh', 'sigmoid', 'elu', 'selu', 'linear'] as const) cases.push({ inputs: 5, hidden: [7, 6], activation, outputs: 1, output: 'sigmoid' });
    cases.push({ inputs: 5, hidden: [], activation: 'linear', outputs: 3, output: 'softmax' });
    cases.push({ inputs: 5, hidden: [4], activation: 'tanh', outputs: 1, output: 'linear' });
    for (const spec of cases) {
      for (const dropout of spec.hidden.length ? [false, true] : [false]) {
        const weights = initWeights(spec, rand).map((w) => w.map(() => rand() - 0.5));
        const bx = new Float32Array(rows * spec.inputs).map(() => rand() * 4 - 2);
        const by = new Float32Array(rows * spec.outputs);
        for (let i = 0; i < rows; i++) {
          if (spec.output === 'softmax') by[i * 3 + Math.floor(rand() * 3)] = 1;
          else by[i] = spec.output === 'sigmoid' ? (rand() < 0.5 ? 1 : 0) : rand() * 2 - 1;
        }
        const masks = dropout ? spec.hidden.map((h) => new Float32Array(rows * h).map(() => (rand() < 0.3 ? 0 : 1 / 0.7))) : [];
        const grads = weights.map((w) => new Float32Array(w.length));
        new GradientStep(tf, spec, rows).run(weights, bx, by, rows, masks, grads, new Float32Array(rows * spec.outputs));
        const ref = autodiff(tf, spec, weights, bx, by, rows, masks);
        // the linear output's delta is p - y, half the squared error's gradient: ref uses 0.5·SE
        grads.forEach((g, i) => g.forEach((v, j) => expect(Math.abs(v - ref[i][j]), `${spec.activation}/${spec.output}${dropout ? '/dropout' : ''} grad ${i}[${j}]`).toBeLessThan(1e-4 * Math.max(1, Math.abs(ref[i][j])))));
      }
    }
  });
});
