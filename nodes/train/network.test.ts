import { afterAll, describe, expect, it } from 'vitest';
import { makeTestContext } from '../../test/helpers/node-context';
import { seededRandom } from '../../shared/random';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs';
import { chunksFor, CpuTrainer } from './cpu-step';
import { forwardRows, initWeights, predictRows, predictRowsAt, stepThreads, trainNetwork, trainNetworkOnThreads, type NetworkSpec } from './network';
import { dropoutMask, TensorTrainer } from './tensor-step';

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

describe('forwardRows (the plain-JavaScript forward pass a served request takes)', () => {
  it('equals the TensorFlow.js forward pass for every activation and output (probabilities to 1e-6)', async () => {
    const { tf } = await loadCompute();
    const r = seededRandom(11);
    const n = 300;
    const x = Float32Array.from({ length: n * 5 }, () => (r() * 2 - 1) * 3);
    for (const activation of ['relu', 'tanh', 'sigmoid', 'elu', 'selu', 'linear'] as const) {
      for (const [output, outputs] of [['sigmoid', 1], ['softmax', 4], ['linear', 1]] as const) {
        for (const hidden of [[], [16], [12, 7]]) {
          const spec: NetworkSpec = { inputs: 5, hidden, activation, outputs, output };
          // twice Glorot's weights, so the activations reach their curved parts
          const weights = initWeights(spec, seededRandom(hidden.length * 7 + outputs)).map((w) => w.map((v) => v * 2 + 0.05));
          const tfOut = predictRows(tf, spec, weights, x, n);
          const jsOut = forwardRows(spec, weights, x, n);
          let worst = 0;
          for (let i = 0; i < tfOut.length; i++) worst = Math.max(worst, Math.abs(tfOut[i] - jsOut[i]) / Math.max(1, Math.abs(tfOut[i])));
          // probabilities to 1e-6; a linear output (a standardised regression target) carries
          // TensorFlow.js's float32 sums through every layer: to 1e-5 of its size
          expect(worst, `${activation} → ${output} [${hidden.join(', ')}]`).toBeLessThanOrEqual(output === 'linear' ? 1e-5 : 1e-6);
          if (output === 'softmax') expect(jsOut.slice(0, 4).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
        }
      }
    }
  });
});

describe('predictRowsAt (validation rows scored where they are)', () => {
  it('equals predictRows on the same rows copied out, bit for bit, over several chunks and a ragged one', async () => {
    const { tf } = await loadCompute();
    const r = seededRandom(5);
    const f = 6;
    const n = 2000;
    const x = Float32Array.from({ length: n * f }, () => r() * 4 - 2);
    const spec: NetworkSpec = { inputs: f, hidden: [9, 5], activation: 'elu', outputs: 3, output: 'softmax' };
    const weights = initWeights(spec, seededRandom(6));
    // 733 rows in a shuffled order, scored in chunks of 256 (the last one ragged)
    const order = Uint32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const rows = order.subarray(n - 733);
    const copied = new Float32Array(rows.length * f);
    rows.forEach((row, k) => copied.set(x.subarray(row * f, row * f + f), k * f));
    const expected = predictRows(tf, spec, weights, copied, rows.length, 256);
    const got = predictRowsAt(tf, spec, weights, x, rows, 256);
    expect(got).toHaveLength(733 * 3);
    expect(Buffer.from(got.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    expect(predictRowsAt(tf, spec, weights, x, new Uint32Array(0))).toHaveLength(0);
  });
});

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

type TfNs = Awaited<ReturnType<typeof loadCompute>>['tf'];

/** The loss written with TensorFlow.js ops, differentiated by tf.grads (autodiff); gradients are sums over rows. */
function autodiff(tf: TfNs, spec: NetworkSpec, weights: Float32Array[], bx: Float32Array, by: Float32Array, rows: number, masks: Float32Array[]): Float32Array[] {
  const sizes = [spec.inputs, ...spec.hidden, spec.outputs];
  return tf.tidy(() => {
    const vars = weights.map((w, i) => (i % 2 === 0 ? tf.tensor2d(w, [sizes[i / 2], sizes[i / 2 + 1]]) : tf.tensor1d(w)));
    const x = tf.tensor2d(bx.subarray(0, rows * spec.inputs), [rows, spec.inputs]);
    const y = tf.tensor2d(by.subarray(0, rows * spec.outputs), [rows, spec.outputs]);
    const act = (z: Tensor) => {
      switch (spec.activation) {
        case 'relu': return tf.relu(z);
        case 'tanh': return tf.tanh(z);
        case 'sigmoid': return tf.sigmoid(z);
        case 'elu': return tf.elu(z);
        case 'selu': return tf.selu(z);
        default: return z;
      }
    };
    const loss = (...ws: Tensor[]) => {
      let h: Tensor = x;
      for (let l = 0; l < spec.hidden.length; l++) {
        h = act(tf.add(tf.matMul(h as Tensor2D, ws[2 * l] as Tensor2D), ws[2 * l + 1]));
        if (masks.length) h = tf.mul(h, tf.tensor2d(masks[l].subarray(0, rows * spec.hidden[l]), [rows, spec.hidden[l]]));
      }
      const L = spec.hidden.length;
      const z = tf.add(tf.matMul(h as Tensor2D, ws[2 * L] as Tensor2D), ws[2 * L + 1]);
      if (spec.output === 'sigmoid') return tf.sum(tf.sub(tf.add(tf.relu(z), tf.log1p(tf.exp(tf.neg(tf.abs(z))))), tf.mul(z, y)));
      if (spec.output === 'softmax') return tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(z))));
      return tf.mul(0.5, tf.sum(tf.square(tf.sub(z, y))));
    };
    return tf.grads(loss)(vars).map((g) => g.dataSync() as Float32Array);
  });
}

