/**
 * Crash safety: `kill -9` a real `pipewright run` process at random moments, at least 20 times.
 * After each kill the project file passes `PRAGMA integrity_check` and its foreign keys hold,
 * every run that had finished is complete, the killed run is marked `interrupted` on the next
 * open, and a final run reuses every node whose result had been recorded.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/random';
import { openProject } from '../../main/store';

const ROOT = resolve(__dirname, '../..');
const DATA = join(ROOT, 'resources', 'data');
const KILLS = 20;
const EXAMPLES = resolve(ROOT, '..', 'shared', 'spec', 'examples');

const PIPELINE = `apiVersion: pipewright/v1
kind: Pipeline
metadata:
  name: crash
params:
  seed: 1
nodes:
  weather:
    type: data.csv
    params:
      path: ${join(DATA, 'seattle-weather.csv')}
  features:
    type: data.sql
    inputs:
      days: weather.table
    params:
      query: SELECT precipitation, temp_max, temp_min, wind, weather FROM days
  split:
    type: features.split
    inputs:
      table: features.table
    params:
      testFraction: 0.3
      seed: \${params.seed}
      stratifyBy: weather
  cancer:
    type: data.csv
    params:
      path: ${join(DATA, 'breast_cancer.csv')}
  csplit:
    type: features.split
    inputs:
      table: cancer.table
    params:
      seed: \${params.seed}
      stratifyBy: diagnosis
  scale:
    type: features.standardize
    inputs:
      train: csplit.train
      test: csplit.test
    params:
      exclude: [diagnosis]
  penguins:
    type: data.csv
    params:
      path: ${join(DATA, 'penguins.csv')}
  impute:
    type: features.impute
    inputs:
      table: penguins.table
    params:
      strategy: most_frequent
  encode:
    type: features.one_hot
    inputs:
      table: impute.table
    params:
      columns: [island, sex]
`;
const NODE_COUNT = 9;

let dir: string;
let dist: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-crash-'));
  writeFileSync(join(dir, 'crash.pipeline.yaml'), PIPELINE);
  writeFileSync(join(dir, 'bc.pipeline.yaml'), readFileSync(join(EXAMPLES, 'breast-cancer.pipeline.yaml'), 'utf8').replace('../../data/breast_cancer.csv', join(DATA, 'breast_cancer.csv')));
  // The real CLI as it ships: bundled, run by plain Node.js (inside the repo so packages resolve).
  dist = join(ROOT, 'test-results', `crash-dist-${process.pid}`);
  mkdirSync(dist, { recursive: true });
  const { build } = await import('esbuild');
  await build({
    absWorkingDir: ROOT,
    entryPoints: { cli: 'main/cli/main.ts', worker: 'main/engine/worker.ts', 'code-worker': 'main/data/code-worker.ts' },
    outdir: dist,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    logLevel: 'error',
  });
});
afterAll(() => {
  rmSync(dist, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

function start(file: string, project: string, args: string[]) {
  const child = spawn(process.execPath, ['-e', `require(${JSON.stringify(join(dist, 'cli.cjs'))}).runCli()`, 'pipewright', 'run', file, '--project', project, ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let onStarted: () => void = () => {};
  // resolves once the run is recorded (the CLI prints 'run N of P' right after creating it)
  const started = new Promise<void>((r) => (onStarted = r));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (/^run \d+ of /m.test(stderr)) onStarted();
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, started, stderr: () => stderr };
}

/** Opens the file as the next `pipewright` would and checks it is whole. */
function check(project: string, pipelineNodes: Record<string, number>): { interrupted: number; finished: number } {
  const s = openProject(project);
  try {
    expect(s.integrityCheck()).toEqual(['ok']);
    expect(s.db.pragma('foreign_key_check')).toEqual([]);
    let interrupted = 0;
    let finished = 0;
    for (const r of s.listRuns()) {
      expect(r.status).not.toBe('running');
      const got = s.getRun(Number(r.id))!;
      for (const e of got.executions) expect(['succeeded', 'failed', 'skipped', 'cancelled']).toContain(e.status);
      if (r.status === 'interrupted') {
        interrupted++;
        continue;
      }
      finished++;
      // a finished run is complete: every node recorded, every output stored
      expect(got.executions.length).toBe(pipelineNodes[r.pipeline]);
      expect(got.run.finishedAt).not.toBeNull();
      for (const e of got.executions) {
        if (e.status !== 'succeeded') continue;
        const outs = s.executionOutputs(e.id);
        expect(Object.keys(outs).length).toBeGreaterThan(0);
        for (const a of Object.values(outs)) expect(s.artifactBytes(a.hash)?.length).toBe(a.size);
      }
    }
    return { interrupted, finished };
  } finally {
    s.close();
  }
}

