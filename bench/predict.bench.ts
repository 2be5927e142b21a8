/**
 * Batch prediction (issue 11): rows/s for the 1,000,000-row bench CSV through `pipewright predict
 * --model-file` (a child process on the built CLI: start, model load, CSV read, the row-wise chain,
 * the network, CSV write), beside scikit-learn's `predict_proba` on the same model shape
 * (StandardScaler + LogisticRegression on the same 20 features) in the same run. Also printed:
 * the in-process predict of the same rows (validation, chain and network only) against
 * predict_proba alone, and both end to end (file in, file out). The load average is printed
 * beside the figures (a shared 2-core machine mostly measures waiting for a core).
 *
 * The model: a pipeline trained on the first 20,000 rows (label: c1 + c2 > 1000), with select,
 * split, standardize and logistic regression, registered and exported with `models export`.
 *
 * Run: npm run bench -- predict   (the CSV is generated once into .bench/; the CLI is rebuilt first)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_CSV, generateBenchCsv, ROWS } from './bench-csv';
import { parseCsv } from '../test/helpers/csv';
import { pythonWith } from '../test/helpers/python';

const root = join(__dirname, '..');
const cli = join(root, 'bin', 'pipewright.cjs');
const TRAIN_ROWS = 20_000;
const load = (): string => loadavg()[0].toFixed(2);
const rate = (rows: number, s: number): string => `${Math.round(rows / s).toLocaleString('en')} rows/s`;

function pipewright(args: string[], cwd: string): { out: string; seconds: number } {
  const t = performance.now();
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`pipewright ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { out: r.stdout, seconds };
}

/** Trains, registers and exports the model; returns the model file. */
function modelFile(work: string): string {
  const { header, rows } = parseCsv(readFileSync(BENCH_CSV, 'utf8'), TRAIN_ROWS);
  const labelled = rows.map((f) => `${f.join(',')},${Number(f[1]) + Number(f[2]) > 1000 ? 'yes' : 'no'}`);
  writeFileSync(join(work, 'train.csv'), `${header.join(',')},label\n${labelled.join('\n')}\n`);
  writeFileSync(
    join(work, 'model.pipeline.yaml'),
    `apiVersion: pipewright/v1
kind: Pipeline
metadata:
  name: bench-model
nodes:
  load:
    type: data.csv
    params:
      path: train.csv
  features:
    type: features.select
    inputs:
      table: load.table
    params:
      exclude: [c0]
  split:
    type: features.split
    inputs:
      table: features.table
    params:
      testFraction: 0.2
      seed: 1
  scale:
    type: features.standardize
    inputs:
      train: split.train
      test: split.test
    params:
      exclude: [label]
  train:
    type: train.logistic_regression
    inputs:
      train: scale.train
    params:
      label: label
      epochs: 20
  evaluate:
    type: evaluate.classification
    inputs:
      model: train.model
      test: scale.test
    params:
      label: label
  register:
    type: deploy.register
    inputs:
      model: train.model
    params:
      name: bench-model
`,
  );
  pipewright(['run', 'model.pipeline.yaml'], work);
  pipewright(['models', 'export', 'bench-model', '--project', 'model.pwproj', '-o', 'model.json'], work);
  return join(work, 'model.json');
}

