import type { Migration } from './types';

/**
 * The model registry (contract section 5): registered models, their numbered versions with
 * provenance, aliases (no stages), the audit trail of every alias move, pending alias moves
 * waiting for approval, and per model a traffic split and a shadow alias (section 6).
 *
 * A version keeps its provenance as values (run id, node id, pipeline version hash), not as
 * foreign keys into runs: `gc` may delete the run, never the version. Its servable model file
 * (`bundle_hash`, the model plus its row-wise chain) is an artifact that gc keeps.
 * `registry_state.generation` goes up on every registry write: a server polls that one row to
 * learn that an alias, a traffic split or a version changed.
 */
export const modelRegistry: Migration = {
  version: 4,
  name: 'model-registry',
  up(db) {
    db.exec(`
      CREATE TABLE registered_models (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        -- JSON { alias: percent } summing to 100, or NULL (no split)
        traffic TEXT,
        shadow_alias TEXT
      );

      CREATE TABLE model_versions (
        id INTEGER PRIMARY KEY,
        model_id INTEGER NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        -- the trainer's model artifact: registering it again under the same name is the same version
        model_hash TEXT NOT NULL,
        -- the servable model file (format pipewright-served-model): model + row-wise chain
        bundle_hash TEXT NOT NULL REFERENCES artifacts(hash),
        run_id INTEGER,
        node_id TEXT,
        pipeline TEXT,
        pipeline_version_hash TEXT,
        data_hashes TEXT NOT NULL DEFAULT '{}',
        metrics TEXT NOT NULL DEFAULT '{}',
        inputs TEXT NOT NULL DEFAULT '[]',
        task TEXT NOT NULL CHECK (task IN ('classification','regression')),
        classes TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (model_id, version),
        UNIQUE (model_id, model_hash)
      );

      CREATE TABLE model_aliases (
        model_id INTEGER NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
        alias TEXT NOT NULL,
        version_id INTEGER NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
        PRIMARY KEY (model_id, alias)
      );

      CREATE TABLE model_audit (
        id INTEGER PRIMARY KEY,
        model_id INTEGER NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        alias TEXT NOT NULL,
        from_version INTEGER,
        to_version INTEGER,
        by_user TEXT NOT NULL,
        via TEXT NOT NULL,
        reason TEXT
      );
      CREATE INDEX model_audit_by_model ON model_audit (model_id, id);

      CREATE TABLE model_pending (
        id INTEGER PRIMARY KEY,
        model_id INTEGER NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
        alias TEXT NOT NULL,
        version_id INTEGER NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
        requested_at TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        via TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','superseded')),
        decided_at TEXT,
        decided_by TEXT,
        reason TEXT
      );
      CREATE INDEX model_pending_open ON model_pending (model_id, status);

      CREATE TABLE registry_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        generation INTEGER NOT NULL
      );
      INSERT INTO registry_state (id, generation) VALUES (1, 0);
    `);
  },
};
