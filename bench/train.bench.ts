/**
 * Training speed of the reference MLP — 20 inputs, 64 relu, 64 relu, 1 sigmoid; Adam 1e-3;
 * batch 256; 200,000 synthetic rows — in rows per second:
 *   - Pipewright's trainer (nodes/train/network.ts) on the wasm backend (5 epochs) and the cpu
 *     backend (1 epoch: it is ~10x slower, the rate is what matters);
 *   - TensorFlow.js `model.fit` on wasm (1 epoch), the baseline the lean step replaces;
 *   - PyTorch on the CPU with one thread, measured in the same run (Debian's python3-torch).
 * Prints the ratio to PyTorch; the target is >= 0.3x. Run: npx tsx bench/train.bench.ts
 * (BENCH_ROWS=20000 for a quick look). Rates are given per wall-clock second and per CPU second
 * of the process: on a shared machine the CPU-time rates compare the code, not the neighbours.
 */
import { execFileSync } from 'node:child_process';
import { loadCompute } from '../main/compute/index';
import { trainNetwork, type NetworkSpec } from '../nodes/train/network';
import { seededRandom } from '../shared/random';

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);
const F = 20;
const EPOCHS = 5;
const BATCH = 256;
const SPEC: NetworkSpec = { inputs: F, hidden: [64, 64], activation: 'relu', outputs: 1, output: 'sigmoid' };

function synthetic(n: number): { x: Float32Array; y: Float32Array } {
  const r = seededRandom(1);
  const w = Array.from({ length: F }, () => r() * 2 - 1);
  const x = new Float32Array(n * F);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < F; j++) {
      const v = r() * 2 - 1;
      x[i * F + j] = v;
      s += v * w[j];
    }
    y[i] = s + 0.3 * Math.sin(5 * x[i * F]) > 0 ? 1 : 0;
  }
  return { x, y };
}

const PYTORCH = String.raw`
import sys, time
try:
    import torch
except ImportError:
    print("not installed"); sys.exit(0)
torch.set_num_threads(1)
torch.manual_seed(0)
n, f, epochs, batch = int(sys.argv[1]), 20, int(sys.argv[2]), 256
x = torch.rand(n, f) * 2 - 1
y = (x @ (torch.rand(f, 1) * 2 - 1) > 0).float()
model = torch.nn.Sequential(torch.nn.Linear(f, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = torch.nn.BCEWithLogitsLoss()
t = time.perf_counter()
c = time.process_time()
for e in range(epochs):
    perm = torch.randperm(n)
    for i in range(0, n, batch):
        idx = perm[i:i + batch]
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
dt = time.perf_counter() - t
dc = time.process_time() - c
print(n * epochs / dt, n * epochs / dc, float(loss))
`;

interface Rate {
  wall: number;
  cpu: number;
}

function pytorchRowsPerSecond(): Rate | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    try {
      const out = execFileSync(py, ['-c', PYTORCH, String(ROWS), String(EPOCHS)], { encoding: 'utf8', timeout: 900_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      if (out === 'not installed') continue;
      const [wall, cpu] = out.split(' ').map(Number);
      return { wall, cpu };
    } catch {
      // try the next interpreter
    }
  }
  return null;
}

const cpuSeconds = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;

async function pipewright(tf: Awaited<ReturnType<typeof loadCompute>>['tf'], data: { x: Float32Array; y: Float32Array }, epochs: number): Promise<Rate & { loss: number }> {
  const t = performance.now();
  const c = process.cpuUsage();
  const res = await trainNetwork(tf, SPEC, { x: data.x, y: data.y, n: ROWS, f: F }, { epochs, batchSize: BATCH, learningRate: 1e-3, random: seededRandom(2) });
  const s = (performance.now() - t) / 1000;
  const cs = cpuSeconds(process.cpuUsage(c));
  return { wall: (ROWS * epochs) / s, cpu: (ROWS * epochs) / cs, loss: res.history[res.history.length - 1].loss };
}

