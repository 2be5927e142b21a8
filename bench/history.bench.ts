/**
 * History reads (issue 14), on project files built through the store API:
 * - `diff` of two runs of a 200-node pipeline (each node an output artifact and 3 scalar metrics,
 *   20 nodes' params changed between the two versions): target < 100 ms, function and whole CLI
 *   command (open, diff, JSON out);
 * - `lineage` of an artifact 10 runs deep (each run 5 nodes, its first reading the last output of
 *   the run before, the first run reading a CSV file): target < 100 ms.
 * Prints the median of 15, its CPU time, and the ratio to the target (< 1 is within it).
 *
 * Run: npx tsx bench/history.bench.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../main/cli/main';
import { diffRuns, lineageOf } from '../main/store/history';
import { openProject, type ProjectStore } from '../main/store';

const dir = mkdtempSync(join(tmpdir(), 'pw-bench-history-'));

type Sample = { ms: number; cpuMs: number };
function measure(fn: () => unknown): Sample {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpuMs: (c.user + c.system) / 1000 };
}
async function measureAsync(fn: () => Promise<unknown>): Promise<Sample> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpuMs: (c.user + c.system) / 1000 };
}
const median = (xs: Sample[]): Sample => [...xs].sort((a, b) => a.ms - b.ms)[Math.floor(xs.length / 2)];
function report(name: string, r: Sample, targetMs: number): void {
  console.log(`${name.padEnd(52)} ${r.ms.toFixed(1).padStart(7)} ms (cpu ${r.cpuMs.toFixed(1).padStart(6)} ms)   target ${String(targetMs).padStart(4)} ms   ratio ${(r.ms / targetMs).toFixed(2)}`);
}

const N = 200;
function pipelineText(variant: number): string {
  const lines = ['apiVersion: pipewright/v1', 'kind: Pipeline', 'metadata:', '  name: wide', 'params:', `  seed: ${variant === 0 ? 42 : 7}`, 'nodes:'];
  lines.push('  n0:', '    type: data.csv', '    params:', '      path: data.csv');
  for (let i = 1; i < N; i++) {
    lines.push(`  n${i}:`, '    type: features.standardize', '    inputs:', `      train: n${i - 1}.train`, '    params:', `      exclude: [c${i % 7 === 0 && variant ? i + 1 : i}]`);
  }
  return `${lines.join('\n')}\n`;
}

function recordRun(s: ProjectStore, variant: number): number {
  const v = s.savePipelineVersion('wide', pipelineText(variant)).version;
  const run = s.createRun({ pipeline: 'wide', pipelineVersionId: v.id, params: { seed: variant === 0 ? 42 : 7 }, environment: { appVersion: '0.1.0', nodejs: process.version } });
  s.transaction(() => {
    let prev: string | null = null;
    for (let i = 0; i < N; i++) {
      const out = s.putArtifactBytes(Buffer.from(`run ${variant} node ${i} ${i % 3 === 0 ? variant : ''}`), 'table', { rows: 10, columns: [{ name: 'a', type: 'DOUBLE' }] });
      s.append([{ type: 'execution.recorded', execution: {
        runId: run.id,
        nodeId: `n${i}`,
        type: i === 0 ? 'data.csv' : 'features.standardize',
        typeVersion: 1,
        status: 'succeeded',
        reason: 'first run',
        durationMs: 1,
        params: i === 0 ? { path: join(dir, 'data.csv') } : { exclude: [`c${i}`] },
        inputs: prev ? { train: prev } : undefined,
        outputs: { train: out },
        metrics: [
          { key: 'a', value: i + variant * 0.01 },
          { key: 'b', value: i },
          { key: 'c', value: i * 2 + variant },
        ],
      } }]);
      prev = out;
    }
  });
  s.append([{ type: 'run.finished', runId: run.id, status: 'succeeded', durationMs: 10, backend: 'cpu' }]);
  return run.id;
}

function recordChain(s: ProjectStore): string {
  let prev: string | null = null;
  for (let r = 0; r < 10; r++) {
    const run = s.createRun({ pipeline: 'chain' });
    s.transaction(() => {
      for (let i = 0; i < 5; i++) {
        const out = s.putArtifactBytes(Buffer.from(`chain ${r} ${i}`), i === 4 && r === 9 ? 'model' : 'table');
        s.append([{ type: 'execution.recorded', execution: {
          runId: run.id,
          nodeId: `s${i}`,
          type: r === 0 && i === 0 ? 'data.csv' : 'features.standardize',
          typeVersion: 1,
          status: 'succeeded',
          reason: 'first run',
          durationMs: 1,
          params: r === 0 && i === 0 ? { path: join(dir, 'data.csv') } : { exclude: [] },
          inputs: prev ? { train: prev } : undefined,
          outputs: { train: out },
        } }]);
        prev = out;
      }
    });
    s.append([{ type: 'run.finished', runId: run.id, status: 'succeeded', durationMs: 10, backend: 'cpu' }]);
  }
  return prev!;
}

async function bench(): Promise<void> {
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg()[0].toFixed(1)}`);
  writeFileSync(join(dir, 'data.csv'), 'a,b\n1,2\n'.repeat(10_000));
  const file = join(dir, 'h.pwproj');
  const s = openProject(file, { create: true });
  const a = recordRun(s, 0);
  const b = recordRun(s, 1);
  const model = recordChain(s);
  s.close();

  const r = openProject(file, { readonly: true });
  const d = diffRuns(r, String(a), String(b));
  console.log(`diff: ${Object.keys(d.data).length} outputs, ${Object.keys(d.metrics).length} metrics, ${d.graph.changed.length} nodes changed differ`);
  const l = lineageOf(r, model);
  let depth = 0;
  for (let x: { inputs: unknown[] } = l; x.inputs.length; x = x.inputs[0] as { inputs: unknown[] }) depth++;
  console.log(`lineage: ${depth + 1} artifacts deep, files ${l.files.map((f) => f.sha256?.slice(0, 12)).join(', ')}`);
  const diffs: Sample[] = [];
  const lins: Sample[] = [];
  for (let i = 0; i < 15; i++) {
    diffs.push(measure(() => diffRuns(r, String(a), String(b))));
    lins.push(measure(() => lineageOf(r, model)));
  }
  r.close();
  report('diff, 200-node pipeline (function, open store)', median(diffs), 100);
  report('lineage, 10 runs deep (function, open store)', median(lins), 100);
  const io = { stdout: () => {}, stderr: (t: string) => void process.stderr.write(t), isTTY: false, cwd: dir };
  const cliDiff: Sample[] = [];
  const cliLin: Sample[] = [];
  for (let i = 0; i < 15; i++) {
    cliDiff.push(await measureAsync(() => main(['diff', String(a), String(b), '--project', file, '--json'], io)));
    cliLin.push(await measureAsync(() => main(['lineage', model, '--project', file, '--json'], io)));
  }
  report('pipewright diff --json (open, diff, print)', median(cliDiff), 100);
  report('pipewright lineage --json (open, walk, print)', median(cliLin), 100);
}

bench()
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
