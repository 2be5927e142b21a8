/**
 * A project file exactly as an older Pipewright wrote it: the schema of migrations up to
 * `version`, and one finished run written with that version's SQL (artifacts as single blobs in
 * `artifacts.bytes`). For the tests that prove an old file still opens and reads whole.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { APPLICATION_ID } from '../../main/store/preflight';
import { migrations } from '../../main/store/migrations';

export interface LegacyProject {
  runId: number;
  execIds: Record<'load' | 'sweep', number>;
  hashes: Record<'metrics' | 'table', string>;
  bytes: Record<'metrics' | 'table', Buffer>;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** `tableBytes`: the content of the run's table artifact (a few MiB of anything will do). */
export function legacyProject(file: string, version: number, tableBytes = Buffer.from('PAR1 a table of an older Pipewright PAR1')): LegacyProject {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  const t = '2026-01-01T00:00:00.000Z';
  const metrics = Buffer.from('{"scalars":{"accuracy":0.9}}');
  const out = db.transaction((): LegacyProject => {
    for (const m of migrations) if (m.version <= version) m.up(db);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.prepare('INSERT INTO project_meta (key, value) VALUES (?, ?)').run('created_at', t);
    db.pragma(`user_version = ${version}`);
    db.prepare('INSERT INTO pipelines (id, name, created_at) VALUES (1, ?, ?)').run('p', t);
    db.prepare('INSERT INTO pipeline_versions (id, pipeline_id, hash, text, created_at) VALUES (1, 1, ?, ?, ?)').run(sha(Buffer.from('nodes: {}\n')), 'nodes: {}\n', t);
    const runId = Number(
      db
        .prepare(
          `INSERT INTO runs (pipeline_id, pipeline_version_id, status, started_at, finished_at, duration_ms, params, options, environment, backend, owner_host, owner_pid, heartbeat_at)
           VALUES (1, 1, 'succeeded', ?, ?, 20, '{"seed":1}', '{}', '{}', 'cpu', 'elsewhere', 1, 0)`,
        )
        .run(t, t).lastInsertRowid,
    );
    const art = db.prepare('INSERT INTO artifacts (hash, kind, size, meta, created_at, bytes) VALUES (?, ?, ?, ?, ?, ?)');
    const hashes = { metrics: sha(metrics), table: sha(tableBytes) };
    art.run(hashes.metrics, 'metrics', metrics.length, '{"scalars":{"accuracy":0.9}}', t, metrics);
    art.run(hashes.table, 'table', tableBytes.length, '{"rows":3,"columns":[{"name":"x","type":"DOUBLE"}]}', t, tableBytes);
    const exec = db.prepare(
      `INSERT INTO node_executions (run_id, node_id, type, type_version, status, cache_key, cached, reused_from, reason, error, gate_failed, params, backend, started_at, finished_at, duration_ms)
       VALUES (?, ?, ?, 1, 'succeeded', ?, 0, NULL, 'first run', NULL, 0, '{}', NULL, ?, ?, ?)`,
    );
    const load = Number(exec.run(runId, 'load', 'data.csv', 'k0', t, t, 5).lastInsertRowid);
    const sweep = Number(exec.run(runId, 'sweep', 'train.sweep', 'k1', t, t, 12).lastInsertRowid);
    db.prepare('INSERT INTO execution_outputs (execution_id, port, artifact_hash) VALUES (?, ?, ?)').run(load, 'table', hashes.table);
    db.prepare('INSERT INTO execution_inputs (execution_id, port, artifact_hash) VALUES (?, ?, ?)').run(sweep, 'train', hashes.table);
    db.prepare('INSERT INTO execution_outputs (execution_id, port, artifact_hash) VALUES (?, ?, ?)').run(sweep, 'metrics', hashes.metrics);
    const metric = db.prepare('INSERT INTO metrics (execution_id, key, step, value) VALUES (?, ?, ?, ?)');
    metric.run(sweep, 'accuracy', null, 0.9);
    metric.run(sweep, 'trial.accuracy', 1, 0.8);
    db.prepare('INSERT INTO logs (run_id, execution_id, time, level, message) VALUES (?, ?, ?, ?, ?)').run(runId, sweep, 1, 'info', 'trial 1/1');
    return { runId, execIds: { load, sweep }, hashes, bytes: { metrics, table: tableBytes } };
  })();
  db.close();
  return out;
}
