/**
 * The load generator of bench/serve.bench.ts, in a process of its own (pinned by the parent to
 * another core than the server when `taskset` is there). One measurement per run, given as JSON in
 * argv[2]; prints one JSON line. The server's CPU time is read from /proc around the measured
 * requests only (the warm-up is excluded), per thread, so CPU per request is the server's own.
 *
 * - `paced`: an open-loop load at a fixed rate: request i is sent at start + i / rate whatever
 *   the earlier ones are doing (on an idle keep-alive connection, or a new one), so a slow answer
 *   cannot hold the next request back. Latency is each response's time from its write.
 *   (autocannon's `overallRate` is not used for this: each connection fires its quota for the
 *   second back to back and then waits, which measures bursts of saturation, not a steady rate.)
 * - `max`: autocannon with N connections for the highest sustained rate.
 */
import autocannon from 'autocannon';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

export interface LoadJob {
  kind: 'paced' | 'max';
  url: string;
  path: string;
  body: string;
  amount: number;
  /** paced: requests per second */
  rate?: number;
  /** max: autocannon connections */
  connections?: number;
  /** requests sent first and not measured (JIT, connection setup) */
  warmup?: number;
  /** the server's pid, for its CPU time */
  pid: number;
}

export interface LoadResult {
  /** each measured response's latency, ms */
  times: number[];
  seconds: number;
  errors: number;
  /** server CPU over the measured requests, seconds: all threads, and its main thread */
  cpu: number | null;
  cpuMain: number | null;
  /** paced: how late the generator sent (p99 of send time − due time, ms) */
  lagP99?: number;
}

/** User + system CPU seconds of a process: all its threads, and the main thread alone (Linux /proc). */
function cpuOf(pid: number): { all: number; main: number } | null {
  try {
    let all = 0;
    let main = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      } catch {
        continue; // a thread that ended meanwhile
      }
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(f[11]) + Number(f[12]);
      all += ticks;
      if (Number(tid) === pid) main = ticks;
    }
    return { all: all / 100, main: main / 100 };
  } catch {
    return null;
  }
}

/** One keep-alive connection that sends the prepared request and reads `content-length` answers. */
class Conn {
  busy = false;
  private sentAt = 0;
  private buf: Buffer | null = null;
  readonly socket: Socket;
  constructor(
    host: string,
    port: number,
    private readonly request: Buffer,
    private readonly done: (c: Conn, ms: number, status: number) => void,
    onError: (e: Error) => void,
  ) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('data', (d: Buffer) => this.data(d));
    this.socket.on('error', onError);
  }

  send(): void {
    this.busy = true;
    this.sentAt = performance.now();
    this.socket.write(this.request);
  }

  private data(d: Buffer): void {
    this.buf = this.buf ? Buffer.concat([this.buf, d]) : d;
    const end = this.buf.indexOf('\r\n\r\n');
    if (end === -1) return;
    const head = this.buf.toString('latin1', 0, end);
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const length = m ? Number(m[1]) : 0;
    if (this.buf.length < end + 4 + length) return;
    const status = Number(head.slice(9, 12));
    this.buf = null;
    this.busy = false;
    this.done(this, performance.now() - this.sentAt, status);
  }
}

function paced(job: LoadJob, count: number, measure: boolean): Promise<LoadResult> {
  const u = new URL(job.url);
  const host = u.hostname;
  const port = Number(u.port);
  const request = Buffer.from(
    `POST ${job.path} HTTP/1.1\r\nhost: ${u.host}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(job.body)}\r\n\r\n${job.body}`,
  );
  const interval = 1000 / job.rate!;
  const idle: Conn[] = [];
  const all: Conn[] = [];
  const times: number[] = [];
  const lags: number[] = [];
  let errors = 0;
  let sent = 0;
  let answered = 0;
  return new Promise((resolve, reject) => {
    let start = 0;
    let cpu0: ReturnType<typeof cpuOf> = null;
    const finish = () => {
      const seconds = (performance.now() - start) / 1000;
      const cpu1 = measure ? cpuOf(job.pid) : null;
      for (const c of all) c.socket.destroy();
      lags.sort((a, b) => a - b);
      resolve({
        times,
        seconds,
        errors,
        cpu: cpu0 && cpu1 ? cpu1.all - cpu0.all : null,
        cpuMain: cpu0 && cpu1 ? cpu1.main - cpu0.main : null,
        lagP99: lags[Math.floor(0.99 * lags.length)] ?? 0,
      });
    };
    const onDone = (c: Conn, ms: number, status: number) => {
      times.push(ms);
      if (status !== 200) errors++;
      idle.push(c);
      if (++answered === count) finish();
    };
    const open = () => {
      const c = new Conn(host, port, request, onDone, (e) => reject(e));
      all.push(c);
      return c;
    };
    const tick = () => {
      const now = performance.now();
      while (sent < count && start + sent * interval <= now) {
        lags.push(now - (start + sent * interval));
        (idle.pop() ?? open()).send();
        sent++;
      }
      if (sent < count) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    // a few connections ready before the clock starts
    for (let i = 0; i < 4; i++) idle.push(open());
    setTimeout(() => {
      cpu0 = measure ? cpuOf(job.pid) : null;
      start = performance.now();
      tick();
    }, 50);
  });
}

async function max(job: LoadJob, amount: number, measure: boolean): Promise<LoadResult> {
  const times: number[] = [];
  let errors = 0;
  const instance = autocannon({
    url: `${job.url}${job.path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: job.body,
    connections: job.connections ?? 16,
    amount,
  });
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status !== 200) errors++;
    times.push(ms);
  });
  const cpu0 = measure ? cpuOf(job.pid) : null;
  const t0 = performance.now();
  const result = await instance;
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = measure ? cpuOf(job.pid) : null;
  return { times, seconds, errors: errors + result.errors + result.timeouts, cpu: cpu0 && cpu1 ? cpu1.all - cpu0.all : null, cpuMain: cpu0 && cpu1 ? cpu1.main - cpu0.main : null };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]) as LoadJob;
  if (job.warmup) await max({ ...job, connections: 8 }, job.warmup, false);
  const r = job.kind === 'paced' ? await paced(job, job.amount, true) : await max(job, job.amount, true);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
