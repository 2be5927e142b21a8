/**
 * `pipewright serve` over loopback HTTP (issue 11): single-row predictions of the breast-cancer
 * model (registered by a real run), beside a bare node:http server that answers a constant (the
 * limit of this machine), measured under the same conditions in the same run:
 * - latency p50/p99 at a steady 1,000 requests/s (open loop, one request every 1 ms): target p99 < 2 ms
 * - the highest sustained requests/s (autocannon, 16 connections): target ≥ 0.5 × the bare server's
 * - the server process's CPU time per request (all threads, and its main thread), from /proc
 * Each server and the load generator (bench/serve-load.ts) run in processes of their own; with
 * `taskset` (and 2+ cores) the servers share core 0 and the load generator has core 1, so the
 * generator's work does not land on the server's core. Warm-up requests are not measured. The
 * server logs every request (--log-sample 1, the default), as it would in use. Measurements
 * alternate between the two servers, round by round, so a change in the machine's load hits both.
 *
 * Run: npm run bench -- serve
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import type { LoadJob, LoadResult } from './serve-load';

const ROOT = resolve(__dirname, '..');
const CLI = join(ROOT, 'bin', 'pipewright.cjs');
const DATA = resolve(ROOT, '..', 'shared', 'data', 'breast_cancer.csv');
const dir = mkdtempSync(join(tmpdir(), 'pw-bench-serve-'));
const children: ChildProcess[] = [];

/** `taskset -c CPU` before a command when it can pin (Linux with taskset, 2+ cores). */
const canPin = cpus().length >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const pinned = (cpu: number, args: string[]): [string, string[]] => (canPin ? ['taskset', ['-c', String(cpu), process.execPath, ...args]] : [process.execPath, args]);

