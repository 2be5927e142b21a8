import type { Migration } from './types';

/**
 * Child executions: the trials a node runs inside its own execution (train.sweep). They live in
 * their own tables, keyed to the parent execution, so everything that reads node_executions
 * (cache reuse, run lists, run summaries) sees exactly what it saw before. A cached execution has
 * no children of its own: its trials stay with the execution it reused (`reused_from`).
 */
export const childExecutions: Migration = {
  version: 2,
  name: 'child-executions',
  up(db) {
    db.exec(`
      CREATE TABLE trial_executions (
        id INTEGER PRIMARY KEY,
        parent_execution_id INTEGER NOT NULL REFERENCES node_executions(id) ON DELETE CASCADE,
        trial_index INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('succeeded','failed')),
        params TEXT NOT NULL DEFAULT '{}',
        error TEXT,
        duration_ms INTEGER NOT NULL DEFAULT 0,
        recorded_at TEXT NOT NULL,
        UNIQUE (parent_execution_id, trial_index)
      );

      -- a trial's scalars (NULL for a value that is not finite)
      CREATE TABLE trial_metrics (
        trial_id INTEGER NOT NULL REFERENCES trial_executions(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value REAL,
        PRIMARY KEY (trial_id, key)
      );
    `);
  },
};
