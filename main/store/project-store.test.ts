import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { APPLICATION_ID, LATEST_VERSION, openProject, ProjectFileError, ProjectWriteError, type ProjectStore } from './index';

const dirs: string[] = [];
const open: ProjectStore[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'pw-store-'));
  dirs.push(d);
  return d;
}
function project(file = join(tmp(), 'p.pwproj')): ProjectStore {
  const s = openProject(file, { create: true });
  open.push(s);
  return s;
}
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('openProject', () => {
  it('creates a file with the Pipewright application_id, WAL, foreign keys and the latest schema', () => {
    const s = project();
    expect(s.db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(s.schemaVersion()).toBe(LATEST_VERSION);
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(s.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(s.integrityCheck()).toEqual(['ok']);
  });

  it('refuses a missing file unless asked to create it', () => {
    expect(() => openProject(join(tmp(), 'none.pwproj'))).toThrow(/no such project file/);
  });

  it('refuses a file written by a newer Pipewright, with a clear message', () => {
    const file = join(tmp(), 'new.pwproj');
    project(file).close();
    const db = new Database(file);
    db.pragma(`user_version = ${LATEST_VERSION + 5}`);
    db.close();
    expect(() => openProject(file)).toThrow(ProjectFileError);
    expect(() => openProject(file)).toThrow(/newer Pipewright.*Upgrade Pipewright/);
  });

  it('refuses an SQLite file of another application and a file that is not SQLite', () => {
    const other = join(tmp(), 'other.db');
    const db = new Database(other);
    db.exec('CREATE TABLE t (a)');
    db.close();
    expect(() => openProject(other)).toThrow(/not a Pipewright project file/);
    const text = join(tmp(), 'text.pwproj');
    writeFileSync(text, 'hello, this is not a database at all');
    expect(() => openProject(text)).toThrow(/not a Pipewright project file/);
  });

  it('reopens an existing file without re-running migrations', () => {
    const file = join(tmp(), 'again.pwproj');
    const s = project(file);
    s.savePipelineVersion('p', 'text');
    s.close();
    const t = project(file);
    expect(t.latestPipelineVersion('p')?.text).toBe('text');
  });

  it('copies itself with VACUUM INTO', () => {
    const s = project();
    s.savePipelineVersion('p', 'a');
    const dest = join(tmp(), 'copy.pwproj');
    s.backupTo(dest);
    expect(existsSync(dest)).toBe(true);
    const c = project(dest);
    expect(c.latestPipelineVersion()?.text).toBe('a');
    expect(() => s.backupTo(dest)).toThrow(/already exists/);
  });
});

describe('pipelines and artifacts', () => {
  it('stores each pipeline text once by content hash', () => {
    const s = project();
    const a = s.savePipelineVersion('p', 'one');
    const b = s.savePipelineVersion('p', 'one');
    const c = s.savePipelineVersion('p', 'two');
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.version.id).toBe(a.version.id);
    expect(c.version.id).not.toBe(a.version.id);
    expect(s.latestPipelineVersion('p')?.text).toBe('two');
    expect(s.listPipelines()).toEqual([expect.objectContaining({ name: 'p', versions: 2 })]);
  });

  it('stores identical artifact bytes once and extracts them bit for bit', () => {
    const s = project();
    const d = tmp();
    writeFileSync(join(d, 'a.json'), '{"a":1}');
    writeFileSync(join(d, 'b.json'), '{"a":1}');
    const h1 = s.putArtifact(join(d, 'a.json'), 'metrics', { n: 1 });
    const h2 = s.putArtifact(join(d, 'b.json'), 'metrics');
    expect(h1).toBe(h2);
    expect(h1).toBe('015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862');
    expect((s.db.prepare('SELECT count(*) AS n FROM artifacts').get() as { n: number }).n).toBe(1);
    s.extractArtifact(h1, join(d, 'out', 'c.json'));
    expect(s.artifactJson(h1)).toEqual({ a: 1 });
    expect(s.getArtifact(h1)).toEqual({ hash: h1, kind: 'metrics', size: 7, meta: { n: 1 } });
  });
});

describe('runs and executions', () => {
  it('records a run with executions, lineage, metrics and logs, and finds reusable executions', () => {
    const s = project();
    const d = tmp();
    writeFileSync(join(d, 'm.json'), '{"x":2}');
    const hash = s.putArtifact(join(d, 'm.json'), 'metrics');
    const run = s.createRun({ pipeline: 'p', params: { seed: 1 }, environment: { os: 'linux' } });
    expect(run.status).toBe('running');
    s.append([{ type: 'execution.recorded', execution: {
      runId: run.id,
      nodeId: 'eval',
      type: 'evaluate.classification',
      typeVersion: 1,
      status: 'succeeded',
      cacheKey: 'k1',
      params: { label: 'y' },
      reason: 'first run',
      durationMs: 5,
      outputs: { metrics: hash },
      metrics: [{ key: 'accuracy', value: 0.9 }, { key: 'loss', value: 1, step: 0 }, { key: 'loss', value: 0.5, step: 1 }],
    } }]);
    const ex = s.getExecutions(run.id)[0].id;
    s.append([
      { type: 'log', runId: run.id, nodeId: 'eval', level: 'info', message: 'hello', time: 1 },
      { type: 'run.finished', runId: run.id, status: 'succeeded', durationMs: 12, backend: 'cpu' },
    ]);
    const reuse = s.findReusableExecution('k1');
    expect(reuse).toMatchObject({ executionId: ex, runId: run.id, metrics: { accuracy: 0.9 } });
    expect(reuse?.outputs.metrics.hash).toBe(hash);
    expect(s.findReusableExecution('nope')).toBeNull();
    expect(s.metricSeries(ex)).toEqual({ loss: [{ step: 0, value: 1 }, { step: 1, value: 0.5 }] });
    const got = s.getRun(run.id)!;
    expect(got.summary.run).toEqual({ id: String(run.id), status: 'succeeded', pipeline: 'p', durationMs: 12, backend: 'cpu' });
    expect(got.summary.nodes.eval).toMatchObject({ status: 'succeeded', cached: false, reason: 'first run', metrics: { accuracy: 0.9 } });
    expect(got.events.map((e) => e.type)).toEqual(['run.started', 'node.log', 'node.metric', 'node.metric', 'node.metric', 'node.finished', 'run.finished']);
    expect(s.listRuns()).toEqual([
      { id: String(run.id), status: 'succeeded', pipeline: 'p', startedAt: run.startedAt, durationMs: 12, metrics: { accuracy: 0.9 } },
    ]);
    expect(s.lastExecutionOfNode('p', 'eval')?.params).toEqual({ label: 'y' });
    expect(s.lastExecutionOfNode('p', 'eval', run.id)).toBeNull();
  });

  it('refuses lineage to an artifact that is not stored (foreign keys are on)', () => {
    const s = project();
    const run = s.createRun({ pipeline: 'p' });
    expect(() =>
      s.append([
        { type: 'execution.recorded', execution: { runId: run.id, nodeId: 'a', type: 't', typeVersion: 1, status: 'succeeded', reason: '', durationMs: 0, outputs: { x: 'f'.repeat(64) } } },
      ]),
    ).toThrow(ProjectWriteError);
    expect(() =>
      s.append([
        { type: 'execution.recorded', execution: { runId: run.id, nodeId: 'a', type: 't', typeVersion: 1, status: 'succeeded', reason: '', durationMs: 0, outputs: { x: 'f'.repeat(64) } } },
      ]),
    ).toThrow(new RegExp(`could not write to the project file ${s.path}: FOREIGN KEY`));
    expect(s.getExecutions(run.id)).toEqual([]);
  });

  it('records 100,000 metric points in one call', () => {
    const s = project();
    const run = s.createRun({ pipeline: 'p' });
    s.append([{ type: 'execution.started', execution: { runId: run.id, nodeId: 'train', type: 't', typeVersion: 1, status: 'running' } }]);
    s.append(Array.from({ length: 100_000 }, (_, i) => ({ type: 'metric', runId: run.id, nodeId: 'train', key: 'loss', value: 1 / (i + 1), step: i }) as const));
    expect(s.metricSeries(s.getExecutions(run.id)[0].id).loss.length).toBe(100_000);
  });
});

describe('interrupted runs', () => {
  it('marks a run whose owner process died as interrupted, and leaves a live one alone', async () => {
    const file = join(tmp(), 'i.pwproj');
    const s = project(file);
    const mine = s.createRun({ pipeline: 'p' });
    const dead = s.createRun({ pipeline: 'p' });
    s.append([{ type: 'execution.started', execution: { runId: dead.id, nodeId: 'a', type: 't', typeVersion: 1, status: 'running' } }]);
    // A pid that surely exited: a child we waited for.
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    s.db.prepare('UPDATE runs SET owner_pid = ? WHERE id = ?').run(pid, dead.id);
    // A live process in another pid with a fresh heartbeat must not be marked.
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    const other = s.createRun({ pipeline: 'p' });
    s.db.prepare('UPDATE runs SET owner_pid = ? WHERE id = ?').run(live.pid, other.id);
    s.close();
    try {
      const t = project(file);
      expect(t.getRunRow(dead.id)?.status).toBe('interrupted');
      expect(t.getExecutions(dead.id)[0]).toMatchObject({ status: 'cancelled', error: expect.stringMatching(/interrupted/) });
      expect(t.getRunRow(mine.id)?.status).toBe('running');
      expect(t.getRunRow(other.id)?.status).toBe('running');
    } finally {
      live.kill('SIGKILL');
    }
  });
});
