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

/**
 * Numbers take two scans in all (bounds and null counts of every column at once, then every
 * histogram at once with DuckDB's histogram() aggregate); text columns one GROUP BY each.
 */
export async function tableStats(data: DataEngine, table: ArtifactRef): Promise<ColumnStats[]> {
  const info = await data.describe(table);
  const cols = info.columns.slice(0, MAX_STATS_COLUMNS);
  const numeric = cols.filter((c) => NUMERIC.test(c.type));
  const finite = (name: string) => `CASE WHEN isfinite(${data.ident(name)}::DOUBLE) THEN ${data.ident(name)}::DOUBLE END`;
  const stats = new Map<string, ColumnStats>();

  if (numeric.length) {
    // Plain min/max/count are answered from Parquet statistics; only a column that holds NaN or
    // an infinity needs the slower scan that leaves those out.
    const plain = async (cs: typeof numeric, f: (n: string) => string) =>
      (await data.query(`SELECT ${cs.map((c, i) => `min(${f(c.name)}) AS lo${i}, max(${f(c.name)}) AS hi${i}, count(*) - count(${f(c.name)}) AS n${i}`).join(', ')} FROM t`, { t: table }))[0];
    const bounds = await plain(numeric, (n) => `${data.ident(n)}::DOUBLE`);
    const odd = numeric.map((c, i) => ({ c, i })).filter(({ i }) => [bounds[`lo${i}`], bounds[`hi${i}`]].some((v) => typeof v === 'number' && !Number.isFinite(v)));
    if (odd.length) {
      const fixed = await plain(odd.map((o) => o.c), finite);
      odd.forEach(({ i }, k) => {
        bounds[`lo${i}`] = fixed[`lo${k}`];
        bounds[`hi${i}`] = fixed[`hi${k}`];
        bounds[`n${i}`] = fixed[`n${k}`];
      });
    }
    const plans = numeric.map((c, i) => {
      const lo = bounds[`lo${i}`] as number | null;
      const hi = bounds[`hi${i}`] as number | null;
      const bins = lo === null || hi === null ? 0 : lo === hi ? 1 : HISTOGRAM_BINS;
      const width = bins > 1 ? (hi! - lo!) / bins : 1;
      return { name: c.name, lo: lo ?? 0, hi: hi ?? 0, bins, width, nulls: Number(bounds[`n${i}`]) };
    });
    const withBins = plans.map((p, i) => ({ ...p, i })).filter((p) => p.bins > 0);
    const [hist] = withBins.length
      ? await data.query(
          `SELECT ${withBins
            // least() skips NULLs (it would put every NaN/NULL in the last bin), hence the CASE.
            .map((p) => `histogram(CASE WHEN ${finite(p.name)} IS NOT NULL THEN least(floor((${finite(p.name)} - ${p.lo}) / ${p.width}), ${p.bins - 1})::INTEGER END) AS h${p.i}`)
            .join(', ')} FROM t`,
          { t: table },
        )
      : [{}];
    plans.forEach((p, i) => {
      const entries = (hist[`h${i}`] as { key: number; value: number }[] | undefined) ?? [];
      // histogram() keeps NULL as a key of its own: those are the nulls counted above, not a bin.
      const byBin = new Map(entries.filter((e) => e.key !== null).map((e) => [Number(e.key), Number(e.value)]));
      stats.set(p.name, {
        name: p.name,
        bins: Array.from({ length: p.bins }, (_, b) => ({ x0: p.lo + b * p.width, x1: b === p.bins - 1 ? p.hi : p.lo + (b + 1) * p.width, count: byBin.get(b) ?? 0 })),
        nulls: p.nulls,
      });
    });
  }

  for (const col of cols.filter((c) => !NUMERIC.test(c.type))) {
    const c = data.ident(col.name);
    const rows = await data.query(
      `SELECT v, n, sum(CASE WHEN v IS NULL THEN n ELSE 0 END) OVER () AS total_nulls
       FROM (SELECT ${c}::VARCHAR AS v, count(*) AS n FROM t GROUP BY v) ORDER BY v IS NULL, n DESC, v LIMIT ${TOP_VALUES + 1}`,
      { t: table },
    );
    const nulls = rows.length ? Number(rows[0].total_nulls) : 0;
    const top = rows.filter((r) => r.v !== null).slice(0, TOP_VALUES);
    stats.set(col.name, { name: col.name, top: top.map((x) => ({ value: String(x.v), count: Number(x.n) })), nulls });
  }
  return cols.map((c) => stats.get(c.name)!);
}

/** Cells cross a JSON transport: NaN and infinities become null, big integers text. */
function jsonCell(v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  if (typeof v === 'bigint') return v.toString();
  return v ?? null;
}