async function modelFit(tf: Awaited<ReturnType<typeof loadCompute>>['tf'], data: { x: Float32Array; y: Float32Array }): Promise<Rate> {
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [F], units: 64, activation: 'relu' }), tf.layers.dense({ units: 64, activation: 'relu' }), tf.layers.dense({ units: 1, activation: 'sigmoid' })],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'binaryCrossentropy' });
  const xs = tf.tensor2d(data.x, [ROWS, F]);
  const ys = tf.tensor2d(data.y, [ROWS, 1]);
  const t = performance.now();
  const c = process.cpuUsage();
  await model.fit(xs, ys, { epochs: 1, batchSize: BATCH, shuffle: true, verbose: 0 });
  const s = (performance.now() - t) / 1000;
  const cs = cpuSeconds(process.cpuUsage(c));
  xs.dispose();
  ys.dispose();
  model.dispose();
  return { wall: ROWS / s, cpu: ROWS / cs };
}

/** Where a step's time goes on this backend: the arithmetic alone vs the whole step. */
function matmulOnly(tf: Awaited<ReturnType<typeof loadCompute>>['tf']): number {
  const a = tf.randomUniform([BATCH, 64]);
  const w = tf.randomUniform([64, 64]);
  const reps = 300;
  const t = performance.now();
  for (let i = 0; i < reps; i++) tf.tidy(() => void tf.matMul(a, w).dataSync());
  const us = ((performance.now() - t) / reps) * 1000;
  a.dispose();
  w.dispose();
  return us;
}

(async () => {
  const { tf, backend } = await loadCompute();
  const data = synthetic(ROWS);
  const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
  console.log(`reference MLP 20-64-64-1, Adam 1e-3, batch ${BATCH}, ${ROWS.toLocaleString('en-US')} rows`);

  const show = (r: Rate): string => `${fmt(r.wall).padStart(9)} rows/s wall, ${fmt(r.cpu).padStart(9)} rows/CPU-s`;
  const torch = pytorchRowsPerSecond();
  console.log(`PyTorch CPU, 1 thread (${EPOCHS} epochs):        ${torch === null ? 'not installed' : show(torch)}`);

  if (backend !== 'wasm') await tf.setBackend('wasm');
  const wasm = await pipewright(tf, data, EPOCHS);
  console.log(`Pipewright trainer, wasm (${EPOCHS} epochs):       ${show(wasm)}  (${((BATCH / wasm.wall) * 1000).toFixed(2)} ms/step wall, final loss ${wasm.loss.toFixed(4)})`);
  const fit = await modelFit(tf, data);
  console.log(`tf.js model.fit, wasm (1 epoch):              ${show(fit)}  (${((BATCH / fit.wall) * 1000).toFixed(2)} ms/step wall)`);
  const mm = matmulOnly(tf);
  console.log(`  one 256x64 @ 64x64 matmul + read on wasm:   ${mm.toFixed(0)} us wall (a step is ~8 matmuls of this size plus ~15 small ops)`);

  await tf.setBackend('cpu');
  const cpu = await pipewright(tf, data, 1);
  console.log(`Pipewright trainer, cpu (1 epoch):            ${show(cpu)}`);

  console.log('');
  if (torch) {
    const ratio = (a: Rate): string => `${(a.wall / torch.wall).toFixed(2)}x wall, ${(a.cpu / torch.cpu).toFixed(2)}x CPU`;
    console.log(`ratio to PyTorch (target >= 0.3x): wasm ${ratio(wasm)}; model.fit ${ratio(fit)}; cpu ${ratio(cpu)}`);
  }
  console.log(`speed-up over model.fit on wasm: ${(wasm.wall / fit.wall).toFixed(2)}x wall, ${(wasm.cpu / fit.cpu).toFixed(2)}x CPU`);
})();
