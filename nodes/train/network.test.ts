import { afterAll, describe, expect, it } from 'vitest';
import { makeTestContext } from '../../test/helpers/node-context';
import { seededRandom } from '../../shared/random';
import { predictRows, trainNetwork, type NetworkSpec } from './network';

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
