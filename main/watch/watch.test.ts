import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createChecker } from '../../nodes/checker';
import { registry } from '../../nodes/registry';
import { loadPipeline, serializePipeline } from '../../shared/pipeline';
import runsCommand from '../cli/commands/runs';
import type { CliIO } from '../cli/io';
import { openProject, type ProjectStore } from '../store/project-store';
import { claimNext, enqueue, listFirings, MAX_RETRIES, setPaused } from './queue';
import { evaluateTriggers, loadTriggers, matchingFiles, Watcher } from './watcher';

let dir: string;
let store: ProjectStore;

const MONITOR = (triggers: string): string => `apiVersion: pipewright/v1
kind: Pipeline
metadata:
  name: monitor
nodes:
  ref:
    type: data.sample
    params:
      name: iris
  cur:
    type: data.sql
    inputs:
      t: ref.table
    params:
      query: SELECT sepal_length + 1 AS sepal_length, species FROM t
  drift:
    type: monitor.drift
    inputs:
      reference: ref.table
      current: cur.table
triggers:
${triggers}`;

const RETRAIN = `apiVersion: pipewright/v1
kind: Pipeline
metadata:
  name: retrain
nodes:
  data:
    type: data.sample
    params:
      name: iris
`;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-watch-'));
  writeFileSync(join(dir, 'retrain.pipeline.yaml'), RETRAIN);
  store = openProject(join(dir, 'p.pwproj'), { create: true });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string, mtimeSecondsAgo?: number): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  if (mtimeSecondsAgo !== undefined) {
    const t = Date.now() / 1000 - mtimeSecondsAgo;
    utimesSync(path, t, t);
  }
  return path;
}

describe('triggers in the pipeline file', () => {
  const checker = createChecker(registry);

  it('round-trip canonically, written after nodes in block style', () => {
    const text = MONITOR('  - schedule: 0 3 * * *\n  - files: data/incoming/*.csv\n  - metric:\n      node: drift\n      name: datasetDrift\n      above: 0\n    pipeline: retrain.pipeline.yaml\n');
    const loaded = loadPipeline(text, checker);
    expect(loaded.errors).toEqual([]);
    expect(loaded.pipeline?.triggers).toEqual([
      { schedule: '0 3 * * *', extensions: {} },
      { files: 'data/incoming/*.csv', extensions: {} },
      { metric: { node: 'drift', name: 'datasetDrift', above: 0 }, pipeline: 'retrain.pipeline.yaml', extensions: {} },
    ]);
    expect(serializePipeline(loaded.pipeline!)).toBe(text);
  });

  it('refuses a bad cron, a glob leaving the folder, a missing node, an impossible metric and a loop, each at its place', () => {
    const text = MONITOR([
      '  - schedule: "0 25 * * *"',
      '  - files: ../../etc/*',
      '  - metric: { node: nope, name: datasetDrift, above: 0 }',
      '    pipeline: retrain.pipeline.yaml',
      '  - metric: { node: drift, name: accuracy, above: 0 }',
      '    pipeline: retrain.pipeline.yaml',
      '  - metric: { node: drift, name: age.pValue, below: 0.05 }',
      '  - metric: { node: ref, name: rows, above: 0 }',
      '    pipeline: retrain.pipeline.yaml',
      '  - schedule: "* * *"',
      '',
    ].join('\n'));
    const errors = loadPipeline(text, checker).errors.map((e) => `${e.place}: ${e.message}`);
    expect(errors).toEqual([
      expect.stringMatching(/^triggers\.0\.schedule: not a cron schedule: .*hour/),
      'triggers.1.files: must stay under the pipeline file’s folder (no .. above it)',
      expect.stringMatching(/^triggers\.2\.metric\.node: no node 'nope' in this pipeline \(nodes: ref, cur, drift\)/),
      expect.stringMatching(/^triggers\.3\.metric\.name: monitor\.drift never produces a metric 'accuracy' \(it gives driftedShare, driftedColumns, datasetDrift, \*\.statistic, \*\.pValue\)/),
      expect.stringMatching(/^triggers\.4: a metric trigger without pipeline: would start this same pipeline/),
      'triggers.5.metric.name: data.sample produces no metrics',
      expect.stringMatching(/^triggers\.6\.schedule: a cron schedule has 5 fields .* has 3/),
    ]);
  });

  it('a metric trigger whose pipeline: is this same file (also through ./ or dir/..) is a loop, at its place; another file is fine', () => {
    const text = MONITOR([
      '  - metric: { node: drift, name: datasetDrift, above: 0 }',
      '    pipeline: monitor.pipeline.yaml',
      '  - metric: { node: drift, name: datasetDrift, above: 0 }',
      '    pipeline: ./monitor.pipeline.yaml',
      '  - metric: { node: drift, name: datasetDrift, above: 0 }',
      '    pipeline: jobs/../monitor.pipeline.yaml',
      '  - metric: { node: drift, name: datasetDrift, above: 0 }',
      '    pipeline: jobs/monitor.pipeline.yaml',
      '  - metric: { node: drift, name: datasetDrift, above: 0 }',
      '    pipeline: retrain.pipeline.yaml',
      '',
    ].join('\n'));
    const errors = loadPipeline(text, checker, { fileName: 'monitor.pipeline.yaml' }).errors.map((e) => `${e.place} (line ${e.line}): ${e.message}`);
    expect(errors).toEqual([
      expect.stringMatching(/^triggers\.0\.pipeline \(line 23\): monitor\.pipeline\.yaml is this same file: a metric trigger would start it after each of its own runs \(a loop\)/),
      expect.stringMatching(/^triggers\.1\.pipeline \(line 25\): \.\/monitor\.pipeline\.yaml is this same file/),
      expect.stringMatching(/^triggers\.2\.pipeline \(line 27\): jobs\/\.\.\/monitor\.pipeline\.yaml is this same file/),
    ]);
    // the watcher refuses the file (nothing is queued), and so does `pipewright validate`
    const file = write('monitor.pipeline.yaml', text);
    expect(() => loadTriggers(file)).toThrow(/triggers\.0\.pipeline.*this same file/);
    expect(listFirings(store)).toEqual([]);
  });

  it('files globs match under the folder only, without following links', () => {
    write('data/incoming/a.csv', 'x\n1\n');
    write('data/incoming/deep/b.csv', 'x\n1\n');
    write('data/other.txt', 'x');
    expect(Object.keys(matchingFiles(dir, 'data/incoming/*.csv'))).toEqual(['data/incoming/a.csv']);
    expect(Object.keys(matchingFiles(dir, 'data/**/*.csv'))).toEqual(['data/incoming/a.csv', 'data/incoming/deep/b.csv']);
  });
});

