/**
 * Training speed (issue 16). In one run:
 *   1. the reference MLP — 20 inputs, 64 relu, 64 relu, 1 sigmoid; Adam 1e-3; batch 256; 200,000
 *      rows; 5 epochs — as a user runs it: `pipewright run` of data.csv -> train.mlp, the figure
 *      being the train node's durationMs (what the user waits for), on 1 thread
 *      (PIPEWRIGHT_PARALLEL=1) and on every core; against PyTorch on the CPU with 1 and 2
 *      threads on the same rows, measured in the same run. Target: ratio >= 1.0 against
 *      PyTorch's best.
 *   2. the same training called in-process (wall and CPU-second rates; CPU seconds count every
 *      thread of the process), to tell the code from the neighbours on a shared machine.
 *   3. peak RSS of `pipewright run` training on the 1M-row bench CSV (the CSV's own size beside it).
 *   4. a GPU-shaped MLP (20-1024-1024-1, batch 4096) on every engine and backend that loads.
 * Every figure has the 1-minute load average beside it. PyTorch is Debian's python3-torch
 * (`apt-get install python3-torch`); without it those lines say "not installed".
 *
 * Run: npm run bench -- train   (BENCH_ROWS=20000 for a quick look)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCompute } from '../main/compute/index';
import { trainNetwork, trainNetworkOnThreads, type NetworkSpec, type TrainOptions } from '../nodes/train/network';
import { seededRandom } from '../shared/random';

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);
const F = 20;
const EPOCHS = 5;
const BATCH = 256;
const SPEC: NetworkSpec = { inputs: F, hidden: [64, 64], activation: 'relu', outputs: 1, output: 'sigmoid' };
const root = join(__dirname, '..');
const benchDir = join(root, '.bench');
const work = mkdtempSync(join(tmpdir(), 'pw-bench-train-'));
const cli = join(root, 'bin', 'pipewright.cjs');

const load = (): string => `load ${loadavg()[0].toFixed(1)}`;
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US').padStart(9);

interface Rate {
  wall: number;
  cpu?: number;
}
const show = (r: Rate | null): string => (r ? `${fmt(r.wall)} rows/s wall${r.cpu ? `, ${fmt(r.cpu)} rows/CPU-s` : ''}` : 'not installed');

/** The rows of the reference task: uniform inputs, a label from a hidden linear rule plus a wiggle. */
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

