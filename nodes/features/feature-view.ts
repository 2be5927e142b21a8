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
}

export const DURATION_RE = /^[0-9]+(s|m|h|d|w)$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Seconds in a duration such as `30d`, `12h`, `90m`; null when it does not parse. */
export function durationSeconds(text: string): number | null {
  if (!DURATION_RE.test(text)) return null;
  const n = Number(text.slice(0, -1));
  const s = n * UNIT_SECONDS[text.slice(-1)];
  return Number.isSafeInteger(s * 1_000_000) ? s : null;
}

/** ISO 8601 with a space or `T`; without a zone it is UTC. Returns epoch milliseconds or null. */
export function parseInstant(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
  const ms = Number(`0${frac || '.0'}`) * 1000;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Math.floor(ms));
  const check = new Date(t);
  if (check.getUTCFullYear() !== Number(y) || check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60_000;
  }
  return t;
}

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