describe('firing', () => {
  it('a schedule missed many times while nobody watched fires once, then waits for its next slot', () => {
    const file = write('monitor.pipeline.yaml', MONITOR('  - schedule: "0 * * * * *"\n'), 3600);
    const triggers = loadTriggers(file);
    expect(evaluateTriggers(store, triggers)).toHaveLength(1);
    expect(evaluateTriggers(store, triggers)).toHaveLength(0);
    expect(listFirings(store)).toMatchObject([{ kind: 'schedule', status: 'queued', pipelineFile: file }]);
    // A second watcher seeing the same slot writes nothing more.
    const other = openProject(join(dir, 'p.pwproj'));
    try {
      expect(evaluateTriggers(other, triggers, Date.now())).toHaveLength(0);
    } finally {
      other.close();
    }
    expect(listFirings(store)).toHaveLength(1);
  });

  it('a paused trigger does not fire', () => {
    const file = write('monitor.pipeline.yaml', MONITOR('  - schedule: "0 * * * * *"\n'), 3600);
    const triggers = loadTriggers(file);
    setPaused(store, triggers[0].key, true);
    expect(evaluateTriggers(store, triggers)).toEqual([]);
    setPaused(store, triggers[0].key, false);
    expect(evaluateTriggers(store, triggers)).toHaveLength(1);
  });

  it('files present at the first watch fire once; a changed or new file fires again, an unchanged one never', () => {
    const file = write('monitor.pipeline.yaml', MONITOR('  - files: inbox/*.csv\n'));
    write('inbox/a.csv', 'x\n1\n', 100);
    write('inbox/b.csv', 'x\n1\n', 100);
    const triggers = loadTriggers(file);
    expect(evaluateTriggers(store, triggers)).toHaveLength(1);
    expect(listFirings(store)[0].detail).toEqual({ files: ['inbox/a.csv', 'inbox/b.csv'], count: 2 });
    expect(evaluateTriggers(store, triggers)).toHaveLength(0);
    write('inbox/b.csv', 'x\n2\n3\n');
    write('inbox/c.csv', 'x\n1\n');
    expect(evaluateTriggers(store, triggers)).toHaveLength(1);
    expect(listFirings(store)[0].detail).toEqual({ files: ['inbox/b.csv', 'inbox/c.csv'], count: 2 });
  });

  // A yearly schedule missed since the file was written 400 days ago: it is due once, and its next
  // slot (next 1 January) cannot come while the test runs, however slow the machine (with a
  // per-minute schedule, a run crossing a minute boundary made the second --once fire again).
  it('--once: the schedule runs the monitoring pipeline, its drift fires the retraining run; runs --json says what started each', async () => {
    const file = write('monitor.pipeline.yaml', MONITOR('  - schedule: "0 0 0 1 1 *"\n  - metric: { node: drift, name: datasetDrift, above: 0 }\n    pipeline: retrain.pipeline.yaml\n'), 400 * 86400);
    const watcher = new Watcher({ store, files: [file, join(dir, 'retrain.pipeline.yaml')] });
    watcher.load();
    const results = await watcher.once();
    expect(results.map((r) => [r.firing.kind, r.status])).toEqual([
      ['schedule', 'succeeded'],
      ['metric', 'succeeded'],
    ]);
    expect(listFirings(store).every((f) => f.status === 'done' && f.outcome === 'succeeded')).toBe(true);
    let out = '';
    const io: CliIO = { stdout: (t) => void (out += t), stderr: () => {}, isTTY: false, cwd: dir };
    expect(await runsCommand(['--project', join(dir, 'p.pwproj'), '--json'], io)).toBe(0);
    const runs = (JSON.parse(out) as { runs: { pipeline: string; trigger: string; metrics: Record<string, number> }[] }).runs;
    expect(runs.map((r) => [r.pipeline, r.trigger])).toEqual([
      ['retrain', 'metric'],
      ['monitor', 'schedule'],
    ]);
    expect(runs[1].metrics.datasetDrift).toBe(1);
    // Nothing is due any more: a second --once runs nothing.
    expect(await watcher.once()).toEqual([]);
  }, 120_000);
});