function start(args: string[], pattern: RegExp): Promise<{ proc: ChildProcess; url: string }> {
  const [cmd, argv] = pinned(0, args);
  const proc = spawn(cmd, argv, { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(proc);
  let out = '';
  return new Promise((done, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) done({ proc, url: m[1] });
    });
    proc.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}`)));
  });
}

/** One measurement by the load generator in its own (pinned) process. */
function measure(job: LoadJob): Promise<LoadResult> {
  const [cmd, argv] = pinned(1, ['--import', 'tsx', join(__dirname, 'serve-load.ts'), JSON.stringify(job)]);
  return new Promise((done, reject) => {
    const p = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.once('exit', (code) => (code === 0 ? done(JSON.parse(out) as LoadResult) : reject(new Error(`the load generator exited ${code}`))));
  });
}

const BARE = `
const http = require('node:http');
const body = JSON.stringify({ predictions: [{ label: 'benign', scores: { benign: 0.99, malignant: 0.01 } }] });
const s = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }); res.end(body); });
});
s.listen(0, '127.0.0.1', () => console.log('bare at http://127.0.0.1:' + s.address().port));
`;

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  n: number;
  /** server CPU per request, µs: all threads and the main thread (null off Linux) */
  cpuUs: number | null;
  mainUs: number | null;
  /** paced: the generator's own lateness (p99, ms): near 0 means the rate was held */
  lagP99?: number;
  /** the load average (1 min) after each round */
  loads: number[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** All rounds together: latency quantiles over every response, rate and CPU the median round's. */
function pooled(rs: (LoadResult & { load: number })[]): Figures {
  const sorted = rs.flatMap((r) => r.times).sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  const perReq = (pick: (r: LoadResult) => number | null) => {
    const xs = rs.map((r) => pick(r)).filter((c): c is number => c !== null);
    return xs.length === rs.length ? median(xs) : null;
  };
  return {
    rps: median(rs.map((r) => r.times.length / r.seconds)),
    p50: q(0.5),
    p99: q(0.99),
    max: sorted[sorted.length - 1],
    n: sorted.length,
    errors: rs.reduce((t, r) => t + r.errors, 0),
    cpuUs: perReq((r) => (r.cpu === null ? null : (r.cpu * 1e6) / r.times.length)),
    mainUs: perReq((r) => (r.cpuMain === null ? null : (r.cpuMain * 1e6) / r.times.length)),
    lagP99: rs[0].lagP99 === undefined ? undefined : Math.max(...rs.map((r) => r.lagP99 ?? 0)),
    loads: rs.map((r) => r.load),
  };
}

/** Rounds alternate between the servers, so a change in the machine's load hits each alike. */
async function rounds(servers: { proc: ChildProcess; url: string }[], job: Omit<LoadJob, 'url' | 'pid'>, n: number): Promise<Figures[]> {
  const out: (LoadResult & { load: number })[][] = servers.map(() => []);
  for (let r = 0; r < n; r++) {
    for (const [i, s] of servers.entries()) {
      const result = await measure({ ...job, url: s.url, pid: s.proc.pid! });
      out[i].push({ ...result, load: loadavg()[0] });
    }
  }
  return out.map(pooled);
}

const fmt = (name: string, f: Figures) =>
  `  ${name.padEnd(17)} ${f.rps.toFixed(0).padStart(6)} req/s  p50 ${f.p50.toFixed(2)} ms  p99 ${f.p99.toFixed(2)} ms  max ${f.max.toFixed(1)} ms  ` +
  `cpu ${f.cpuUs === null ? '?' : f.cpuUs.toFixed(0)} µs/req (main thread ${f.mainUs === null ? '?' : f.mainUs.toFixed(0)})  ` +
  `${f.n} requests, ${f.errors} errors${f.lagP99 !== undefined ? `, generator late p99 ${f.lagP99.toFixed(2)} ms` : ''}  load ${f.loads.map((l) => l.toFixed(1)).join('/')}`;

async function main(): Promise<void> {
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(canPin ? 'pinned: both servers on cpu 0, the load generator on cpu 1 (taskset)' : 'not pinned (no taskset or one core): servers and load generator share the cores');
  const example = YAML.parse(readFileSync(join(ROOT, 'resources', 'examples', 'breast-cancer.pipeline.yaml'), 'utf8'));
  example.nodes.load.params.path = DATA;
  example.nodes.register = { type: 'deploy.register', inputs: { model: 'train.model', metrics: 'evaluate.metrics' }, params: { name: 'cancer', alias: 'champion' } };
  writeFileSync(join(dir, 'cancer.pipeline.yaml'), YAML.stringify(example));
  const project = join(dir, 'cancer.pwproj');
  const run = spawnSync(process.execPath, [CLI, 'run', 'cancer.pipeline.yaml', '--project', project], { cwd: dir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`training run failed: ${run.stderr}`);

  const lines = readFileSync(DATA, 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const values = lines[1].split(',');
  const row: Record<string, number> = {};
  header.forEach((h, i) => h !== 'diagnosis' && (row[h] = Number(values[i])));
  const body = JSON.stringify({ instances: [row] });
  const v2Body = JSON.stringify({ inputs: Object.entries(row).map(([name, x]) => ({ name, shape: [1], datatype: 'FP64', data: [x] })) });
  const path = '/v1/models/cancer:predict';

  const served = await start([CLI, 'serve', '--project', project, '--port', '0'], /serving at (http:\/\/\S+)/);
  const bare = await start(['-e', BARE], /bare at (http:\/\/\S+)/);
  const both = [served, bare];

  console.log(`single-row predict (${path}), ${body.length} byte body, 30 input columns, prediction log on (every request)`);
  console.log('rounds alternate between the servers; latency over all rounds\' responses; rate and cpu: the median round; warm-up (3,000 requests) not measured\n');
  const ROUNDS = 3;
  const [pwFixed, bareFixed] = await rounds(both, { kind: 'paced', path, body, rate: 1000, amount: 4_000, warmup: 3_000 }, ROUNDS);
  console.log('at a steady 1,000 req/s (open loop: one request every 1 ms, 4,000 a round)');
  console.log(fmt('pipewright serve', pwFixed));
  console.log(fmt('bare node:http', bareFixed));
  console.log(`  p99 target < 2 ms: ${pwFixed.p99.toFixed(2)} ms, ratio ${(pwFixed.p99 / 2).toFixed(2)} (< 1 is within it); the bare server's p99 ${bareFixed.p99.toFixed(2)} ms is this machine's floor\n`);

  const [pwMax, bareMax] = await rounds(both, { kind: 'max', path, body, connections: 16, amount: 10_000, warmup: 3_000 }, ROUNDS);
  console.log('max sustained (autocannon, 16 connections, 10,000 requests a round)');
  console.log(fmt('pipewright serve', pwMax));
  console.log(fmt('bare node:http', bareMax));
  console.log(`  throughput ratio pipewright / bare: ${(pwMax.rps / bareMax.rps).toFixed(2)} (target ≥ 0.5)`);
  if (pwMax.cpuUs !== null && bareMax.cpuUs !== null)
    console.log(`  cpu per request pipewright / bare: ${(pwMax.cpuUs / bareMax.cpuUs).toFixed(2)} (${pwMax.cpuUs.toFixed(0)} vs ${bareMax.cpuUs.toFixed(0)} µs: what a request costs the server, less moved by load than rates)`);

  const [v2] = await rounds([served], { kind: 'max', path: '/v2/models/cancer/infer', body: v2Body, connections: 16, amount: 10_000, warmup: 2_000 }, 1);
  console.log(`\nOpen Inference Protocol v2 (/v2/models/cancer/infer, ${v2Body.length} byte body), max sustained`);
  console.log(fmt('pipewright serve', v2));
  console.log(`\nload average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) c.kill('SIGTERM');
    setTimeout(() => rmSync(dir, { recursive: true, force: true }), 500);
  });
