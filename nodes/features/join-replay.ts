/**
 * features.join at serving time (contract sections 6 and 7): a model trained on a join's output
 * takes only the labels' raw columns (entity keys, the label time, anything else); each view's
 * features are looked up in the project's online store, which keeps the latest materialised row
 * per entity. The row counts as the join would have picked it when its event time is at or before
 * the row's label time (a missing label time: now) and within the view's TTL.
 *
 * Not there (NOT_FOUND) or too old (OUTSIDE_MAX_AGE): the join gave nulls in training too, so the
 * features are null and the chain's later steps (impute) fill them as they did; when no later step
 * accepts a null in one of those features, the row is refused (400) naming the view and the entity.
 * A stored row newer than the label time is refused as well: the online store no longer holds what
 * was known at that time, and serving newer features than training saw would be a silent leak.
 */
import type { ColumnData, ColumnInfo, ReplayContext } from '../types';
import { isNumericType } from './common';
import { keyFamily, parseInstant } from './feature-view';

export interface JoinReplayState {
  /** the labels' time column */
  timestamp: string;
  views: {
    name: string;
    /** label columns matched to the view's entity columns, in order */
    keys: string[];
    entity: ColumnInfo[];
    ttlSeconds: number | null;
    /** `as`: the output column; `nullable`: a later step of the chain accepts a null in it */
    features: { name: string; as: string; type: string; nullable: boolean }[];
  }[];
}

const iso = (us: number): string => new Date(Math.floor(us / 1000)).toISOString().replace('.000Z', 'Z');

/** Each row's label time in epoch microseconds (null or absent: now). */
function labelTimes(state: JoinReplayState, col: ColumnData | undefined, rows: number, ctx: ReplayContext): Float64Array {
  const now = Date.now() * 1000;
  const out = new Float64Array(rows).fill(now);
  if (!col) return out;
  for (let i = 0; i < rows; i++) {
    const v = col.values[i];
    if (v === null || (typeof v === 'number' && Number.isNaN(v))) continue;
    const ms = typeof v === 'string' ? parseInstant(v) : null;
    if (ms === null) {
      throw ctx.badInput(`column "${state.timestamp}", row ${i}: ${JSON.stringify(v)} is not a time (use ISO 8601 such as 2024-01-31 12:00:00 or 2024-01-31T12:00:00Z; null: now)`, state.timestamp, i);
    }
    out[i] = ms * 1000;
  }
  return out;
}

/** A row's entity key as the online store keys it (integers as numbers, text as text). */
function keyOf(view: JoinReplayState['views'][number], cols: ColumnData[], i: number, ctx: ReplayContext): unknown[] {
  return view.entity.map((e, k) => {
    const col = cols[k];
    const v = col.values[i];
    if (v === null || (typeof v === 'number' && Number.isNaN(v))) throw ctx.badInput(`column "${col.name}", row ${i}: an entity id may not be missing (view "${view.name}")`, col.name, i);
    const family = keyFamily(e.type);
    if (family === 'text') return String(v);
    const n = Number(v);
    if (!Number.isFinite(n) || (family === 'integer' && !Number.isInteger(n))) {
      throw ctx.badInput(`column "${col.name}", row ${i}: ${JSON.stringify(v)} is not an id of view "${view.name}" (its "${e.name}" is ${e.type})`, col.name, i);
    }
    return n;
  });
}

function featureColumn(f: JoinReplayState['views'][number]['features'][number], values: unknown[]): ColumnData {
  if (isNumericType(f.type)) {
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      out[i] = v === null || v === undefined ? NaN : typeof v === 'boolean' ? Number(v) : Number(v);
    }
    return { name: f.as, type: f.type, numeric: true, values: out };
  }
  return { name: f.as, type: f.type, numeric: false, values: values.map((v) => (v === null || v === undefined ? null : String(v))) };
}

export function applyJoin(state: JoinReplayState, table: ColumnData[], ctx: ReplayContext): ColumnData[] {
  if (!ctx.online) throw new Error(`this model looks up features of view${state.views.length > 1 ? 's' : ''} ${state.views.map((v) => `"${v.name}"`).join(', ')} in a project's online store: serve or predict it from its project (--project)`);
  const rows = table.length ? table[0].values.length : 0;
  const byName = new Map(table.map((c) => [c.name, c]));
  const times = labelTimes(state, byName.get(state.timestamp), rows, ctx);
  const out = [...table];
  for (const view of state.views) {
    const keyCols = view.keys.map((k) => {
      const c = byName.get(k);
      if (!c) throw ctx.badInput(`missing column "${k}" (the entity of view "${view.name}")`, k, null);
      return c;
    });
    const keys = Array.from({ length: rows }, (_, i) => keyOf(view, keyCols, i, ctx));
    const stored = ctx.online.read(view.name, view.features.map((f) => f.name), keys);
    const ttlUs = view.ttlSeconds === null ? null : view.ttlSeconds * 1_000_000;
    const values: unknown[][] = view.features.map(() => new Array<unknown>(rows).fill(null));
    const refuse = view.features.filter((f) => !f.nullable).map((f) => f.as);
    for (let i = 0; i < rows; i++) {
      const s = stored[i];
      const t = times[i];
      const who = `${view.keys.map((k, j) => `${k} ${JSON.stringify(keys[i][j])}`).join(', ')}`;
      if (s && s.eventTs > t) {
        throw ctx.badInput(
          `row ${i}: the online store holds view "${view.name}" for ${who} as of ${iso(s.eventTs)}, after the row's ${state.timestamp} ${iso(t)}; it keeps only the latest row, so give a time at or after it (or null: now)`,
          state.timestamp,
          i,
        );
      }
      if (s && (ttlUs === null || s.eventTs >= t - ttlUs)) {
        view.features.forEach((_, j) => (values[j][i] = s.values[j]));
        continue;
      }
      if (refuse.length) {
        const why = s ? `its row of ${iso(s.eventTs)} is older than the TTL before ${iso(t)} (OUTSIDE_MAX_AGE)` : 'not in the online store (NOT_FOUND)';
        throw ctx.badInput(`row ${i}: no features of view "${view.name}" for ${who}: ${why}, and the model does not impute ${refuse.join(', ')}`, view.keys[0], i);
      }
    }
    view.features.forEach((f, j) => out.push(featureColumn(f, values[j])));
  }
  return out;
}
