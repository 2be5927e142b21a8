/**
 * `pipewright serve` over loopback HTTP (issue 11): single-row predictions of the breast-cancer
 * model (registered by a real run), beside a bare node:http server that answers a constant (the
 * limit of this machine), both in their own processes, measured with autocannon in this one:
 * - latency p50/p99 at a fixed 1,000 requests/s: target p99 < 2 ms
 * - the highest sustained requests/s (16 connections): target ≥ 0.5 × the bare server's
 * Latencies are each response's own time (autocannon's per-response hrtime, not its 1 ms
 * histogram). The server logs every request (--log-sample 1, the default), as it would in use.
 * Each measurement is three rounds alternating between the two servers (a shared machine's load
 * moves), with the server process's CPU time per request beside it (/proc, Linux), which load
 * does not inflate the way it does wall-clock rates.
 *
 * Run: npm run bench -- serve
 */
import autocannon from 'autocannon';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';

const ROOT = resolve(__dirname, '..');
const CLI = join(ROOT, 'bin', 'pipewright.cjs');
const DATA = resolve(ROOT, '..', 'shared', 'data', 'breast_cancer.csv');
const dir = mkdtempSync(join(tmpdir(), 'pw-bench-serve-'));
const children: ChildProcess[] = [];

function start(args: string[], pattern: RegExp): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
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
}

async function load(url: string, body: string, opts: { rate?: number; amount: number; connections: number }): Promise<Figures & { times: number[] }> {
  const times: number[] = [];
  let errors = 0;
  const instance = autocannon({
    url: `${url}/v1/models/cancer:predict`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: opts.connections,
    amount: opts.amount,
    ...(opts.rate ? { overallRate: opts.rate } : {}),
  });
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status !== 200) errors++;
    times.push(ms);
  });
  const t0 = performance.now();
  const result = await instance;
  const seconds = (performance.now() - t0) / 1000;
  return { ...figures(times, seconds), errors: errors + result.errors + result.timeouts + result.non2xx, times };
}

function figures(times: number[], seconds: number): Figures {
  const sorted = [...times].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { rps: times.length / seconds, p50: q(0.5), p99: q(0.99), max: sorted[sorted.length - 1], errors: 0, n: times.length };
}

/** CPU seconds a process has used (user + system, all its threads), from /proc; null elsewhere. */
function cpuSeconds(pid: number): number | null {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

interface Round extends Figures {
  /** each response's latency, ms */
  times: number[];
  /** server CPU per request, µs (null off Linux) */
  cpuUs: number | null;
  load: number;
}

/** Rounds alternate between the two servers, so a change in the machine's load hits both alike. */
async function rounds(servers: { proc: ChildProcess; url: string }[], body: string, opts: { rate?: number; amount: number; connections: number }, n: number): Promise<Round[][]> {
  const out: Round[][] = servers.map(() => []);
  for (let r = 0; r < n; r++) {
    for (const [i, s] of servers.entries()) {
      const c0 = cpuSeconds(s.proc.pid!);
      const f = await load(s.url, body, opts);
      const c1 = cpuSeconds(s.proc.pid!);
      out[i].push({ ...f, cpuUs: c0 === null || c1 === null ? null : ((c1 - c0) * 1e6) / f.n, load: loadavg()[0] });
    }
  }
  return out;
}

/** All rounds' responses together (latency quantiles over every response; rate: the median round's). */
function pooled(rs: Round[]): Figures & { cpuUs: number | null } {
  const all = rs.flatMap((r) => r.times);
  const rates = rs.map((r) => r.rps).sort((a, b) => a - b);
  const cpus = rs.map((r) => r.cpuUs).filter((c): c is number => c !== null).sort((a, b) => a - b);
  const f = figures(all, 1);
  return { ...f, rps: rates[Math.floor(rates.length / 2)], errors: rs.reduce((t, r) => t + r.errors, 0), cpuUs: cpus.length ? cpus[Math.floor(cpus.length / 2)] : null };
}

const fmt = (f: Figures & { cpuUs: number | null }) =>
  `${f.rps.toFixed(0).padStart(6)} req/s  p50 ${f.p50.toFixed(2)} ms  p99 ${f.p99.toFixed(2)} ms  max ${f.max.toFixed(1)} ms  cpu ${f.cpuUs === null ? '?' : f.cpuUs.toFixed(0)} µs/req  (${f.n} requests, ${f.errors} errors)`;

async function main(): Promise<void> {
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
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

  const served = await start([CLI, 'serve', '--project', project, '--port', '0'], /serving at (http:\/\/\S+)/);
  const bare = await start(['-e', BARE], /bare at (http:\/\/\S+)/);
  // warm both (JIT, the model's first call)
  await load(served.url, body, { amount: 3000, connections: 8 });
  await load(bare.url, body, { amount: 3000, connections: 8 });

  console.log(`single-row predict, ${body.length} byte body, 30 input columns, prediction log on`);
  console.log('three rounds each, alternating between the servers; rate: the median round; cpu: the server process per request (all threads)\n');
  const ROUNDS = 3;
  const fixed = await rounds([served, bare], body, { rate: 1000, amount: 5_000, connections: 10 }, ROUNDS);
  const pwFixed = pooled(fixed[0]);
  const bareFixed = pooled(fixed[1]);
  console.log(`at 1,000 req/s   pipewright serve  ${fmt(pwFixed)}`);
  console.log(`at 1,000 req/s   bare node:http    ${fmt(bareFixed)}`);
  console.log(`  load average per round: ${fixed[0].map((r, i) => `${r.load.toFixed(1)}/${fixed[1][i].load.toFixed(1)}`).join(', ')}`);
  console.log(`  p99 target < 2 ms: ${pwFixed.p99.toFixed(2)} ms, ratio ${(pwFixed.p99 / 2).toFixed(2)} (< 1 is within it); bare's p99 ${bareFixed.p99.toFixed(2)} ms is this machine's floor\n`);
  const max = await rounds([served, bare], body, { amount: 10_000, connections: 16 }, ROUNDS);
  const pwMax = pooled(max[0]);
  const bareMax = pooled(max[1]);
  console.log(`max sustained    pipewright serve  ${fmt(pwMax)}`);
  console.log(`max sustained    bare node:http    ${fmt(bareMax)}`);
  console.log(`  load average per round: ${max[0].map((r, i) => `${r.load.toFixed(1)}/${max[1][i].load.toFixed(1)}`).join(', ')}`);
  console.log(`  throughput ratio pipewright / bare: ${(pwMax.rps / bareMax.rps).toFixed(2)} (target ≥ 0.5)`);
  if (pwMax.cpuUs !== null && bareMax.cpuUs !== null) console.log(`  cpu per request pipewright / bare: ${(pwMax.cpuUs / bareMax.cpuUs).toFixed(2)} (what each request costs the server; load inflates both alike)`);
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