describe('the queue', () => {
  const owner = (n: string) => ({ owner: n, leaseMs: 60_000, backoffMs: 1000 });

  function queued(kind: 'schedule' = 'schedule', dedupe = 'x'): void {
    enqueue(store, { triggerKey: 'k', kind, sourceFile: join(dir, 'a.pipeline.yaml'), pipelineFile: join(dir, 'a.pipeline.yaml'), detail: {}, dedupe });
  }

  it('a lease held by a live owner elsewhere is respected until it expires, then taken over', () => {
    queued();
    const first = claimNext(store, owner('elsewhere:1'));
    expect(first).toMatchObject({ status: 'running', attempts: 1, leaseOwner: 'elsewhere:1' });
    expect(claimNext(store, owner('here:2'))).toBeNull();
    store.db.prepare('UPDATE trigger_firings SET lease_until = ? WHERE id = ?').run(Date.now() - 1, first!.id);
    // Expired without a run: back to the queue with backoff (not due yet), then due.
    expect(claimNext(store, owner('here:2'))).toBeNull();
    expect(listFirings(store)[0]).toMatchObject({ status: 'queued', error: 'its watcher stopped before the run started' });
    store.db.prepare('UPDATE trigger_firings SET due_at = 0').run();
    expect(claimNext(store, owner('here:2'))).toMatchObject({ id: first!.id, attempts: 2, leaseOwner: 'here:2' });
  });

  it('a firing whose run finished is settled from the run, never run a second time', () => {
    queued();
    const f = claimNext(store, owner('elsewhere:1'))!;
    const run = store.createRun({ pipeline: 'a' });
    store.db.prepare('UPDATE trigger_firings SET run_id = ?, lease_until = 0 WHERE id = ?').run(run.id, f.id);
    store.db.prepare("UPDATE runs SET status = 'succeeded' WHERE id = ?").run(run.id);
    expect(claimNext(store, owner('here:2'))).toBeNull();
    expect(listFirings(store)[0]).toMatchObject({ status: 'done', outcome: 'succeeded', attempts: 1 });
  });

  it(`an interrupted run is retried at most ${MAX_RETRIES} times, with growing backoff, then given up`, () => {
    queued();
    const dues: number[] = [];
    for (let attempt = 1; attempt <= MAX_RETRIES + 1; attempt++) {
      store.db.prepare('UPDATE trigger_firings SET due_at = 0 WHERE status = ?').run('queued');
      const f = claimNext(store, owner('elsewhere:1'));
      expect(f?.attempts).toBe(attempt);
      const run = store.createRun({ pipeline: 'a' });
      store.db.prepare("UPDATE runs SET status = 'interrupted' WHERE id = ?").run(run.id);
      store.db.prepare('UPDATE trigger_firings SET run_id = ?, lease_until = 0 WHERE id = ?').run(run.id, f!.id);
      const before = Date.now();
      claimNext(store, owner('here:2'));
      const now = listFirings(store)[0];
      if (attempt <= MAX_RETRIES) {
        expect(now.status).toBe('queued');
        dues.push(now.dueAt - before);
      } else expect(now).toMatchObject({ status: 'gave_up', error: `interrupted ${MAX_RETRIES + 1} times` });
    }
    expect(dues[1]).toBeGreaterThan(dues[0]);
    expect(dues[2]).toBeGreaterThan(dues[1]);
  });
});