/** Every activation with two hidden layers, softmax without a hidden layer, a linear output. */
function gradientCases(): NetworkSpec[] {
  const cases: NetworkSpec[] = [];
  for (const activation of ['relu', 'tanh', 'sigmoid', 'elu', 'selu', 'linear'] as const) cases.push({ inputs: 5, hidden: [7, 6], activation, outputs: 1, output: 'sigmoid' });
  cases.push({ inputs: 5, hidden: [], activation: 'linear', outputs: 3, output: 'softmax' });
  cases.push({ inputs: 5, hidden: [4], activation: 'tanh', outputs: 1, output: 'linear' });
  cases.push({ inputs: 9, hidden: [13], activation: 'relu', outputs: 3, output: 'softmax' });
  return cases;
}

/** Random rows: inputs, raw targets (class index / 0-1 / value) and the same targets one-hot. */
function batchFor(spec: NetworkSpec, rows: number, rand: () => number): { bx: Float32Array; yRaw: Float32Array; by: Float32Array } {
  const bx = new Float32Array(rows * spec.inputs).map(() => rand() * 4 - 2);
  const yRaw = new Float32Array(rows);
  const by = new Float32Array(rows * spec.outputs);
  for (let i = 0; i < rows; i++) {
    if (spec.output === 'softmax') {
      yRaw[i] = Math.floor(rand() * spec.outputs);
      by[i * spec.outputs + yRaw[i]] = 1;
    } else by[i] = yRaw[i] = spec.output === 'sigmoid' ? (rand() < 0.5 ? 1 : 0) : rand() * 2 - 1;
  }
  return { bx, yRaw, by };
}

const close = (got: Float32Array[], want: Float32Array[], what: string, tol = 1e-4): void =>
  got.forEach((g, i) => g.forEach((v, j) => expect(Math.abs(v - want[i][j]), `${what} [${i}][${j}]: ${v} vs ${want[i][j]}`).toBeLessThan(tol * Math.max(1, Math.abs(want[i][j])))));

