/**
 * features.materialize (contract section 7): per entity, the latest view row with event time
 * ≤ asOf goes into the online store, with the join's tie-break (latest event time, then latest
 * created time, a null created time losing). Incremental: only rows newer than the view's
 * watermark (the asOf of its last materialisation with the same definition) are read, and the
 * watermark moves to asOf. DuckDB reads the view file; SQLite gets the rows in one transaction.
 */
import type { ArtifactRef, DataEngine } from '../../nodes/types';
import { definitionHash, lastMaterialization, writeMaterialization, type OnlineRow } from './store';
import { keyCast, readView, utcMicros } from '../../nodes/features/feature-view';
import type { ProjectStore } from '../store/project-store';

export interface MaterializeResult {
  view: string;
  /** rows of the view file read (newer than the watermark, not after asOf) */
  rowsRead: number;
  entitiesWritten: number;
  sinceTs: number | null;
  /** the watermark now (asOf, or the older watermark when that was later) */
  asOfTs: number;
}

export async function materializeView(
  store: ProjectStore,
  d: DataEngine,
  file: ArtifactRef,
  asOfMs: number,
  origin: { runId: number | null; nodeId: string | null },
  /** start again from nothing: the view's online rows are replaced by those as of asOf */
  reset = false,
): Promise<MaterializeResult> {
  const view = await readView(d, file);
  if (!view) throw new Error('the table is not a feature view (no pipewright.view metadata)');
  const asOfTs = Math.floor(asOfMs) * 1000;
  const last = lastMaterialization(store, view.name);
  // A changed definition (entity, features or their types) starts again from nothing.
  const since = !reset && last && last.definitionHash === definitionHash(view) ? last.asOfTs : null;
  const t = `(${utcMicros(d, view.timestamp)})`;
  const c = view.createdTimestamp ? `(${utcMicros(d, view.createdTimestamp)})` : 'CAST(NULL AS BIGINT)';
  const keys = view.entity.map((k, i) => `CAST(${d.ident(k.name)} AS ${keyCast(k.type)}) AS k${i}`);
  const feats = view.features.map((f, i) => `${d.ident(f.name)} AS f${i}`);
  const window = `PARTITION BY ${view.entity.map((_, i) => `k${i}`).join(', ')} ORDER BY t DESC, c DESC NULLS LAST`;
  const bounds = [`t IS NOT NULL`, `t <= ${asOfTs}`, ...(since === null ? [] : [`t > ${since}`]), ...view.entity.map((_, i) => `k${i} IS NOT NULL`)];
  const rows = await d.query(
    `SELECT * EXCLUDE (rn) FROM (
       SELECT *, row_number() OVER (${window}) AS rn, count(*) OVER () AS n
       FROM (SELECT ${keys.join(', ')}, ${t} AS t, ${c} AS c, ${feats.join(', ')} FROM v) WHERE ${bounds.join(' AND ')}
     ) WHERE rn = 1`,
    { v: file },
  );
  const rowsRead = rows.length ? Number(rows[0].n) : 0;
  const online: OnlineRow[] = rows.map((r) => ({
    key: view.entity.map((_, i) => r[`k${i}`]),
    eventTs: Number(r.t),
    createdTs: r.c === null || r.c === undefined ? null : Number(r.c),
    values: view.features.map((_, i) => r[`f${i}`] ?? null),
  }));
  writeMaterialization(store, view, online, { runId: origin.runId, nodeId: origin.nodeId, sinceTs: since, asOfTs: Math.max(asOfTs, since ?? asOfTs), rowsRead, entitiesWritten: online.length }, reset);
  return { view: view.name, rowsRead, entitiesWritten: online.length, sinceTs: since, asOfTs: Math.max(asOfTs, since ?? asOfTs) };
}
