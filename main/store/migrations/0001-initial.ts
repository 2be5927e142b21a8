import type { Migration } from './types';

/**
 * The first schema. Room is left for later features, each joining by foreign keys to what is
 * here (never by copying data):
 * - model registry: `registered_models (id, name UNIQUE)`, `model_versions (id, model_id,
 *   version, artifact_hash -> artifacts.hash, execution_id -> node_executions.id, metrics_hash
 *   -> artifacts.hash)`, `model_aliases (model_id, alias, version_id)`;
 * - prediction logs: `predictions (id, model_version_id, time, input JSON, output JSON)`;
 * - feature views: `feature_views (id, name, version, execution_id, artifact_hash)`;
 * - drift monitoring: `drift_reports (id, model_version_id, reference_hash, current_hash,
 *   report_hash -> artifacts.hash, time)`.
 */
export const initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE project_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      CREATE TABLE pipelines (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
      );

      -- every saved graph, by the sha256 of its canonical text; the same text is stored once
      CREATE TABLE pipeline_versions (
        id INTEGER PRIMARY KEY,
        pipeline_id INTEGER NOT NULL REFERENCES pipelines(id),
        hash TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (pipeline_id, hash)
      );

      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        pipeline_id INTEGER NOT NULL REFERENCES pipelines(id),
        pipeline_version_id INTEGER REFERENCES pipeline_versions(id),
        status TEXT NOT NULL CHECK (status IN ('running','succeeded','failed','gate_failed','cancelled','interrupted')),
        started_at TEXT NOT NULL,
        finished_at TEXT,
        duration_ms INTEGER,
        params TEXT NOT NULL DEFAULT '{}',
        options TEXT NOT NULL DEFAULT '{}',
        environment TEXT NOT NULL DEFAULT '{}',
        backend TEXT,
        -- who runs it: a run left 'running' by a dead owner is marked 'interrupted' on open
        owner_host TEXT,
        owner_pid INTEGER,
        heartbeat_at INTEGER
      );
      CREATE INDEX runs_by_pipeline ON runs (pipeline_id, id);
      CREATE INDEX runs_running ON runs (status) WHERE status = 'running';

      CREATE TABLE artifacts (
        hash TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('table','model','metrics','report','endpoint')),
        size INTEGER NOT NULL,
        meta TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        bytes BLOB NOT NULL
      );

      CREATE TABLE node_executions (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        node_id TEXT NOT NULL,
        type TEXT NOT NULL,
        type_version INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','failed','skipped','cancelled')),
        cache_key TEXT,
        cached INTEGER NOT NULL DEFAULT 0,
        reused_from INTEGER REFERENCES node_executions(id),
        reason TEXT NOT NULL DEFAULT '',
        error TEXT,
        gate_failed INTEGER NOT NULL DEFAULT 0,
        params TEXT NOT NULL DEFAULT '{}',
        backend TEXT,
        started_at TEXT,
        finished_at TEXT,
        duration_ms INTEGER,
        UNIQUE (run_id, node_id)
      );
      CREATE INDEX executions_by_key ON node_executions (cache_key) WHERE status = 'succeeded' AND cached = 0;
      CREATE INDEX executions_by_node ON node_executions (node_id, run_id);

      CREATE TABLE execution_inputs (
        execution_id INTEGER NOT NULL REFERENCES node_executions(id) ON DELETE CASCADE,
        port TEXT NOT NULL,
        artifact_hash TEXT NOT NULL REFERENCES artifacts(hash),
        PRIMARY KEY (execution_id, port)
      );
      CREATE TABLE execution_outputs (
        execution_id INTEGER NOT NULL REFERENCES node_executions(id) ON DELETE CASCADE,
        port TEXT NOT NULL,
        artifact_hash TEXT NOT NULL REFERENCES artifacts(hash),
        PRIMARY KEY (execution_id, port)
      );
      CREATE INDEX outputs_by_artifact ON execution_outputs (artifact_hash);

      -- scalars have step NULL; series points (loss per epoch) have a step
      CREATE TABLE metrics (
        execution_id INTEGER NOT NULL REFERENCES node_executions(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        step INTEGER,
        value REAL
      );
      CREATE INDEX metrics_by_execution ON metrics (execution_id, key, step);

      CREATE TABLE logs (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        execution_id INTEGER REFERENCES node_executions(id) ON DELETE CASCADE,
        time INTEGER NOT NULL,
        level TEXT NOT NULL,
        message TEXT NOT NULL
      );
      CREATE INDEX logs_by_run ON logs (run_id, id);
    `);
  },
};