describe('kill -9 during pipewright run', () => {
  it(`leaves a whole project file after ${KILLS} kills at random moments, and re-running reuses what had finished`, async () => {
    const project = join(dir, 'crash.pwproj');
    const nodes = { crash: NODE_COUNT, 'breast-cancer': 6 };
    const rand = seededRandom(20261126);
    let kills = 0;
    let midRun = 0;
    let completed = 0;
    let runsBefore = 0;
    const delays: number[] = [];
    for (let i = 0; midRun < KILLS && i < KILLS * 4; i++) {
      // Mostly the data pipeline with a changing seed (so there is work to interrupt); now and
      // then the breast-cancer example with training.
      const bc = i % 5 === 4;
      // --no-cache on the data runs so there is always work in flight to interrupt, whatever the load.
      const args = bc ? ['--param', `seed=${i % 3}`] : ['--param', `seed=${i % 4}`, '--no-cache'];
      const p = start(bc ? 'bc.pipeline.yaml' : 'crash.pipeline.yaml', project, args);
      // The random moment counts from the run's start, not the process's: on a loaded machine
      // Node's start-up alone can outlast a fixed delay, and the kill would land before any run.
      const delay = Math.round(rand() * (bc ? 4000 : 1500));
      delays.push(delay);
      const outcome = await Promise.race([
        p.exited.then(() => 'exited' as const),
        p.started.then(() => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), delay))),
      ]);
      if (outcome === 'timeout') {
        p.child.kill('SIGKILL');
        await p.exited;
        kills++;
      } else expect(p.stderr()).toMatch(/run \d+ (succeeded|failed|gate_failed)/);
      check(project, nodes);
      const s = openProject(project);
      const runs = s.listRuns();
      s.close();
      if (runs.length > runsBefore) {
        // the killed process had started its run: it is interrupted, or it had just finished
        if (runs[0].status === 'interrupted') midRun++;
        else completed++;
        if (outcome === 'timeout') expect(['interrupted', 'succeeded', 'failed', 'gate_failed']).toContain(runs[0].status);
        else expect(runs[0].status).not.toBe('interrupted');
      }
      runsBefore = runs.length;
    }
    expect(midRun).toBeGreaterThanOrEqual(KILLS);

    // The next complete run reuses every node whose result had been recorded with the same key.
    const s0 = openProject(project);
    const recorded = new Set(
      (s0.db.prepare("SELECT cache_key FROM node_executions WHERE status = 'succeeded' AND cached = 0 AND cache_key IS NOT NULL").all() as { cache_key: string }[]).map((r) => r.cache_key),
    );
    s0.close();
    const last = start('crash.pipeline.yaml', project, ['--param', 'seed=1', '--json']);
    let stdout = '';
    last.child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    expect(await last.exited).toBe(0);
    const summary = JSON.parse(stdout) as { run: { id: string }; nodes: Record<string, { cached: boolean; reason: string }> };
    const s = openProject(project);
    const execs = s.getExecutions(Number(summary.run.id));
    s.close();
    let reused = 0;
    for (const e of execs) {
      if (e.cacheKey && recorded.has(e.cacheKey)) {
        expect(summary.nodes[e.nodeId]).toMatchObject({ cached: true, reason: expect.stringMatching(/^reused from run \d+: unchanged$/) });
        reused++;
      }
    }
    expect(reused).toBeGreaterThan(0);
    const { interrupted, finished } = check(project, nodes);
    expect(interrupted).toBe(midRun);
    expect(finished).toBe(completed + 1);
    console.log(`crash test: ${kills} kills (${midRun} during a run), ${completed} runs completed, delays ${delays.join(',')} ms, ${reused}/${execs.length} reused after`);
  }, 600_000);
});
