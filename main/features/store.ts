/**
 * The feature store's tables in the project file (migration 0006): recorded views, the online
 * store and the materialisation log with each view's watermark. Every multi-row write is one
 * transaction (`store.transaction`, which waits for another process's lock and then names the file).
 */
import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { ProjectStore } from '../store/project-store';
import type { ViewDoc } from '../../nodes/features/feature-view';

export interface RecordedView {
  name: string;
  definition: ViewDoc;
  definitionHash: string;
  artifactHash: string | null;
  runId: number | null;
  nodeId: string | null;
  rows: number | null;
  entities: number | null;
  /** epoch microseconds (UTC) of the oldest and newest event */
  eventTimeMin: number | null;
  eventTimeMax: number | null;
  recordedAt: string;
}

export interface Materialization {
  view: string;
  definitionHash: string;
  runId: number | null;
  nodeId: string | null;
  /** the watermark before (exclusive; null: everything was read) and after, epoch microseconds */
  sinceTs: number | null;
  asOfTs: number;
  rowsRead: number;
  entitiesWritten: number;
  at: string;
}

/** One online row: the view's features (in its order) at `eventTs`. */
export interface OnlineRow {
  key: unknown[];
  eventTs: number;
  createdTs: number | null;
  values: unknown[];
}

/** What decides whether stored online rows still fit: entity, features and their types. */
export function definitionHash(view: ViewDoc): string {
  const shape = { entity: view.entity, timestamp: view.timestamp, createdTimestamp: view.createdTimestamp, features: view.features };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex');
}

/** The canonical text of an entity key (the online store's key column). */
export function entityKeyText(values: unknown[]): string {
  return JSON.stringify(values);
}

export function recordView(
  store: ProjectStore,
  v: { definition: ViewDoc; artifactHash: string | null; runId: number | null; nodeId: string | null; rows: number | null; entities: number | null; eventTimeMin: number | null; eventTimeMax: number | null },
): void {
  store.transaction(() => {
    store.db
      .prepare(
        `INSERT INTO feature_views (name, definition, definition_hash, artifact_hash, run_id, node_id, rows, entities, event_time_min, event_time_max, recorded_at)
         VALUES (@name, @definition, @hash, @artifactHash, @runId, @nodeId, @rows, @entities, @min, @max, @at)
         ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, definition_hash = excluded.definition_hash, artifact_hash = excluded.artifact_hash,
           run_id = excluded.run_id, node_id = excluded.node_id, rows = excluded.rows, entities = excluded.entities,
           event_time_min = excluded.event_time_min, event_time_max = excluded.event_time_max, recorded_at = excluded.recorded_at`,
      )
      .run({
        name: v.definition.name,
        definition: JSON.stringify(v.definition),
        hash: definitionHash(v.definition),
        artifactHash: v.artifactHash,
        runId: v.runId,
        nodeId: v.nodeId,
        rows: v.rows,
        entities: v.entities,
        min: v.eventTimeMin,
        max: v.eventTimeMax,
        at: new Date().toISOString(),
      });
  });
}

interface ViewDbRow {
  name: string;
  definition: string;
  definition_hash: string;
  artifact_hash: string | null;
  run_id: number | null;
  node_id: string | null;
  rows: number | null;
  entities: number | null;
  event_time_min: number | null;
  event_time_max: number | null;
  recorded_at: string;
}

function toView(r: ViewDbRow): RecordedView {
  return {
    name: r.name,
    definition: JSON.parse(r.definition) as ViewDoc,
    definitionHash: r.definition_hash,
    artifactHash: r.artifact_hash,
    runId: r.run_id,
    nodeId: r.node_id,
    rows: r.rows,
    entities: r.entities,
    eventTimeMin: r.event_time_min,
    eventTimeMax: r.event_time_max,
    recordedAt: r.recorded_at,
  };
}

export function listViews(store: ProjectStore): RecordedView[] {
  return (store.db.prepare('SELECT * FROM feature_views ORDER BY name').all() as ViewDbRow[]).map(toView);
}