/** The same rows as a CSV (PyTorch reads it too, so both train on identical data). */
function writeCsv(path: string, data: { x: Float32Array; y: Float32Array }): void {
  const header = [...Array.from({ length: F }, (_, j) => `x${j}`), 'y'].join(',');
  const lines = [header];
  for (let i = 0; i < ROWS; i++) {
    const row: string[] = [];
    for (let j = 0; j < F; j++) row.push(String(data.x[i * F + j]));
    row.push(String(data.y[i]));
    lines.push(row.join(','));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** data.csv -> train.mlp with these params (or data.csv alone, for its own figures). */
function pipelineYaml(csv: string, train: Record<string, unknown> | null): string {
  const params = Object.entries(train ?? {}).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`).join('\n');
  const head = `apiVersion: pipewright/v1
kind: Pipeline
metadata:
  name: bench-train
nodes:
  load:
    type: data.csv
    params:
      path: ${JSON.stringify(csv)}
`;
  return train ? `${head}  train:\n    type: train.mlp\n    inputs:\n      train: load.table\n    params:\n${params}\n` : head;
}

const rowsPerSecond = (rows: number, ms: number | null): number => (ms ? rows / (ms / 1000) : 0);

interface RunFigures {
  trainMs: number | null;
  peakRssMb: number | null;
  /** user + system CPU seconds of the whole run (every node, every thread) */
  cpuSeconds: number | null;
}

/** `pipewright run` in a fresh process; the train node's durationMs and the process's peak RSS. */
function pipewrightRun(yamlPath: string, env: Record<string, string>): RunFigures {
  const time = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', 'PEAK_RSS_KB %M CPU_S %U %S'] : [];
  const cmd = [...time, process.execPath, cli, 'run', yamlPath, '--no-cache', '--json'];
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`pipewright run failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const doc = JSON.parse(r.stdout) as { nodes: Record<string, { durationMs: number; status: string }> };
  const rss = /PEAK_RSS_KB (\d+) CPU_S ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { trainMs: doc.nodes.train?.durationMs ?? null, peakRssMb: rss ? Number(rss[1]) / 1024 : null, cpuSeconds: rss ? Number(rss[2]) + Number(rss[3]) : null };
}

const PYTORCH = String.raw`
import sys, time
try:
    import torch
except ImportError:
    print("not installed"); sys.exit(0)
path, epochs, batch, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
hidden = [int(h) for h in sys.argv[5].split(",")]
steps = int(sys.argv[6])
torch.set_num_threads(threads)
torch.manual_seed(0)
if path == "synthetic":
    n = int(sys.argv[7])
    x = torch.rand(n, 20) * 2 - 1
    y = (x @ (torch.rand(20, 1) * 2 - 1) > 0).float()
else:
    import numpy
    d = torch.from_numpy(numpy.loadtxt(path, delimiter=",", skiprows=1, dtype=numpy.float32))
    x, y = d[:, :-1], d[:, -1:]
    x = (x - x.mean(0)) / x.std(0)
n, f = x.shape
layers, prev = [], f
for h in hidden:
    layers += [torch.nn.Linear(prev, h), torch.nn.ReLU()]
    prev = h
model = torch.nn.Sequential(*layers, torch.nn.Linear(prev, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = torch.nn.BCEWithLogitsLoss()
t = time.perf_counter()
c = time.process_time()
done = 0
for e in range(epochs):
    perm = torch.randperm(n)
    for i in range(0, n, batch):
        idx = perm[i:i + batch]
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
        done += len(idx)
        if steps and done >= steps * batch:
            break
dt = time.perf_counter() - t
dc = time.process_time() - c
print(done / dt, done / dc, float(loss))
`;

function pytorch(args: { path: string; epochs: number; batch: number; threads: number; hidden: number[]; steps?: number; rows?: number }): Rate | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      const out = execFileSync(py, ['-c', PYTORCH, args.path, String(args.epochs), String(args.batch), String(args.threads), args.hidden.join(','), String(args.steps ?? 0), String(args.rows ?? 0)], {
        encoding: 'utf8',
        timeout: 1_800_000,
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
      if (out === 'not installed') continue;
      const [wall, cpu] = out.split(' ').map(Number);
      return { wall, cpu };
    } catch {
      // the next interpreter
    }
  }
  return null;
}

const cpuSeconds = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;

async function inProcess(run: () => Promise<{ rows: number }>): Promise<Rate> {
  const t = performance.now();
  const c = process.cpuUsage();
  const { rows } = await run();
  const s = (performance.now() - t) / 1000;
  return { wall: rows / s, cpu: rows / cpuSeconds(process.cpuUsage(c)) };
}

/** The bench CSV of csv.bench.ts (1M rows × 21 numeric columns), made here when absent. */
async function millionRowCsv(): Promise<string> {
  const file = join(benchDir, 'numeric-1000000x21.csv');
  if (existsSync(file)) return file;
  mkdirSync(benchDir, { recursive: true });
  const tmp = `${file}.train-tmp`;
  const out = createWriteStream(tmp);
  const rand = seededRandom(1);
  out.write(`${Array.from({ length: 21 }, (_, j) => `c${j}`).join(',')}\n`);
  for (let start = 0; start < 1_000_000; start += 10_000) {
    let text = '';
    for (let i = start; i < start + 10_000; i++) text += `${[String(i), ...Array.from({ length: 20 }, () => (rand() * 1000).toFixed(4))].join(',')}\n`;
    if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  renameSync(tmp, file);
  return file;
}

async function main(): Promise<void> {
  const cores = availableParallelism();
  console.log(`machine: ${cores} cores (${cpus()[0]?.model ?? '?'}), ${load()}`);
  console.log(`reference MLP 20-64-64-1, Adam 1e-3, batch ${BATCH}, ${ROWS.toLocaleString('en-US')} rows, ${EPOCHS} epochs`);
  if (!existsSync(join(root, 'dist', 'step-worker.cjs'))) throw new Error('run npm run build:node first (the CLI and its workers are timed)');

  const data = synthetic(ROWS);
  const csv = join(work, 'train.csv');
  writeCsv(csv, data);
  const yamlPath = join(work, 'train.pipeline.yaml');
  writeFileSync(yamlPath, pipelineYaml(csv, { label: 'y', hiddenUnits: [64, 64], batchSize: BATCH, epochs: EPOCHS, learningRate: 0.001, seed: 1 }));

  // 1. What the user waits for, then PyTorch on the same file, alternating to share the load.
  const rowsSeen = ROWS * EPOCHS;
  const one = pipewrightRun(yamlPath, { PIPEWRIGHT_PARALLEL: '1' });
  // CPU seconds are the whole process's (reading the CSV too): a lower bound on the node's rate.
  const perCpu = (r: RunFigures): number | undefined => (r.cpuSeconds ? rowsSeen / r.cpuSeconds : undefined);
  console.log(`pipewright run, train node, 1 thread:        ${show({ wall: rowsPerSecond(rowsSeen, one.trainMs), cpu: perCpu(one) })} of the whole run  (${one.trainMs} ms, ${load()})`);
  const all = pipewrightRun(yamlPath, {});
  console.log(`pipewright run, train node, ${cores} cores:        ${show({ wall: rowsPerSecond(rowsSeen, all.trainMs), cpu: perCpu(all) })} of the whole run  (${all.trainMs} ms, ${load()})`);
  const torch1 = pytorch({ path: csv, epochs: EPOCHS, batch: BATCH, threads: 1, hidden: [64, 64] });
  console.log(`PyTorch CPU, 1 thread (training loop only):   ${show(torch1)}  (${load()})`);
  const torch2 = pytorch({ path: csv, epochs: EPOCHS, batch: BATCH, threads: 2, hidden: [64, 64] });
  console.log(`PyTorch CPU, 2 threads (training loop only):  ${show(torch2)}  (${load()})`);

  // 2. The trainer in this process: wall and CPU-second rates.
  const { tf } = await loadCompute();
  const { startStepHelpers } = await loadCompute();
  const opts: TrainOptions = { epochs: EPOCHS, batchSize: BATCH, learningRate: 1e-3, random: seededRandom(2) };
  const d = { x: data.x, y: data.y, n: ROWS, f: F };
  const in1 = await inProcess(async () => (await trainNetwork(tf, SPEC, d, { ...opts, random: seededRandom(2) }), { rows: rowsSeen }));
  console.log(`in-process trainer, 1 thread:                 ${show(in1)}  (${load()})`);
  const inAll = await inProcess(async () => (await trainNetworkOnThreads(tf, SPEC, d, { ...opts, random: seededRandom(2), startHelpers: startStepHelpers }, cores), { rows: rowsSeen }));
  console.log(`in-process trainer, ${cores} threads:                ${show(inAll)}  (${load()})`);

  const best = [torch1, torch2].filter((r): r is Rate => r !== null).sort((a, b) => b.wall - a.wall)[0];
  console.log('');
  if (best) {
    const node = rowsPerSecond(rowsSeen, all.trainMs);
    const bestCpu = Math.max(torch1?.cpu ?? 0, torch2?.cpu ?? 0);
    console.log(`RATIO to PyTorch's best (target >= 1.0): pipewright run ${(node / best.wall).toFixed(2)}x wall (1 thread ${(rowsPerSecond(rowsSeen, one.trainMs) / best.wall).toFixed(2)}x); in-process ${(inAll.wall / best.wall).toFixed(2)}x wall, ${((inAll.cpu ?? 0) / bestCpu).toFixed(2)}x per CPU-second  (${load()})`);
    console.log('  (the node figure also pays for reading the table, loading the backend and storing the model; PyTorch\'s is its training loop alone)');
  }

  // 3. Peak RSS training on the 1M-row bench CSV.
  const big = await millionRowCsv();
  const bigYaml = join(work, 'big.pipeline.yaml');
  writeFileSync(bigYaml, pipelineYaml(big, { label: 'c20', task: 'regression', hiddenUnits: [64, 64], batchSize: BATCH, epochs: 1, learningRate: 0.001, seed: 1 }));
  const csvMb = statSync(big).size / 2 ** 20;
  const rss = (mb: number | null): string => (mb === null ? 'unknown (no /usr/bin/time)' : `${mb.toFixed(0)} MB = ${(mb / csvMb).toFixed(2)}x the CSV`);
  const csvOnlyYaml = join(work, 'csv-only.pipeline.yaml');
  writeFileSync(csvOnlyYaml, pipelineYaml(big, null));
  // Peak RSS varies by 10-20 MB from run to run (when V8 and DuckDB's allocator give memory back):
  // three runs each, and the worst of them is the figure.
  const worst = (runs: RunFigures[]): number | null => (runs.some((r) => r.peakRssMb === null) ? null : Math.max(...runs.map((r) => r.peakRssMb ?? 0)));
  const each = (runs: RunFigures[]): string => runs.map((r) => r.peakRssMb?.toFixed(0) ?? '?').join(', ');
  const csvOnly = [1, 2, 3].map(() => pipewrightRun(csvOnlyYaml, {}));
  const csvLoad = load();
  const bigRuns = [1, 2, 3].map(() => pipewrightRun(bigYaml, {}));
  console.log('');
  console.log(`peak RSS on the 1M x 21 bench CSV (${csvMb.toFixed(0)} MB on disk; target <= 2x), the worst of 3 runs:`);
  console.log(`  pipewright run data.csv alone:              ${rss(worst(csvOnly))}  (runs: ${each(csvOnly)} MB; ${csvLoad})`);
  console.log(`  pipewright run data.csv -> train.mlp:       ${rss(worst(bigRuns))}  (runs: ${each(bigRuns)} MB); train node ${bigRuns.map((r) => r.trainMs).join(', ')} ms for 1 epoch  (${load()})`);
  console.log(`peak RSS, the 200k-row reference run above: ${all.peakRssMb?.toFixed(0) ?? '?'} MB`);

  // 4. GPU-shaped: 20-1024-1024-1, batch 4096, a few steps on each engine that loads.
  console.log('');
  console.log('GPU-shaped MLP 20-1024-1024-1, batch 4096 (a figure for a GPU to beat):');
  const gpuSpec: NetworkSpec = { ...SPEC, hidden: [1024, 1024] };
  const gpuBatch = 4096;
  const steps = Number(process.env.BENCH_GPU_STEPS ?? 4);
  const gRows = gpuBatch * steps;
  const gd = { x: data.x.subarray(0, gRows * F), y: data.y.subarray(0, gRows), n: gRows, f: F };
  const gOpts: TrainOptions = { epochs: 1, batchSize: gpuBatch, learningRate: 1e-3, random: seededRandom(2) };
  const g1 = await inProcess(async () => (await trainNetwork(tf, gpuSpec, gd, gOpts), { rows: gRows }));
  console.log(`  Pipewright CPU kernels, 1 thread:           ${show(g1)}  (${load()})`);
  const gAll = await inProcess(async () => (await trainNetworkOnThreads(tf, gpuSpec, gd, { ...gOpts, random: seededRandom(2), startHelpers: startStepHelpers }, cores), { rows: gRows }));
  console.log(`  Pipewright CPU kernels, ${cores} threads:          ${show(gAll)}  (${load()})`);
  for (const backend of ['tensorflow', 'wasm', 'cpu']) {
    let ok: boolean;
    try {
      if (backend === 'tensorflow') await import('@tensorflow/tfjs-node' as string);
      ok = await tf.setBackend(backend);
    } catch {
      ok = false;
    }
    if (!ok || tf.getBackend() !== backend) {
      console.log(`  TensorFlow.js ops on ${backend.padEnd(10)}:        does not load here`);
      continue;
    }
    // TensorFlow.js's wasm and plain-JavaScript kernels are ~10-100x slower here: one step says enough
    const n = backend === 'tensorflow' ? gRows : gpuBatch;
    const r = await inProcess(async () => (await trainNetwork(tf, gpuSpec, { ...gd, n }, { ...gOpts, engine: 'tensor', random: seededRandom(2) }), { rows: n }));
    console.log(`  TensorFlow.js ops on ${backend.padEnd(10)} (device-resident step): ${show(r)}  (${n / gpuBatch} steps, ${load()})`);
  }
  const tg1 = pytorch({ path: 'synthetic', epochs: 1, batch: gpuBatch, threads: 1, hidden: [1024, 1024], steps, rows: gRows });
  console.log(`  PyTorch CPU, 1 thread:                      ${show(tg1)}  (${load()})`);
  const tg2 = pytorch({ path: 'synthetic', epochs: 1, batch: gpuBatch, threads: 2, hidden: [1024, 1024], steps, rows: gRows });
  console.log(`  PyTorch CPU, 2 threads:                     ${show(tg2)}  (${load()})`);
}

main()
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
