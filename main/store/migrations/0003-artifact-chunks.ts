import type { Migration } from './types';

/**
 * Artifact bytes in fixed-size chunks, so a table of hundreds of megabytes is streamed into and
 * out of the project file and never held whole in memory. `artifacts.blob` names the chunks of
 * an artifact; NULL is an artifact written before this schema, whose bytes stay in
 * `artifacts.bytes` (read as they are: nothing is copied on upgrade). New artifacts keep an empty
 * `bytes`. The chunks go with their artifact (`gc` deletes artifacts rows only).
 */
export const artifactChunks: Migration = {
  version: 3,
  name: 'artifact-chunks',
  up(db) {
    db.exec(`
      ALTER TABLE artifacts ADD COLUMN blob INTEGER;
      CREATE UNIQUE INDEX artifacts_by_blob ON artifacts (blob) WHERE blob IS NOT NULL;

      CREATE TABLE artifact_chunks (
        blob INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        bytes BLOB NOT NULL,
        PRIMARY KEY (blob, seq)
      );

      CREATE TRIGGER artifact_chunks_follow AFTER DELETE ON artifacts WHEN OLD.blob IS NOT NULL BEGIN
        DELETE FROM artifact_chunks WHERE blob = OLD.blob;
      END;
    `);
  },
};
