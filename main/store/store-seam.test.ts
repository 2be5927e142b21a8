/**
 * The store seam: a run recorded as StoreEvents and replayed by getRun in a fixed number of
 * queries; artifacts in chunks (hashed while written, streamed out, a changed file refused);
 * an old project file (schema 2, single-blob artifacts) opening and reading whole; the one
 * transaction idiom.
 */
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { legacyProject } from '../../test/helpers/legacy-project';
import { CHUNK_BYTES } from './artifact-chunks';
import { applyGc } from './history';
import { LATEST_VERSION, openProject, ProjectWriteError, type ProjectStore, type StoreEvent } from './index';

const dir = mkdtempSync(join(tmpdir(), 'pw-seam-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
let files = 0;
const file = (name: string): string => join(dir, `${++files}-${name}`);

/** A finished run of `n` nodes in a chain, each with an output, scalars, a series, logs; one a sweep with trials, one reused. */
function recordChain(s: ProjectStore, n: number): number {
  const run = s.createRun({ pipeline: 'chain' });
  const events: StoreEvent[] = [];
  let prev: string | null = null;
  for (let i = 0; i < n; i++) {
    const nodeId = `n${i}`;
    const out = s.putArtifactBytes(Buffer.from(`output of ${nodeId} in run ${run.id}`), 'table', { rows: i, columns: [{ name: 'x', type: 'DOUBLE' }] });
    const inputs: Record<string, string> = prev ? { train: prev } : {};
    events.push({ type: 'execution.started', execution: { runId: run.id, nodeId, type: 'features.standardize', typeVersion: 1, status: 'running', cacheKey: `k${run.id}-${i}`, inputs } });
    events.push({ type: 'log', runId: run.id, nodeId, level: 'info', message: `${nodeId} starts`, time: i });
    for (let step = 0; step < 3; step++) events.push({ type: 'metric', runId: run.id, nodeId, key: 'loss', value: 1 / (step + 1), step });
    if (i === 1) for (let t = 1; t <= 2; t++) events.push({ type: 'trial', runId: run.id, nodeId, trial: { index: t, params: { lr: t / 10 }, metrics: { accuracy: 0.5 + t / 10 }, status: 'succeeded', durationMs: t } });
    events.push({ type: 'execution.finished', runId: run.id, nodeId, metrics: { a: i, b: 2 * i }, finish: { status: 'succeeded', reason: 'first run', durationMs: i, outputs: { train: out } } });
    prev = out;
  }
  // A node reused from another node of the same run (its id is not known to the caller).
  events.push({
    type: 'execution.recorded',
    execution: { runId: run.id, nodeId: 'again', type: 'train.sweep', typeVersion: 1, status: 'succeeded', cached: true, reusedFromNode: 'n1', reason: 'reused', durationMs: 0, outputs: prev ? { train: prev } : {} },
  });
  events.push({ type: 'run.finished', runId: run.id, status: 'succeeded', durationMs: 99, backend: 'cpu' });
  s.append(events);
  return run.id;
}

/** The SELECTs a call runs (counted by SQLite's trace of every statement the connection runs). */
function selectsDuring(path: string, fn: (s: ProjectStore) => void): number {
  let count = 0;
  let on = false;
  const s = openProject(path, { trace: (sql) => on && /^\s*SELECT/i.test(sql) && count++ });
  try {
    on = true;
    fn(s);
    on = false;
  } finally {
    s.close();
  }
  return count;
}

describe('getRun replays a stored run', () => {
  it('in the same number of queries for 3 nodes and for 40 (no query per node, log line or trial)', () => {
    const path = file('replay.pwproj');
    const s = openProject(path, { create: true });
    const small = recordChain(s, 3);
    const big = recordChain(s, 40);
    s.close();
    let got: ReturnType<ProjectStore['getRun']> = null;
    const q3 = selectsDuring(path, (t) => t.getRun(small));
    const q40 = selectsDuring(path, (t) => (got = t.getRun(big)));
    expect(q40).toBe(q3);
    expect(q40).toBeLessThanOrEqual(8);

    // What it replays: every node in order, its logs, series, scalars, trials and result.
    const run = got!;
    expect(Object.keys(run.summary.nodes)).toEqual([...Array.from({ length: 40 }, (_, i) => `n${i}`), 'again']);
    expect(run.events[0]).toEqual({ type: 'run.started', runId: String(big), pipeline: 'chain', nodes: Object.keys(run.summary.nodes) });
    const ofN1 = run.events.filter((e) => 'nodeId' in e && e.nodeId === 'n1').map((e) => e.type);
    expect(ofN1).toEqual(['node.log', 'node.metric', 'node.metric', 'node.metric', 'node.metric', 'node.metric', 'node.trial', 'node.trial', 'node.finished']);
    expect(run.summary.nodes.n7).toMatchObject({ status: 'succeeded', metrics: { a: 7, b: 14 }, durationMs: 7 });
    expect(run.summary.nodes.n7.outputs?.train.meta).toEqual({ rows: 7, columns: [{ name: 'x', type: 'DOUBLE' }] });
    expect(run.trials.n1.map((t) => t.metrics.accuracy)).toEqual([0.6, 0.7]);
    // The reused node shows the trials of the execution it reused, and replays none as its own.
    expect(run.trials.again).toEqual(run.trials.n1);
    expect(run.executions.find((e) => e.nodeId === 'again')?.reusedFrom).toBe(run.executions.find((e) => e.nodeId === 'n1')?.id);
    expect(run.events.filter((e) => e.type === 'node.trial' && e.nodeId === 'again')).toEqual([]);
    expect(run.events.at(-1)).toEqual({ type: 'run.finished', runId: String(big), status: 'succeeded', durationMs: 99, backend: 'cpu' });

    // Run lists: one query for every run's headline metrics, not one per run.
    const qList = selectsDuring(path, (t) => expect(t.listRuns().map((r) => r.metrics.a)).toEqual([39, 2]));
    expect(qList).toBeLessThanOrEqual(2);
  });

  it('a batch is all or nothing: an event naming a node that has no execution rolls the whole batch back, naming the node', () => {
    const s = openProject(file('batch.pwproj'), { create: true });
    try {
      const run = s.createRun({ pipeline: 'p' });
      expect(() =>
        s.append([
          { type: 'execution.started', execution: { runId: run.id, nodeId: 'a', type: 't', typeVersion: 1, status: 'running' } },
          { type: 'log', runId: run.id, nodeId: 'a', level: 'info', message: 'kept?', time: 1 },
          { type: 'metric', runId: run.id, nodeId: 'ghost', key: 'loss', value: 1, step: 0 },
        ]),
      ).toThrow(/metric of node ghost in run \d+: the node's execution was never recorded/);
      expect(s.getExecutions(run.id)).toEqual([]);
      expect(s.getLogs(run.id)).toEqual([]);
    } finally {
      s.close();
    }
  });

  it('series points of two nodes interleaved in one batch land on their own executions; data-file hashes of two nodes merge into the run', () => {
    const s = openProject(file('interleaved.pwproj'), { create: true });
    try {
      const run = s.createRun({ pipeline: 'p', options: { baseDir: '/x' } });
      const events: StoreEvent[] = ['a', 'b'].map((nodeId) => ({ type: 'execution.started', execution: { runId: run.id, nodeId, type: 't', typeVersion: 1, status: 'running' } }));
      for (let step = 0; step < 6; step++) events.push({ type: 'metric', runId: run.id, nodeId: step % 3 === 0 ? 'a' : 'b', key: 'loss', value: step, step });
      events.push({ type: 'run.dataFiles', runId: run.id, nodeId: 'a', files: { 'a.csv': 'f'.repeat(64) } });
      events.push({ type: 'run.dataFiles', runId: run.id, nodeId: 'b', files: { '../b.csv': 'e'.repeat(64) } });
      s.append(events);
      const series = (nodeId: string) =>
        s.db
          .prepare('SELECT m.step, m.value FROM metrics m JOIN node_executions e ON e.id = m.execution_id WHERE e.run_id = ? AND e.node_id = ? ORDER BY m.rowid')
          .all(run.id, nodeId);
      expect(series('a')).toEqual([0, 3].map((v) => ({ step: v, value: v })));
      expect(series('b')).toEqual([1, 2, 4, 5].map((v) => ({ step: v, value: v })));
      expect(s.getRunRow(run.id)?.options).toEqual({ baseDir: '/x', dataFiles: { a: { 'a.csv': 'f'.repeat(64) }, b: { '../b.csv': 'e'.repeat(64) } } });
    } finally {
      s.close();
    }
  });
});

describe('artifacts in chunks', () => {
  it('stores a file larger than a chunk in chunks, hashed while read, and streams it out bit for bit', () => {
    const s = openProject(file('chunks.pwproj'), { create: true });
    try {
      const bytes = randomBytes(3 * CHUNK_BYTES + 12_345);
      const src = file('big.bin');
      writeFileSync(src, bytes);
      const hash = s.putArtifact(src, 'table', { rows: 1 });
      expect(hash).toBe(sha(bytes));
      const rows = s.db.prepare('SELECT seq, length(bytes) AS n FROM artifact_chunks ORDER BY seq').all();
      expect(rows).toEqual([0, 1, 2, 3].map((seq) => ({ seq, n: seq < 3 ? CHUNK_BYTES : 12_345 })));
      expect(s.db.prepare('SELECT size, length(bytes) AS inline FROM artifacts WHERE hash = ?').get(hash)).toEqual({ size: bytes.length, inline: 0 });
      const out = file('out.bin');
      s.extractArtifact(hash, out);
      expect(readFileSync(out).equals(bytes)).toBe(true);
      expect(s.artifactBytes(hash)?.equals(bytes)).toBe(true);
      // The same content again (from bytes, or a file with its hash given) adds nothing.
      expect(s.putArtifactBytes(bytes, 'table')).toBe(hash);
      expect(s.putArtifact(src, 'table', {}, hash)).toBe(hash);
      expect(s.db.prepare('SELECT count(*) AS n FROM artifact_chunks').get()).toEqual({ n: 4 });
      // An empty artifact has no chunks and reads as empty.
      const empty = file('empty.bin');
      writeFileSync(empty, '');
      const e = s.putArtifact(empty, 'report');
      expect(s.artifactBytes(e)?.length).toBe(0);
    } finally {
      s.close();
    }
  });

  it('stores a file of one chunk or less as one chunk, once per content, and refuses a small file that does not match its hash', () => {
    const s = openProject(file('small.pwproj'), { create: true });
    try {
      const small = Buffer.from('{"scalars":{"value":42}}');
      const src = file('small.json');
      writeFileSync(src, small);
      const hash = s.putArtifact(src, 'metrics', { scalars: { value: 42 } }, sha(small));
      expect(hash).toBe(sha(small));
      const count = () => s.db.prepare('SELECT (SELECT count(*) FROM artifacts) AS a, (SELECT count(*) FROM artifact_chunks) AS c').get();
      expect(count()).toEqual({ a: 1, c: 1 });
      expect(s.artifactBytes(hash)?.equals(small)).toBe(true);
      // The same content from another file or from bytes: no new row, no new chunk.
      const again = file('again.json');
      writeFileSync(again, small);
      expect(s.putArtifact(again, 'metrics', {})).toBe(hash);
      expect(s.putArtifactBytes(Buffer.from(small), 'metrics', {})).toBe(hash);
      expect(count()).toEqual({ a: 1, c: 1 });
      // Exactly one chunk, from a file and from bytes.
      const whole = randomBytes(CHUNK_BYTES);
      const wholeFile = file('whole.bin');
      writeFileSync(wholeFile, whole);
      expect(s.putArtifact(wholeFile, 'table', {})).toBe(sha(whole));
      expect(s.putArtifactBytes(whole, 'table', {})).toBe(sha(whole));
      expect(count()).toEqual({ a: 2, c: 2 });
      const out = file('whole.out');
      s.extractArtifact(sha(whole), out);
      expect(readFileSync(out).equals(whole)).toBe(true);
      // A small file whose bytes changed after they were hashed: refused, nothing stored.
      const changed = file('changed.json');
      writeFileSync(changed, '{"scalars":{"value":43}}');
      const claimed = sha(Buffer.from('{"scalars":{"value":44}}'));
      expect(() => s.putArtifact(changed, 'metrics', {}, claimed)).toThrow(new RegExp(`${changed}: its bytes hash to [0-9a-f]{64}, not the ${claimed}`));
      expect(count()).toEqual({ a: 2, c: 2 });
    } finally {
      s.close();
    }
  });

  it('refuses a file whose bytes do not match the hash it was reported with, storing nothing', () => {
    const s = openProject(file('mismatch.pwproj'), { create: true });
    try {
      const src = file('changed.bin');
      writeFileSync(src, randomBytes(CHUNK_BYTES + 1));
      const claimed = sha(Buffer.from('what the worker hashed before the file changed'));
      expect(() => s.putArtifact(src, 'table', {}, claimed)).toThrow(new RegExp(`${src}: its bytes hash to [0-9a-f]{64}, not the ${claimed}`));
      expect(s.db.prepare('SELECT (SELECT count(*) FROM artifacts) AS a, (SELECT count(*) FROM artifact_chunks) AS c').get()).toEqual({ a: 0, c: 0 });
      expect(() => s.putArtifact(dir, 'table')).toThrow(/not a regular file|EISDIR/);
    } finally {
      s.close();
    }
  });

  it('an artifact that is not stored: extract names it and leaves no file behind', () => {
    const s = openProject(file('absent.pwproj'), { create: true });
    try {
      const dest = file('never.bin');
      expect(() => s.extractArtifact('0'.repeat(64), dest)).toThrow(/artifact 0{64} is not in the project file/);
      expect(existsSync(dest)).toBe(false);
    } finally {
      s.close();
    }
  });
});

describe('an old project file (schema 2, artifacts as single blobs)', () => {
  it('opens, migrates, reads its old artifacts, stores new ones in chunks, and gc deletes both kinds', () => {
    const path = file('v2.pwproj');
    const table = randomBytes(2 * CHUNK_BYTES + 7);
    const old = legacyProject(path, 2, table);
    // Read-only first: not migrated, yet every old artifact reads.
    const ro = openProject(path, { readonly: true });
    try {
      expect(ro.schemaVersion()).toBe(2);
      expect(ro.artifactBytes(old.hashes.table)?.equals(table)).toBe(true);
      expect(ro.getRun(old.runId)?.summary.nodes.sweep).toMatchObject({ status: 'succeeded', metrics: { accuracy: 0.9 } });
    } finally {
      ro.close();
    }
    const s = openProject(path);
    try {
      expect(s.schemaVersion()).toBe(LATEST_VERSION);
      expect(s.artifactJson(old.hashes.metrics)).toEqual({ scalars: { accuracy: 0.9 } });
      const out = file('old-table.parquet');
      s.extractArtifact(old.hashes.table, out);
      expect(readFileSync(out).equals(table)).toBe(true);
      const got = s.getRun(old.runId)!;
      expect(got.summary.nodes.load.outputs?.table).toEqual({ hash: old.hashes.table, kind: 'table', meta: { rows: 3, columns: [{ name: 'x', type: 'DOUBLE' }] } });
      expect(got.events.filter((e) => e.type === 'node.metric').map((e) => (e.type === 'node.metric' ? [e.key, e.step] : null))).toEqual([
        ['trial.accuracy', 1],
        ['accuracy', undefined],
      ]);
      // The same bytes stored again are found under the old blob: nothing is duplicated.
      expect(s.putArtifactBytes(table, 'table')).toBe(old.hashes.table);
      expect(s.db.prepare('SELECT count(*) AS n FROM artifact_chunks').get()).toEqual({ n: 0 });
      // A new run's artifact goes in chunks; gc of the old run deletes the old blob and the new chunks alike.
      const fresh = randomBytes(CHUNK_BYTES + 3);
      const run = s.createRun({ pipeline: 'p' });
      const h = s.putArtifactBytes(fresh, 'table');
      s.append([
        { type: 'execution.recorded', execution: { runId: run.id, nodeId: 'load', type: 'data.csv', typeVersion: 1, status: 'succeeded', reason: 'first run', durationMs: 1, outputs: { table: h } } },
        { type: 'run.finished', runId: run.id, status: 'succeeded', durationMs: 1 },
      ]);
      expect(s.db.prepare('SELECT count(*) AS n FROM artifact_chunks').get()).toEqual({ n: 2 });
      applyGc(s, 1);
      expect(s.hasArtifact(old.hashes.table)).toBe(false);
      expect(s.artifactBytes(h)?.equals(fresh)).toBe(true);
      s.db.prepare('DELETE FROM runs WHERE id = ?').run(run.id);
      applyGc(s, 1);
      expect(s.hasArtifact(h)).toBe(false);
      expect(s.db.prepare('SELECT count(*) AS n FROM artifact_chunks').get()).toEqual({ n: 0 });
      expect(s.integrityCheck()).toEqual(['ok']);
      expect(s.db.pragma('foreign_key_check')).toEqual([]);
    } finally {
      s.close();
    }
  });
});

describe('one transaction idiom', () => {
  it('nested calls join the outer transaction; a failure inside rolls all of it back', () => {
    const s = openProject(file('txn.pwproj'), { create: true });
    try {
      expect(() =>
        s.transaction(() => {
          s.setMeta('a', '1');
          s.transaction(() => s.setMeta('b', '2'));
          throw new Error('changed my mind');
        }),
      ).toThrow('changed my mind');
      expect([s.getMeta('a'), s.getMeta('b')]).toEqual([null, null]);
    } finally {
      s.close();
    }
  });

  it('a lock another connection holds past the wait is a busy ProjectWriteError naming the file; nothing is written', () => {
    const path = file('busy.pwproj');
    const s = openProject(path, { create: true, lockWaitMs: 5_000 });
    const other = new Database(path);
    try {
      other.prepare('BEGIN IMMEDIATE').run();
      let err: unknown = null;
      try {
        s.append([{ type: 'meta', key: 'k', value: 'v' }], { waitMs: 30 });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ProjectWriteError);
      expect((err as ProjectWriteError).busy).toBe(true);
      expect((err as Error).message).toContain(path);
      other.prepare('ROLLBACK').run();
      expect(s.getMeta('k')).toBeNull();
      // The store's own wait is back in force after the short one.
      expect(s.db.pragma('busy_timeout', { simple: true })).toBe(5_000);
      s.append([{ type: 'meta', key: 'k', value: 'v' }]);
      expect(s.getMeta('k')).toBe('v');
    } finally {
      other.close();
      s.close();
    }
  });
});
