/**
 * Soak: one `npm run web` server (dist/web.cjs, a child process) runs the bundled breast-cancer
 * example again and again through its WebSocket API with the cache off, as a user who keeps the
 * app open for days would. Its RSS is sampled every 50 runs; after warm-up it must stay flat.
 * `SOAK_RUNS=N` changes the run count (default 1,000).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import WebSocket from 'ws';
import { createClient, type ApiClient } from '../shared/api/rpc';
import type { Transport } from '../shared/api/transport';

const root = join(__dirname, '..');
const runs = Number(process.env.SOAK_RUNS ?? 1000);
const every = 50;

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function connect(url: string): Promise<{ client: ApiClient; socket: WebSocket }> {
  const page = new URL(url);
  const ws = new WebSocket(`ws://${page.host}/api?token=${page.searchParams.get('token')}`, { origin: `http://${page.host}` });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const transport: Transport = {
    send: (m) => ws.send(JSON.stringify(m)),
    onMessage(listener) {
      const h = (d: WebSocket.RawData) => listener(JSON.parse(d.toString()));
      ws.on('message', h);
      return () => ws.off('message', h);
    },
    close: () => ws.close(),
  };
  return { client: createClient(transport), socket: ws };
}

async function main() {
  const home = mkdtempSync(join(tmpdir(), 'pw-soak-'));
  const child = spawn(process.execPath, [join(root, 'dist', 'web.cjs'), '--port', '0'], {
    cwd: root,
    env: { ...process.env, PIPEWRIGHT_HOME: home },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`web server exited with ${code}`)));
    });
    const { client, socket } = await connect(url);
    const example = join(home, 'workspace', 'examples', 'breast-cancer.pipeline.yaml');
    const { text } = await client.call('file.read', { path: example });
    const project = join(home, 'soak.pwproj');
    await client.call('project.open', { path: project, create: true });
    const finished = new Map<string, (status: string) => void>();
    // The server sends a run's events in batches ('run.events').
    client.on('run.events', (batch) => {
      for (const e of batch) if (e.type === 'run.finished') finished.get(e.runId)?.(e.status);
    });
    const samples: { run: number; rssMb: number }[] = [{ run: 0, rssMb: rssMb(child.pid!) }];
    console.log(`soak: ${runs} uncached runs of breast-cancer through the API (server pid ${child.pid}), RSS every ${every}`);
    console.log(`  run     0  RSS ${samples[0].rssMb.toFixed(0)} MB`);
    const t0 = performance.now();
    for (let i = 1; i <= runs; i++) {
      let done!: (s: string) => void;
      const status = new Promise<string>((r) => (done = r));
      const { runId } = await client.call('run.start', { project, text, baseDir: join(home, 'workspace', 'examples'), noCache: true });
      finished.set(runId, done);
      const s = await status;
      finished.delete(runId);
      if (s !== 'succeeded') throw new Error(`run ${i} ${s}`);
      if (i % every === 0) {
        const r = rssMb(child.pid!);
        samples.push({ run: i, rssMb: r });
        console.log(`  run ${String(i).padStart(5)}  RSS ${r.toFixed(0)} MB  (${((performance.now() - t0) / i).toFixed(0)} ms/run, load ${loadavg()[0].toFixed(2)})`);
      }
    }
    // Warm-up: the first fifth of the runs (caches, JIT, DuckDB buffers fill up once).
    const warm = samples.filter((s) => s.run >= runs / 5);
    const slope = (a: { run: number; rssMb: number }, b: { run: number; rssMb: number }) => ((b.rssMb - a.rssMb) * 1024) / (b.run - a.run);
    if (warm.length >= 3) {
      const first = warm[0];
      const mid = warm[Math.floor(warm.length / 2)];
      const last = warm[warm.length - 1];
      console.log(
        `soak: RSS after warm-up ${first.rssMb.toFixed(0)} MB (run ${first.run}) -> ${last.rssMb.toFixed(0)} MB (run ${last.run}), ` +
          `max ${Math.max(...warm.map((s) => s.rssMb)).toFixed(0)} MB; growth ${slope(first, last).toFixed(0)} kB/run overall, ` +
          `${slope(mid, last).toFixed(0)} kB/run over the second half (before the fix: about 1,250 kB/run, no plateau)`,
      );
    }
    socket.close();
  } finally {
    child.kill('SIGTERM');
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