/** The two reads of every online lookup, prepared once per open project. */
const lookupStatements = new WeakMap<ProjectStore['db'], { view: Statement; online: Statement }>();
function statements(store: ProjectStore): { view: Statement; online: Statement } {
  let s = lookupStatements.get(store.db);
  if (!s) {
    s = {
      view: store.db.prepare('SELECT * FROM feature_views WHERE name = ?'),
      online: store.db.prepare('SELECT entity_key, event_ts, created_ts, features FROM online_features WHERE view = ? AND entity_key IN (SELECT value FROM json_each(?))'),
    };
    lookupStatements.set(store.db, s);
  }
  return s;
}

export function getView(store: ProjectStore, name: string): RecordedView | null {
  const r = statements(store).view.get(name) as ViewDbRow | undefined;
  return r ? toView(r) : null;
}

interface MatDbRow {
  view: string;
  definition_hash: string;
  run_id: number | null;
  node_id: string | null;
  since_ts: number | null;
  as_of_ts: number;
  rows_read: number;
  entities_written: number;
  at: string;
}

function toMat(r: MatDbRow): Materialization {
  return {
    view: r.view,
    definitionHash: r.definition_hash,
    runId: r.run_id,
    nodeId: r.node_id,
    sinceTs: r.since_ts,
    asOfTs: r.as_of_ts,
    rowsRead: r.rows_read,
    entitiesWritten: r.entities_written,
    at: r.at,
  };
}

/** The newest materialisation of a view (its watermark is `asOfTs`), or null. */
export function lastMaterialization(store: ProjectStore, view: string): Materialization | null {
  const r = store.db.prepare('SELECT * FROM feature_materializations WHERE view = ? ORDER BY id DESC LIMIT 1').get(view) as MatDbRow | undefined;
  return r ? toMat(r) : null;
}

export function materializations(store: ProjectStore, view: string): Materialization[] {
  return (store.db.prepare('SELECT * FROM feature_materializations WHERE view = ? ORDER BY id').all(view) as MatDbRow[]).map(toMat);
}

/** Rows per view in the online store. */
export function onlineCounts(store: ProjectStore): Record<string, number> {
  const rows = store.db.prepare('SELECT view, count(*) AS n FROM online_features GROUP BY view').all() as { view: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.view, r.n]));
}

/**
 * Writes one materialisation in one transaction: the view's definition, its online rows (a row
 * replaces the stored one only when it is newer by event time, then created time, a null
 * created time losing: the join's tie-break) and the log entry that moves its watermark. A
 * changed definition, or `reset`, first empties the view's online rows.
 */
export function writeMaterialization(store: ProjectStore, view: ViewDoc, rows: OnlineRow[], m: Omit<Materialization, 'definitionHash' | 'at' | 'view'>, reset = false): void {
  const hash = definitionHash(view);
  const at = new Date().toISOString();
  store.transaction(() => {
    const last = lastMaterialization(store, view.name);
    if (reset || !last || last.definitionHash !== hash) store.db.prepare('DELETE FROM online_features WHERE view = ?').run(view.name);
    const upsert = store.db.prepare(
      `INSERT INTO online_features (view, entity_key, event_ts, created_ts, features, written_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (view, entity_key) DO UPDATE SET event_ts = excluded.event_ts, created_ts = excluded.created_ts, features = excluded.features, written_at = excluded.written_at
       WHERE excluded.event_ts > online_features.event_ts
          OR (excluded.event_ts = online_features.event_ts AND excluded.created_ts IS NOT NULL
              AND (online_features.created_ts IS NULL OR excluded.created_ts >= online_features.created_ts))`,
    );
    for (const r of rows) upsert.run(view.name, entityKeyText(r.key), r.eventTs, r.createdTs, JSON.stringify(r.values), at);
    store.db
      .prepare(
        `INSERT INTO feature_materializations (view, definition_hash, run_id, node_id, since_ts, as_of_ts, rows_read, entities_written, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(view.name, hash, m.runId, m.nodeId, m.sinceTs, m.asOfTs, m.rowsRead, m.entitiesWritten, at);
  });
}

/** Stored online rows of one view for the given keys (canonical texts), by key text. */
export function readOnline(store: ProjectStore, view: string, keys: string[]): Map<string, { eventTs: number; createdTs: number | null; values: unknown[] }> {
  const rows = statements(store).online.all(view, JSON.stringify(keys)) as { entity_key: string; event_ts: number; created_ts: number | null; features: string }[];
  return new Map(rows.map((r) => [r.entity_key, { eventTs: r.event_ts, createdTs: r.created_ts, values: JSON.parse(r.features) as unknown[] }]));
}
