/**
 * A feature view (contract section 7) as it travels: its definition sits in the view table's
 * Parquet key-value metadata under `pipewright.view`, so features.join, features.materialize and
 * `pipewright run-node` need nothing but the file. Also the time rules of contract 4b: a
 * timestamp without a zone is UTC, a zoned one is compared as its UTC instant; durations are
 * `^[0-9]+(s|m|h|d|w)$`.
 */
import type { ArtifactRef, ColumnInfo, DataEngine, RunContext } from '../types';
import { nodeError } from './common';

export const VIEW_KEY = 'pipewright.view';

export interface ViewDoc {
  format: 'pipewright-view/v1';
  name: string;
  /** entity key columns, with their DuckDB types */
  entity: ColumnInfo[];
  timestamp: ColumnInfo;
  createdTimestamp: ColumnInfo | null;
  /** as written (`30d`) and in seconds; null: no lower bound */
  ttl: string | null;
  ttlSeconds: number | null;
  features: ColumnInfo[];
  /** with a created timestamp: whether two rows share entity and event time (absent: unknown) */
  eventTies?: boolean;
}

export { DURATION_RE, durationSeconds, parseInstant } from './time-text';

/** Types that hold an instant or a date (the rest, text aside, cannot be a time column). */
export function isTimeType(type: string): boolean {
  return /^(TIMESTAMP|TIMESTAMP_S|TIMESTAMP_MS|TIMESTAMP_NS|TIMESTAMP WITH TIME ZONE|DATE)$/.test(type);
}

/** Text that ends in a zone (Z, +02, +02:00) after a time of day: parsed as TIMESTAMPTZ. */
const ZONED_TEXT = `'[0-9]:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?\\s*([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)\\s*$'`;

/**
 * SQL for a time column as epoch microseconds of its UTC instant (BIGINT). Naive timestamps and
 * dates are UTC; TIMESTAMPTZ is its instant (independent of the session time zone); text is
 * parsed (zoned text as its instant), NULL when it does not parse (see `unparsedExample`).
 */
export function utcMicros(d: DataEngine, col: ColumnInfo): string {
  const c = d.ident(col.name);
  if (col.type === 'TIMESTAMP WITH TIME ZONE') return `epoch_us(${c})`;
  if (isTimeType(col.type)) return `epoch_us(CAST(${c} AS TIMESTAMP))`;
  return `CASE WHEN regexp_matches(${c}, ${ZONED_TEXT}) THEN epoch_us(TRY_CAST(${c} AS TIMESTAMPTZ)) ELSE epoch_us(TRY_CAST(trim(${c}) AS TIMESTAMP)) END`;
}

/** Fails unless the column can be a time column (a timestamp, a date, or text). */
export function requireTimeColumn(ctx: RunContext, col: ColumnInfo, param: string, port: string): void {
  if (isTimeType(col.type) || col.type === 'VARCHAR') return;
  throw nodeError(ctx, `${param}: column "${col.name}" of input "${port}" is ${col.type}, not a timestamp (use a TIMESTAMP, a DATE, or ISO 8601 text)`, { column: col.name });
}

/** For a text time column: fails naming the column and a value that does not parse. */
export async function requireParsableTimes(ctx: RunContext, table: ArtifactRef, col: ColumnInfo, param: string, port: string): Promise<void> {
  if (col.type !== 'VARCHAR') return;
  const d = ctx.data;
  const rows = await d.query(
    `SELECT ${d.ident(col.name)} AS v, count(*) OVER () AS n FROM t WHERE ${d.ident(col.name)} IS NOT NULL AND (${utcMicros(d, col)}) IS NULL LIMIT 1`,
    { t: table },
  );
  if (rows.length) {
    const n = Number(rows[0].n);
    throw nodeError(
      ctx,
      `${param}: column "${col.name}" of input "${port}" has ${n} value${n === 1 ? '' : 's'} that ${n === 1 ? 'is' : 'are'} not a timestamp, e.g. ${JSON.stringify(String(rows[0].v))} (use ISO 8601 such as 2024-01-31 12:00:00 or 2024-01-31T12:00:00Z)`,
      { column: col.name },
    );
  }
}

/** The view definition stored in a table artifact, or null when it carries none. */
export async function readView(d: DataEngine, table: ArtifactRef): Promise<ViewDoc | null> {
  let rows: Record<string, unknown>[];
  try {
    rows = await d.query(`SELECT decode(value) AS v FROM parquet_kv_metadata(${d.literal(table.path)}) WHERE decode(key) = ${d.literal(VIEW_KEY)}`);
  } catch {
    return null;
  }
  if (rows.length === 0) return null;
  const doc = JSON.parse(String(rows[0].v)) as ViewDoc;
  return doc.format === 'pipewright-view/v1' ? doc : null;
}

/** The view of an input port, or a NodeError saying to put a features.view before it. */
export async function requireView(ctx: RunContext, table: ArtifactRef, port: string): Promise<ViewDoc> {
  const view = await readView(ctx.data, table);
  if (!view) throw nodeError(ctx, `input "${port}" is not a feature view: connect the output of a features.view node`);
  return view;
}

/** Integer family, text, or the type itself: labels and view keys must agree on it. */
export function keyFamily(type: string): string {
  if (/^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|UHUGEINT)$/.test(type)) return 'integer';
  if (type === 'VARCHAR') return 'text';
  if (type === 'FLOAT' || type === 'DOUBLE' || type.startsWith('DECIMAL')) return 'number';
  return type;
}

/** The SQL type an entity key is compared as (BIGINT for every integer type). */
export function keyCast(type: string): string {
  const f = keyFamily(type);
  return f === 'integer' ? 'BIGINT' : f === 'text' ? 'VARCHAR' : f === 'number' ? 'DOUBLE' : type;
}
