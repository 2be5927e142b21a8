/**
 * Crash safety: `kill -9` a real `pipewright run` process at random moments, at least 20 times.
 * Each moment is picked on the run's progress (after a random number of its nodes have finished,
 * plus a random part of its own time per node), so a slow or loaded machine gets the same spread
 * of kills as a fast one, and some kills land after the run has stored results of its own.
 * After each kill the project file passes `PRAGMA integrity_check` and its foreign keys hold,
 * every run that had finished is complete, the killed run is marked `interrupted` on the next
 * open, and a final run reuses every node whose result had been recorded.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/random';
import { openProject } from '../../main/store';
import { buildCli, ROOT, spawnCli, type CliBundle } from '../helpers/cli-bundle';

const DATA = join(ROOT, 'resources', 'data');
const KILLS = 20;
/** kills that must land after the killed run stored results of its own (so the re-run has them to reuse) */
const MIN_STORED = 3;
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
let cli: CliBundle;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-crash-'));
  writeFileSync(join(dir, 'crash.pipeline.yaml'), PIPELINE);
  writeFileSync(join(dir, 'bc.pipeline.yaml'), readFileSync(join(EXAMPLES, 'breast-cancer.pipeline.yaml'), 'utf8').replace('../../data/breast_cancer.csv', join(DATA, 'breast_cancer.csv')));
  // The real CLI as it ships: bundled, run by plain Node.js (inside the repo so packages resolve).
  cli = await buildCli('crash');
});
afterAll(() => {
  cli?.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** A finished node's plain progress line (stderr is not a terminal): icon, id, status. */
const FINISHED_LINE = /^[✓✗\-■] \S+\s+(?:succeeded|failed|skipped|cancelled)\b/gmu;

function start(file: string, project: string, args: string[]) {
  const spawnedAt = Date.now();
  /** when the run was recorded (the CLI prints 'run N of P' right after creating it) */
  let startedAt: number | null = null;
  /** when each node's finished line appeared, in order */
  const finishedAt: number[] = [];
  // The progress count: -1 until the run is recorded, then the nodes finished so far.
  const run = spawnCli(cli, ['run', file, '--project', project, ...args], {
    cwd: dir,
    progress: (stderr) => {
      if (startedAt === null && /^run \d+ of /m.test(stderr)) startedAt = Date.now();
      const n = startedAt === null ? 0 : (stderr.match(FINISHED_LINE) ?? []).length;
      while (finishedAt.length < n) finishedAt.push(Date.now());
      return startedAt === null ? -1 : finishedAt.length;
    },
  });
  return {
    ...run,
    /** Resolves once the run is recorded and `n` of its nodes have reported finishing (0: the run is recorded). */
    finished: run.progressed,
    /**
     * This run's own pace so far: the mean time per finished node, or (before any node has
     * finished) the process's time to record its run. Slow on a loaded machine, fast on an idle one.
     */
    pace(): number {
      if (startedAt === null) return Date.now() - spawnedAt;
      if (finishedAt.length === 0) return startedAt - spawnedAt;
      return (finishedAt[finishedAt.length - 1] - startedAt) / finishedAt.length;
    },
  };
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
    // kills that landed after the killed run had stored a node's result of its own
    let storedBeforeKill = 0;
    const moments: string[] = [];
    for (let i = 0; (midRun < KILLS || storedBeforeKill < MIN_STORED) && i < KILLS * 4; i++) {
      // Mostly the data pipeline with a changing seed (so there is work to interrupt); now and
      // then the breast-cancer example with training.
      const bc = i % 5 === 4;
      // --no-cache on the data runs so there is always work in flight to interrupt, whatever the load.
      const args = bc ? ['--param', `seed=${i % 3}`] : ['--param', `seed=${i % 4}`, '--no-cache'];
      const p = start(bc ? 'bc.pipeline.yaml' : 'crash.pipeline.yaml', project, args);
      // The kill moment is chosen on the run's observed progress, not on the clock: wait until
      // `after` of its nodes have reported finishing (0: until the run is recorded), then a random
      // part of the run's own time per node. A loaded machine stretches both alike, so the kills
      // land across the whole run however fast or slow it goes.
      const after = Math.floor(rand() * (bc ? nodes['breast-cancer'] : NODE_COUNT));
      const fraction = rand();
      let delay = 0;
      const outcome = await Promise.race([
        p.exited.then(() => 'exited' as const),
        p.finished(after).then(() => {
          delay = Math.round(fraction * p.pace());
          return new Promise<'kill'>((r) => setTimeout(() => r('kill'), delay));
        }),
      ]);
      if (outcome === 'kill') {
        p.child.kill('SIGKILL');
        await p.exited;
        kills++;
        moments.push(`${after}+${delay}`);
      } else expect(p.stderr()).toMatch(/run \d+ (succeeded|failed|gate_failed)/);
      check(project, nodes);
      const s = openProject(project);
      const runs = s.listRuns();
      const own = runs.length > runsBefore ? s.getExecutions(Number(runs[0].id)).filter((e) => e.status === 'succeeded' && !e.cached).length : 0;
      s.close();
      if (runs.length > runsBefore) {
        // the killed process had started its run: it is interrupted, or it had just finished
        if (runs[0].status === 'interrupted') {
          midRun++;
          if (own > 0) storedBeforeKill++;
        } else completed++;
        if (outcome === 'kill') expect(['interrupted', 'succeeded', 'failed', 'gate_failed']).toContain(runs[0].status);
        else expect(runs[0].status).not.toBe('interrupted');
      }
      runsBefore = runs.length;
    }
    expect(midRun).toBeGreaterThanOrEqual(KILLS);
    expect(storedBeforeKill).toBeGreaterThanOrEqual(MIN_STORED);

    // The next complete run reuses every node whose result had been recorded with the same key.
    const s0 = openProject(project);
    const recorded = new Set(
      (s0.db.prepare("SELECT cache_key FROM node_executions WHERE status = 'succeeded' AND cached = 0 AND cache_key IS NOT NULL").all() as { cache_key: string }[]).map((r) => r.cache_key),
    );
    s0.close();
    const last = start('crash.pipeline.yaml', project, ['--param', 'seed=1', '--json']);
    let stdout = '';
    last.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
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
    console.log(`crash test: ${kills} kills (${midRun} during a run), ${completed} runs completed, ${storedBeforeKill} killed after storing results, kill moments (finished nodes + ms) ${moments.join(',')}, ${reused}/${execs.length} reused after`);
  }, 600_000);
});
