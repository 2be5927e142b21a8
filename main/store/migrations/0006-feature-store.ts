import type { Migration } from './types';

/**
 * The feature store (contract section 7): the views recorded by runs, the online store (the
 * latest row per entity and view, as of its last materialisation) and each materialisation with
 * its watermark. Times are epoch microseconds (UTC). Read and written by main/features/store.ts.
 */
export const featureStore: Migration = {
  version: 6,
  name: 'feature-store',
  up(db) {
    db.exec(`
      -- one row per view name: the definition last recorded by a run
      CREATE TABLE feature_views (
        name TEXT PRIMARY KEY,
        definition TEXT NOT NULL,
        definition_hash TEXT NOT NULL,
        artifact_hash TEXT,
        run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
        node_id TEXT,
        rows INTEGER,
        entities INTEGER,
        event_time_min INTEGER,
        event_time_max INTEGER,
        recorded_at TEXT NOT NULL
      );

      -- the online store: per view and entity key (JSON array), the latest materialised row
      CREATE TABLE online_features (
        view TEXT NOT NULL,
        entity_key TEXT NOT NULL,
        event_ts INTEGER NOT NULL,
        created_ts INTEGER,
        features TEXT NOT NULL,
        written_at TEXT NOT NULL,
        PRIMARY KEY (view, entity_key)
      ) WITHOUT ROWID;

      -- each materialisation; the newest one of a view (same definition) holds its watermark
      CREATE TABLE feature_materializations (
        id INTEGER PRIMARY KEY,
        view TEXT NOT NULL,
        definition_hash TEXT NOT NULL,
        run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
        node_id TEXT,
        since_ts INTEGER,
        as_of_ts INTEGER NOT NULL,
        rows_read INTEGER NOT NULL,
        entities_written INTEGER NOT NULL,
        at TEXT NOT NULL
      );
      CREATE INDEX feature_materializations_by_view ON feature_materializations (view, id);
    `);
  },
};