describe('CPU step (SIMD kernels)', () => {
  it('matches TensorFlow.js autodiff for every activation, output and dropout, over several chunks and a ragged one', async () => {
    const { tf } = await loadCompute();
    const rand = seededRandom(11);
    // 70 rows = chunks of 32, 32 and 6: full and partial row tiles
    const rows = 70;
    expect(chunksFor(rows)).toBe(3);
    for (const spec of gradientCases()) {
      for (const dropout of spec.hidden.length ? [false, true] : [false]) {
        const weights = initWeights(spec, rand).map((w) => w.map(() => rand() - 0.5));
        const { bx, yRaw, by } = batchFor(spec, rows, rand);
        const trainer = await CpuTrainer.create(spec, rows, { x: bx, y: yRaw, f: spec.inputs, n: rows }, { threads: 1, dropout, learningRate: 0.01, l2: 0 });
        trainer.setWeights(weights);
        trainer.setOrder(Uint32Array.from({ length: rows }, (_, i) => i));
        const masks = dropout ? spec.hidden.map((h) => new Float32Array(rows * h).map(() => (rand() < 0.3 ? 0 : 1 / 0.7))) : [];
        masks.forEach((m, l) => {
          const { view, width } = trainer.maskView(l, rows);
          for (let r = 0; r < rows; r++) view.set(m.subarray(r * spec.hidden[l], (r + 1) * spec.hidden[l]), r * width);
        });
        await trainer.computeGradients(0, rows);
        const ref = autodiff(tf, spec, weights, bx, by, rows, masks);
        // the linear output's delta is p - y, half the squared error's gradient: ref uses 0.5·SE
        close(trainer.gradients(), ref, `${spec.activation}/${spec.output}${dropout ? '/dropout' : ''}`);
        expect(trainer.weights()).toEqual(weights);
        await trainer.close();
      }
    }
  });

  it('trains to the same weights and losses on 2 threads as on 1, bit for bit (dropout, l2, a ragged last batch)', async () => {
    const { tf, startStepHelpers } = await loadCompute();
    const { x, y } = xor(1000, 7);
    const spec: NetworkSpec = { inputs: 2, hidden: [24, 16], activation: 'relu', outputs: 1, output: 'sigmoid' };
    const opts = { epochs: 3, batchSize: 200, learningRate: 0.01, l2: 0.001, dropout: 0.2, startHelpers: startStepHelpers };
    const one = await trainNetwork(tf, spec, { x, y, n: 1000, f: 2 }, { ...opts, threads: 1, random: seededRandom(3) });
    // stepThreads keeps data this small on one thread: force two by calling the trainer directly
    const two = await trainNetworkOnThreads(tf, spec, { x, y, n: 1000, f: 2 }, { ...opts, random: seededRandom(3) }, 2);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.history).toEqual(one.history);
    expect(two.weights).toEqual(one.weights);
  });

  it('chooses threads by size: small data stays on one thread, the reference MLP uses every core offered', () => {
    const ref: NetworkSpec = { inputs: 20, hidden: [64, 64], activation: 'relu', outputs: 1, output: 'sigmoid' };
    expect(stepThreads(ref, 569, 50, 64, 8)).toBe(1);
    expect(stepThreads(ref, 200_000, 5, 256, 2)).toBe(2);
    expect(stepThreads(ref, 200_000, 5, 256, 1)).toBe(1);
    expect(stepThreads(ref, 200_000, 5, 256, 64)).toBe(chunksFor(256));
    expect(stepThreads({ ...ref, hidden: [] }, 200_000, 5, 16, 8)).toBe(1);
  });
});