/** In-process: the served model on typed columns already in memory (what predict does after reading). */
async function inProcess(file: string): Promise<{ seconds: number; backend: string }> {
  const { loadModelFile } = await import('../main/registry/serving-model');
  const { createDataEngine } = await import('../main/data/duck-engine');
  const { loadCompute } = await import('../main/compute');
  const scratch = mkdtempSync(join(tmpdir(), 'pw-bench-predict-'));
  const engine = await createDataEngine({ tmpDir: scratch });
  try {
    const model = await loadModelFile(file);
    const table = await engine.readCsv(BENCH_CSV, { header: true, types: {} });
    const columns = await engine.readColumns({ kind: 'table', path: table, hash: '', meta: {} });
    // warm-up: backend kernels
    const head = columns.map((c) => (c.numeric ? { ...c, values: c.values.slice(0, 1000) } : { ...c, values: c.values.slice(0, 1000) }));
    await model.predictData(head, 1000);
    const t = performance.now();
    const p = await model.predictData(columns, ROWS);
    const seconds = (performance.now() - t) / 1000;
    if (p.task === 'regression' || p.labels.length !== ROWS) throw new Error('unexpected prediction');
    return { seconds, backend: (await loadCompute()).backend };
  } finally {
    await engine.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function sklearn(py: string, work: string): { predictProba: number; endToEnd: number; version: string } {
  const script = `
import sys, time, numpy as np, pandas as pd, sklearn
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import LogisticRegression
train = pd.read_csv(sys.argv[1], nrows=${TRAIN_ROWS})
X = train.drop(columns=['c0']).to_numpy()
y = (train['c1'] + train['c2'] > 1000).to_numpy()
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=200)).fit(X, y)
t0 = time.perf_counter()
df = pd.read_csv(sys.argv[1])
t1 = time.perf_counter()
p = model.predict_proba(df.drop(columns=['c0']).to_numpy())
t2 = time.perf_counter()
df['label'] = np.where(p[:, 1] >= 0.5, 'yes', 'no'); df['score_no'] = p[:, 0]; df['score_yes'] = p[:, 1]
df.to_csv(sys.argv[2], index=False)
t3 = time.perf_counter()
print(t2 - t1, t3 - t0, sklearn.__version__)
`;
  const r = spawnSync(py, ['-c', script, BENCH_CSV, join(work, 'sklearn-out.csv')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scikit-learn failed: ${r.stderr}`);
  const [a, b, v] = r.stdout.trim().split(/\s+/);
  return { predictProba: Number(a), endToEnd: Number(b), version: v };
}

async function main(): Promise<void> {
  if (!existsSync(BENCH_CSV)) await generateBenchCsv();
  const build = spawnSync('npm', ['run', 'build:node'], { cwd: root, stdio: 'ignore' });
  if (build.status !== 0) throw new Error('npm run build:node failed');
  const work = mkdtempSync(join(tmpdir(), 'pw-bench-predict-'));
  try {
    console.log(`input: ${BENCH_CSV} (${ROWS.toLocaleString('en')} rows, ${(statSync(BENCH_CSV).size / 2 ** 20).toFixed(0)} MiB); load average at start ${load()} on ${cpus().length} cores`);
    const file = modelFile(work);
    const cliRun = pipewright(['predict', '--model-file', file, '--in', BENCH_CSV, '--out', join(work, 'out.csv'), '--json'], work);
    const summary = JSON.parse(cliRun.out) as { rows: number; durationMs: number };
    if (summary.rows !== ROWS) throw new Error(`predict wrote ${summary.rows} rows`);
    console.log(`pipewright predict (CSV in, CSV out, child process): ${cliRun.seconds.toFixed(2)} s wall = ${rate(ROWS, cliRun.seconds)}; the command's own time ${(summary.durationMs / 1000).toFixed(2)} s; load ${load()}`);
    const mem = await inProcess(file);
    console.log(`pipewright in-process predict of 1M rows in memory (validate, chain, network: plain JavaScript for a network this small, else ${mem.backend}): ${mem.seconds.toFixed(2)} s = ${rate(ROWS, mem.seconds)}; load ${load()}`);
    const py = pythonWith('sklearn');
    if (!py) {
      console.log('scikit-learn: not installed (apt-get install -y python3-sklearn); no ratio');
      return;
    }
    const sk = sklearn(py, work);
    console.log(`scikit-learn ${sk.version} predict_proba on 1M rows in memory: ${sk.predictProba.toFixed(2)} s = ${rate(ROWS, sk.predictProba)}; load ${load()}`);
    console.log(`scikit-learn end to end (pandas read_csv, predict_proba, to_csv): ${sk.endToEnd.toFixed(2)} s = ${rate(ROWS, sk.endToEnd)}`);
    console.log(`ratios (pipewright time / scikit-learn time): in memory ${(mem.seconds / sk.predictProba).toFixed(2)}×; end to end ${(cliRun.seconds / sk.endToEnd).toFixed(2)}×`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
