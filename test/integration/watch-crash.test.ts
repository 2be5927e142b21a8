/**
 * The trigger queue under `kill -9` (contract section 8): a real `pipewright watch --once` is
 * killed at least 20 times at random moments picked on its progress (a random number of its
 * log lines: firings taken, nodes finished, runs settled), so a loaded machine gets the same
 * spread as an idle one. After every kill the project file is whole, no firing is lost and no
 * firing has two completed runs; a last watcher finishes the queue: every firing is done with
 * exactly one completed run, or gave up after 3 retries with none. Then two watchers at once on
 * one project: each firing completed once, by one of them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/random';
import { openProject } from '../../main/store';
import { enqueue, listFirings, MAX_RETRIES } from '../../main/watch/queue';
import { buildCli, spawnCli, type CliBundle, type CliProcess } from '../helpers/cli-bundle';
import { weatherJob } from '../helpers/weather-job';

const KILLS = 20;

const PIPELINE = weatherJob(
  'job',
  `  features:
    type: data.sql
    inputs:
      days: weather.table
    params:
      query: SELECT precipitation, temp_max, temp_min, wind, weather FROM days
    cache: false
  split:
    type: features.split
    inputs:
      table: features.table
    params:
      stratifyBy: weather
    cache: false
  drift:
    type: monitor.drift
    inputs:
      reference: split.train
      current: split.test
    cache: false
`,
);

let dir: string;
let cli: CliBundle;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-watch-crash-'));
  writeFileSync(join(dir, 'job.pipeline.yaml'), PIPELINE);
  cli = await buildCli('watch-crash');
});
afterAll(() => {
  cli.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** A progress line: the watcher's own, or a node's finished line. */
const PROGRESS = /^(pipewright watch: |[✓✗\-■] \S+\s+(?:succeeded|failed|skipped|cancelled)\b)/gmu;

function watch(project: string): CliProcess {
  return spawnCli(cli, ['watch', '--project', project, join(dir, 'job.pipeline.yaml'), '--once'], {
    cwd: dir,
    env: { ...process.env, PIPEWRIGHT_WATCH_BACKOFF_MS: '1' },
    progress: (stderr) => (stderr.match(PROGRESS) ?? []).length,
  });
}

function addFirings(project: string, from: number, count: number): void {
  const s = openProject(project, { create: true });
  try {
    const file = join(dir, 'job.pipeline.yaml');
    for (let i = from; i < from + count; i++) enqueue(s, { triggerKey: 'test', kind: 'files', sourceFile: file, pipelineFile: file, detail: { i }, dedupe: `test:${i}` });
  } finally {
    s.close();
  }
}

/** Opens the file as the next watcher would; checks it is whole and no firing ran twice. */
function check(project: string, expected: number): { completed: Map<number, number> } {
  const s = openProject(project);
  try {
    expect(s.integrityCheck()).toEqual(['ok']);
    expect(s.db.pragma('foreign_key_check')).toEqual([]);
    const firings = listFirings(s);
    expect(firings).toHaveLength(expected);
    const rows = s.db.prepare("SELECT trigger_firing AS f, count(*) AS n FROM runs WHERE trigger_firing IS NOT NULL AND status NOT IN ('running', 'interrupted') GROUP BY trigger_firing").all() as { f: number; n: number }[];
    for (const r of rows) expect(r.n, `firing ${r.f} completed ${r.n} runs`).toBe(1);
    const triggered = s.db.prepare("SELECT DISTINCT trigger FROM runs").all() as { trigger: string }[];
    expect(triggered.map((t) => t.trigger)).toEqual(triggered.length ? ['files'] : []);
    return { completed: new Map(rows.map((r) => [r.f, r.n])) };
  } finally {
    s.close();
  }
}

describe('pipewright watch under kill -9', () => {
  it(`loses no firing and completes none twice over ${KILLS} kills at random moments`, async () => {
    const project = join(dir, 'crash.pwproj');
    let total = 8;
    addFirings(project, 0, total);
    const rand = seededRandom(20261129);
    let kills = 0;
    for (let round = 0; kills < KILLS && round < 200; round++) {
      const w = watch(project);
      const target = Math.floor(rand() * 14);
      const killed = await Promise.race([w.progressed(target).then(() => true), w.exited.then(() => false)]);
      if (killed && w.child.exitCode === null) {
        w.child.kill('SIGKILL');
        kills++;
      }
      await w.exited;
      check(project, total);
      const s = openProject(project);
      const open = listFirings(s).filter((f) => f.status === 'queued' || f.status === 'running').length;
      s.close();
      if (open < 3) {
        addFirings(project, total, 4);
        total += 4;
      }
    }
    expect(kills).toBeGreaterThanOrEqual(KILLS);
    // A last watcher, not killed, finishes the queue.
    const last = watch(project);
    await last.exited;
    const { completed } = check(project, total);
    const s = openProject(project);
    try {
      for (const f of listFirings(s)) {
        if (f.status === 'done') {
          expect(completed.get(f.id), `firing ${f.id} done with one run`).toBe(1);
          expect(f.outcome).toBe('succeeded');
        } else {
          expect(f).toMatchObject({ status: 'gave_up', attempts: MAX_RETRIES + 1 });
          expect(completed.has(f.id)).toBe(false);
        }
      }
    } finally {
      s.close();
    }
  }, 900_000);

  it('two watchers on one project complete each firing once', async () => {
    const project = join(dir, 'two.pwproj');
    addFirings(project, 0, 6);
    const a = watch(project);
    const b = watch(project);
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    const { completed } = check(project, 6);
    expect(completed.size).toBe(6);
    const s = openProject(project);
    try {
      expect(listFirings(s).every((f) => f.status === 'done' && f.attempts === 1)).toBe(true);
    } finally {
      s.close();
    }
  }, 600_000);
});
