/**
 * A table artifact as the editor previews it: a page of rows, the column types, and per column a
 * histogram (numbers) or its most frequent values (everything else), all computed by DuckDB
 * straight from the Parquet file. Artifacts are content-addressed, so stats are cached by hash.
 */
import type { TablePreview } from '../../shared/api/contract';
import type { ArtifactRef, DataEngine } from '../../nodes/types';

export const HISTOGRAM_BINS = 20;
export const TOP_VALUES = 10;
/** Beyond this many columns the rest get no stats: a preview must stay quick. */
const MAX_STATS_COLUMNS = 200;

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL(\(.*\))?)$/i;

export type ColumnStats = TablePreview['stats'][number];

export async function tableRows(data: DataEngine, table: ArtifactRef, offset: number, limit: number): Promise<Pick<TablePreview, 'columns' | 'rows' | 'totalRows'>> {
  const info = await data.describe(table);
  const objects = await data.query(`SELECT * FROM t LIMIT ${Math.floor(limit)} OFFSET ${Math.floor(offset)}`, { t: table });
  const rows = objects.map((o) => info.columns.map((c) => jsonCell(o[c.name])));
  return { columns: info.columns, rows, totalRows: info.rows };
}

export async function tableStats(data: DataEngine, table: ArtifactRef): Promise<ColumnStats[]> {
  const info = await data.describe(table);
  const out: ColumnStats[] = [];
  for (const col of info.columns.slice(0, MAX_STATS_COLUMNS)) {
    const c = data.ident(col.name);
    if (NUMERIC.test(col.type)) {
      const [r] = await data.query(
        `SELECT min(v) AS lo, max(v) AS hi, count(*) - count(v) AS nulls FROM (SELECT CASE WHEN isfinite(${c}::DOUBLE) THEN ${c}::DOUBLE END AS v FROM t)`,
        { t: table },
      );
      const lo = r.lo as number | null;
      const hi = r.hi as number | null;
      const nulls = Number(r.nulls);
      if (lo === null || hi === null) {
        out.push({ name: col.name, bins: [], nulls });
        continue;
      }
      const bins = lo === hi ? 1 : HISTOGRAM_BINS;
      const width = lo === hi ? 1 : (hi - lo) / bins;
      const counts = await data.query(
        `SELECT least(floor((${c}::DOUBLE - ${lo}) / ${width}), ${bins - 1})::INTEGER AS b, count(*) AS n FROM t
         WHERE isfinite(${c}::DOUBLE) GROUP BY b ORDER BY b`,
        { t: table },
      );
      const byBin = new Map(counts.map((x) => [Number(x.b), Number(x.n)]));
      out.push({
        name: col.name,
        bins: Array.from({ length: bins }, (_, i) => ({ x0: lo + i * width, x1: i === bins - 1 ? hi : lo + (i + 1) * width, count: byBin.get(i) ?? 0 })),
        nulls,
      });
    } else {
      const top = await data.query(
        `SELECT ${c}::VARCHAR AS v, count(*) AS n FROM t WHERE ${c} IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT ${TOP_VALUES}`,
        { t: table },
      );
      const [r] = await data.query(`SELECT count(*) - count(${c}) AS nulls FROM t`, { t: table });
      out.push({ name: col.name, top: top.map((x) => ({ value: String(x.v), count: Number(x.n) })), nulls: Number(r.nulls) });
    }
  }
  return out;
}

/** Cells cross a JSON transport: NaN and infinities become null, big integers text. */
function jsonCell(v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  if (typeof v === 'bigint') return v.toString();
  return v ?? null;
}
