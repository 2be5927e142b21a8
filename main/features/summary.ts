/** The feature store as `pipewright features` and the API show it: views, offline stats, online state. */
import type { ColumnInfo } from '../../nodes/types';
import type { ProjectStore } from '../store/project-store';
import { lastMaterialization, listViews, onlineCounts } from './store';

export interface FeatureViewSummary {
  name: string;
  entity: ColumnInfo[];
  timestamp: string;
  createdTimestamp: string | null;
  ttl: string | null;
  features: ColumnInfo[];
  recordedBy: { run: number | null; node: string | null; at: string };
  artifact: string | null;
  rows: number | null;
  entities: number | null;
  eventTimeMin: string | null;
  eventTimeMax: string | null;
  online: {
    rows: number;
    /** the asOf of the last materialisation: rows newer than this are read next time */
    watermark: string | null;
    lastMaterialization: { run: number | null; node: string | null; at: string; rowsRead: number; entitiesWritten: number } | null;
  };
}

const iso = (us: number | null): string | null => (us === null ? null : new Date(Math.floor(us / 1000)).toISOString());

/** True when the file has the feature store's tables (a read-only open of an older file may not). */
export function hasFeatureStore(store: ProjectStore): boolean {
  return Boolean(store.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'feature_views'").get());
}

export function listFeatureViews(store: ProjectStore): FeatureViewSummary[] {
  if (!hasFeatureStore(store)) return [];
  const counts = onlineCounts(store);
  return listViews(store).map((v) => {
    const m = lastMaterialization(store, v.name);
    const d = v.definition;
    return {
      name: v.name,
      entity: d.entity,
      timestamp: d.timestamp.name,
      createdTimestamp: d.createdTimestamp?.name ?? null,
      ttl: d.ttl,
      features: d.features,
      recordedBy: { run: v.runId, node: v.nodeId, at: v.recordedAt },
      artifact: v.artifactHash,
      rows: v.rows,
      entities: v.entities,
      eventTimeMin: iso(v.eventTimeMin),
      eventTimeMax: iso(v.eventTimeMax),
      online: {
        rows: counts[v.name] ?? 0,
        watermark: m ? iso(m.asOfTs) : null,
        lastMaterialization: m ? { run: m.runId, node: m.nodeId, at: m.at, rowsRead: m.rowsRead, entitiesWritten: m.entitiesWritten } : null,
      },
    };
  });
}
