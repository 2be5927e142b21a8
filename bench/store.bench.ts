/**
 * Opening a project file checks it first (issue 9): `PRAGMA quick_check` reads every page, so
 * opening costs time in proportion to the file. Measured on a 256 MB project (artifacts, a run
 * with 200,000 log lines), warm in the page cache:
 * - openProject (preflight, quick_check, WAL, migrations, interrupted-run check): target < 500 ms
 * - of which quick_check alone
 * And storing a 256 MiB table artifact and extracting it again (artifacts go in 1 MiB chunks,
 * hashed while read): the time and how much the process's peak RSS grew, target < 64 MiB (the
 * store before chunks read the whole file into memory and bound a copy: +512 MiB).
 * Prints each figure, its CPU time, and the ratio to the target (< 1 is within it).
 *
 * Run: npx tsx bench/store.bench.ts
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openProject } from '../main/store';
import { measure } from './measure';

const MB = 256;
const dir = mkdtempSync(join(tmpdir(), 'pw-bench-store-'));

function report(name: string, r: { ms: number; cpuMs: number }, targetMs: number): void {
  console.log(`${name.padEnd(52)} ${r.ms.toFixed(0).padStart(7)} ms (cpu ${r.cpuMs.toFixed(0).padStart(6)} ms)   target ${String(targetMs).padStart(5)} ms   ratio ${(r.ms / targetMs).toFixed(2)}`);
}

function median(xs: { ms: number; cpuMs: number }[]): { ms: number; cpuMs: number } {
  return [...xs].sort((a, b) => a.ms - b.ms)[Math.floor(xs.length / 2)];
}

const MiB = 2 ** 20;
const peakRss = (): number => process.resourceUsage().maxRSS * 1024;

/** First, in a fresh process: the peak RSS a 256 MiB artifact adds on its way in and out. */
function bigArtifact(): void {
  const src = join(dir, 'table.parquet');
  const fd = openSync(src, 'w');
  const block = randomBytes(4 * MiB);
  for (let i = 0; i < 64; i++) writeSync(fd, block.map((b) => b ^ i));
  closeSync(fd);
  const s = openProject(join(dir, 'artifact.pwproj'), { create: true });
  const before = peakRss();
  const put = measure(() => s.putArtifact(src, 'table'));
  const hash = s.putArtifact(src, 'table');
  const out = measure(() => s.extractArtifact(hash, join(dir, 'out.parquet')));
  const grew = (peakRss() - before) / MiB;
  s.close();
  if (statSync(join(dir, 'out.parquet')).size !== 256 * MiB) throw new Error('extracted artifact has the wrong size');
  report('putArtifact of a 256 MiB file (hashed while stored)', put, 5000);
  report('extractArtifact of it (streamed)', out, 5000);
  console.log(`${'peak RSS growth, 256 MiB artifact in and out'.padEnd(52)} ${grew.toFixed(0).padStart(7)} MiB${' '.repeat(24)}target    64 MiB   ratio ${(grew / 64).toFixed(2)}`);
}

try {
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg()[0].toFixed(1)}`);
  bigArtifact();
  const file = join(dir, 'big.pwproj');
  const s = openProject(file, { create: true });
  for (let i = 0; i < MB; i++) s.transaction(() => s.putArtifactBytes(randomBytes(1 << 20), 'table'));
  const run = s.createRun({ pipeline: 'p' });
  s.transaction(() => {
    for (let i = 0; i < 200_000; i++) s.append([{ type: 'log', runId: run.id, nodeId: null, level: 'info', message: `line ${i}`, time: i }]);
  });
  s.append([{ type: 'run.finished', runId: run.id, status: 'succeeded', durationMs: 1, backend: 'cpu' }]);
  s.close();
  const size = `${(statSync(file).size / 1e6).toFixed(0)} MB`;
  openProject(file).close(); // warm the page cache
  const opens = [0, 1, 2].map(() => measure(() => openProject(file).close()));
  report(`openProject of a ${size} project (quick_check included)`, median(opens), 500);
  const checks = [0, 1, 2].map(() => {
    const db = new Database(file);
    try {
      return measure(() => db.pragma('quick_check'));
    } finally {
      db.close();
    }
  });
  report(`  of which PRAGMA quick_check`, median(checks), 500);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
