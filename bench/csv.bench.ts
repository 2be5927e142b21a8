/**
 * Reading a 1,000,000-row × 21-column numeric CSV (~190 MB) into the engine's table artifact
 * (the data.csv node: strict DuckDB read_csv -> Parquet file), against pandas.read_csv on the
 * same file in the same run. Target (issue 3): no slower than pandas.
 *
 * Run: npx tsx bench/csv.bench.ts   (the CSV is generated once into .bench/)
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import csv from '../nodes/data/csv.node';
import { seededRandom } from '../shared/random';
import { makeTestContext, runNode } from '../test/helpers/node-context';

const ROWS = 1_000_000;
const COLS = 21;
const root = join(__dirname, '..');
const dir = join(root, '.bench');
const file = join(dir, `numeric-${ROWS}x${COLS}.csv`);

async function generate(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.tmp`;
  const out = createWriteStream(tmp);
  const rand = seededRandom(1);
  out.write(`${Array.from({ length: COLS }, (_, j) => `c${j}`).join(',')}\n`);
  const batch = 10_000;
  for (let start = 0; start < ROWS; start += batch) {
    let text = '';
    for (let i = start; i < start + batch; i++) {
      const row: string[] = [];
      for (let j = 0; j < COLS; j++) row.push(j === 0 ? String(i) : (rand() * 1000).toFixed(4));
      text += `${row.join(',')}\n`;
    }
    if (!out.write(text)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  renameSync(tmp, file);
}

function pythonWithPandas(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import pandas; print(pandas.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}

function timePandas(py: string): { seconds: number; cpu: number; rows: number; version: string } {
  const script = [
    'import sys, time, pandas',
    't = time.perf_counter()',
    'c = time.process_time()',
    'df = pandas.read_csv(sys.argv[1])',
    'print(time.perf_counter() - t, time.process_time() - c, len(df), pandas.__version__)',
  ].join('\n');
  const r = spawnSync(py, ['-c', script, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pandas failed: ${r.stderr}`);
  const [s, cpu, n, v] = r.stdout.trim().split(/\s+/);
  return { seconds: Number(s), cpu: Number(cpu), rows: Number(n), version: v };
}

let columnIo = true;

async function timeEngine(): Promise<{ seconds: number; cpu: number; hashSeconds: number; rows: number; bytes: number }> {
  const ctx = await makeTestContext({ nodeId: 'load' });
  try {
    const t0 = performance.now();
    const u0 = process.cpuUsage();
    const out = await runNode(csv, ctx, {}, { path: file });
    const u1 = process.cpuUsage(u0);
    const t1 = performance.now();
    if (out.table.kind !== 'table') throw new Error('no table');
    const path = out.table.path;
    // The engine hashes every artifact (content addressing): part of the real cost, shown apart.
    createHash('sha256').update(readFileSync(path)).digest('hex');
    const t2 = performance.now();
    const info = await ctx.data.describe({ kind: 'table', path, hash: '', meta: {} });
    if (columnIo) {
      // What a trainer pays to get the table into memory, and a node to write columns back.
      const r0 = performance.now();
      const cols = await ctx.data.readColumns({ kind: 'table', path, hash: '', meta: {} });
      const r1 = performance.now();
      await ctx.data.writeColumns(cols);
      const r2 = performance.now();
      console.log(`readColumns (all 21 as Float64Array) ${((r1 - r0) / 1000).toFixed(2)} s; writeColumns back to Parquet ${((r2 - r1) / 1000).toFixed(2)} s`);
      columnIo = false;
    }
    return { seconds: (t1 - t0) / 1000, cpu: (u1.user + u1.system) / 1e6, hashSeconds: (t2 - t1) / 1000, rows: info.rows, bytes: statSync(path).size };
  } finally {
    await ctx.cleanup();
  }
}

async function main(): Promise<void> {
  if (!existsSync(file)) {
    const t = performance.now();
    await generate();
    console.log(`generated ${file} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const mb = statSync(file).size / 2 ** 20;
  console.log(`CSV: ${ROWS.toLocaleString('en')} rows × ${COLS} numeric columns, ${mb.toFixed(0)} MiB`);
  const py = pythonWithPandas();
  const engineRuns: Awaited<ReturnType<typeof timeEngine>>[] = [];
  const pandasRuns: ReturnType<typeof timePandas>[] = [];
  // Alternate the two so background load on a shared machine hits both alike; best of 3.
  for (let i = 0; i < 3; i++) {
    engineRuns.push(await timeEngine());
    if (py) pandasRuns.push(timePandas(py));
  }
  const best = engineRuns.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  if (best.rows !== ROWS) throw new Error(`engine read ${best.rows} rows`);
  console.log(
    `data.csv -> Parquet (DuckDB, strict): best ${best.seconds.toFixed(2)} s of [${engineRuns.map((r) => r.seconds.toFixed(2)).join(', ')}]` +
      ` (CPU ${best.cpu.toFixed(2)} s, all DuckDB threads) -> ${(best.bytes / 2 ** 20).toFixed(0)} MiB Parquet; sha256 of it ${best.hashSeconds.toFixed(2)} s more`,
  );
  if (!py) {
    console.log('pandas: not installed (apt-get install -y python3-pandas); no ratio');
    return;
  }
  const pbest = pandasRuns.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  if (pbest.rows !== ROWS) throw new Error(`pandas read ${pbest.rows} rows`);
  console.log(`pandas ${pbest.version} read_csv: best ${pbest.seconds.toFixed(2)} s of [${pandasRuns.map((r) => r.seconds.toFixed(2)).join(', ')}] (CPU ${pbest.cpu.toFixed(2)} s)`);
  const ratio = best.seconds / pbest.seconds;
  console.log(`ratio engine / pandas: ${ratio.toFixed(2)} (${ratio <= 1 ? 'meets' : 'MISSES'} the target: no slower than pandas)`);
  console.log(`CPU-time ratio engine / pandas: ${(best.cpu / pbest.cpu).toFixed(2)} (what a machine with free cores does not show; DuckDB parses and writes on every core)`);
  console.log(`load average now: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores (wall times grow with it)`);
  console.log(`ratio with hashing: ${((best.seconds + best.hashSeconds) / pbest.seconds).toFixed(2)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