describe('tensor step (parameters and Adam state on the device; cpu backend)', () => {
  async function onCpu<T>(fn: (tf: TfNs) => Promise<T>): Promise<T> {
    const { tf } = await loadCompute();
    const was = tf.getBackend();
    await tf.setBackend('cpu');
    try {
      return await fn(tf);
    } finally {
      await tf.setBackend(was);
    }
  }

  it('matches TensorFlow.js autodiff for every activation, output and dropout', async () => {
    await onCpu(async (tf) => {
      const rand = seededRandom(12);
      const rows = 19;
      for (const spec of gradientCases()) {
        for (const dropout of spec.hidden.length ? [0, 0.3] : [0]) {
          const weights = initWeights(spec, rand).map((w) => w.map(() => rand() - 0.5));
          const { bx, yRaw, by } = batchFor(spec, rows, rand);
          const trainer = new TensorTrainer(tf, spec, weights, { x: bx, y: yRaw, n: rows }, { learningRate: 0.01, l2: 0, dropout });
          const seeds = spec.hidden.map((_, l) => 100 + l);
          const masks = dropout ? spec.hidden.map((h, l) => tf.tidy(() => dropoutMask(tf, rows, h, dropout, seeds[l]).dataSync() as Float32Array)) : [];
          const got = tf.tidy(() => {
            const g = trainer.gradients(tf.tensor2d(bx, [rows, spec.inputs]), tf.tensor2d(by, [rows, spec.outputs]), seeds);
            return g.grads.flatMap((w, l) => [w.dataSync() as Float32Array, g.biasGrads[l].dataSync() as Float32Array]);
          });
          close(got, autodiff(tf, spec, weights, bx, by, rows, masks), `${spec.activation}/${spec.output}${dropout ? '/dropout' : ''}`);
          trainer.dispose();
        }
      }
    });
  });

  it('trains to the weights and losses of the CPU engine for the same seed, to float tolerance', async () => {
    await onCpu(async (tf) => {
      const { x, y } = xor(600, 9);
      const spec: NetworkSpec = { inputs: 2, hidden: [16, 8], activation: 'tanh', outputs: 1, output: 'sigmoid' };
      const opts = { epochs: 4, batchSize: 64, learningRate: 0.01, l2: 0.001 };
      const cpu = await trainNetwork(tf, spec, { x, y, n: 600, f: 2 }, { ...opts, engine: 'cpu', random: seededRandom(5) });
      const dev = await trainNetwork(tf, spec, { x, y, n: 600, f: 2 }, { ...opts, engine: 'tensor', random: seededRandom(5) });
      expect(dev.engine).toBe('tensor');
      dev.history.forEach((h, i) => expect(Math.abs(h.loss - cpu.history[i].loss)).toBeLessThan(1e-4));
      close(dev.weights, cpu.weights, 'weights', 1e-3);
    });
  });

  it('reads nothing back inside an epoch: one loss read per epoch, plus a wait every settleEvery steps', async () => {
    await onCpu(async (tf) => {
      const { x, y } = xor(640, 10);
      const spec: NetworkSpec = { inputs: 2, hidden: [8], activation: 'relu', outputs: 1, output: 'sigmoid' };
      // the engine's reads are what Tensor.data()/dataSync() do: the host waiting for the device
      const backend = tf.engine() as unknown as { readSync: (...a: unknown[]) => unknown; read: (...a: unknown[]) => unknown };
      const { readSync, read } = backend;
      let reads = 0;
      backend.readSync = (...a) => (reads++, readSync.apply(backend, a));
      backend.read = (...a) => (reads++, read.apply(backend, a));
      const before = tf.memory().numTensors;
      const epochs: number[] = [];
      try {
        // 640 rows / 32 = 20 steps per epoch, 60 in all; a wait every 25 steps
        await trainNetwork(tf, spec, { x, y, n: 640, f: 2 }, {
          epochs: 3,
          batchSize: 32,
          learningRate: 0.01,
          engine: 'tensor',
          settleEvery: 25,
          random: seededRandom(1),
          onEpoch: () => epochs.push(reads),
        });
      } finally {
        backend.readSync = readSync;
        backend.read = read;
      }
      // epoch e: its loss (1) + the waits at steps 25 and 50 that fall in it
      expect(epochs).toEqual([1, 3, 5]);
      // then the final weights: W and b of two layers
      expect(reads).toBe(5 + 4);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});
