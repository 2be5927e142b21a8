import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_DIR, makeTestContext, tableArtifact, type TestContext } from '../../test/helpers/node-context';
import type { ArtifactRef } from '../../nodes/types';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** The sha256 of the file `write` produces on a fresh engine of each thread count. */
async function hashesAtThreads(counts: readonly number[], write: (data: TestContext['data']) => Promise<string>): Promise<string[]> {
  const hashes: string[] = [];
  for (const threads of counts) {
    const other = await makeTestContext({ threads });
    try {
      hashes.push(sha(await write(other.data)));
    } finally {
      await other.cleanup();
    }
  }
  return hashes;
}

describe('DuckDB data engine', () => {
  let ctx: TestContext;
  let iris: ArtifactRef;
  beforeAll(async () => {
    ctx = await makeTestContext();
    iris = await tableArtifact(join(DATA_DIR, 'iris.csv'), ctx);
  });
  afterAll(() => ctx.cleanup());

  it('reads a CSV into a Parquet artifact and describes it', async () => {
    const info = await ctx.data.describe(iris);
    expect(info.rows).toBe(150);
    expect(info.columns.map((c) => c.name)).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species']);
    expect(info.columns[0].type).toBe('DOUBLE');
    expect(iris.path.endsWith('.parquet')).toBe(true);
  });

  it('reads columns: numbers as Float64Array, text as strings', async () => {
    const [sl, species] = await ctx.data.readColumns(iris, ['sepal_length', 'species']);
    expect(sl.numeric).toBe(true);
    expect(sl.values).toBeInstanceOf(Float64Array);
    expect(sl.values[0]).toBe(5.1);
    expect(sl.values.length).toBe(150);
    expect(species.numeric).toBe(false);
    expect(species.values[149]).toBe('virginica');
    await expect(ctx.data.readColumns(iris, ['nope'])).rejects.toThrow(/no column "nope"/);
  });

  it('reads a numeric column into the array given for it, and refuses one of the wrong length', async () => {
    const penguins = await tableArtifact(join(DATA_DIR, 'penguins.csv'), ctx);
    const [fresh, freshSpecies] = await ctx.data.readColumns(penguins, ['body_mass_g', 'species']);
    const into = new Float64Array(fresh.values.length).fill(-1);
    const [mass, species] = await ctx.data.readColumns(penguins, ['body_mass_g', 'species'], { into: [into, new Float64Array(0)] });
    expect(mass.values).toBe(into);
    // every value written, nulls as NaN (the -1 fill shows through nowhere)
    expect(Array.from(into)).toEqual(Array.from(fresh.values as Float64Array));
    expect(Array.from(into).filter(Number.isNaN).length).toBeGreaterThan(0);
    // a text column ignores the array offered for it
    expect(species.values).toEqual(freshSpecies.values);
    // read again into the same array: the previous table's values do not leak through
    const [sl] = await ctx.data.readColumns(iris, ['sepal_length'], { into: [new Float64Array(150)] });
    expect(sl.values[0]).toBe(5.1);
    await expect(ctx.data.readColumns(iris, ['sepal_length'], { into: [new Float64Array(149)] })).rejects.toThrow(/sepal_length" has 150 values, the array given for it 149/);
  });

  it('maps nulls to NaN and back', async () => {
    const penguins = await tableArtifact(join(DATA_DIR, 'penguins.csv'), ctx);
    const [mass] = await ctx.data.readColumns(penguins, ['body_mass_g']);
    const nans = Array.from(mass.values as Float64Array).filter(Number.isNaN).length;
    const [{ n }] = await ctx.data.query('SELECT count(*) AS n FROM p WHERE body_mass_g IS NULL', { p: penguins });
    expect(n).toBe(nans);
    expect(nans).toBeGreaterThan(0);
    const written = await ctx.data.writeColumns([mass]);
    const [{ nulls }] = await ctx.data.query('SELECT count(*) - count(body_mass_g) AS nulls FROM w', { w: { kind: 'table', path: written, hash: '', meta: {} } });
    expect(nulls).toBe(nans);
  });

  it('keeps no file bytes cached after reading many tables (a long-lived app must not grow)', async () => {
    // Each run writes new Parquet files; DuckDB's external file cache would keep every one of them.
    const written: ArtifactRef[] = [];
    for (let i = 0; i < 20; i++) {
      const path = await ctx.data.writeTable(`SELECT *, ${i} AS k FROM iris`, { iris });
      written.push({ kind: 'table', path, hash: '', meta: {} });
    }
    for (const t of written) await ctx.data.readColumns(t, ['k']);
    const cached = await ctx.data.query("SELECT coalesce(sum(memory_usage_bytes), 0) AS b FROM duckdb_memory() WHERE tag = 'EXTERNAL_FILE_CACHE'");
    expect(cached).toEqual([{ b: 0 }]);
    const [{ n }] = await ctx.data.query('SELECT count(*) AS n FROM t', { t: written[19] });
    expect(n).toBe(150);
  });

  it('runs queries over named tables with JSON-safe values', async () => {
    const rows = await ctx.data.query(
      'SELECT species, count(*) AS n, avg(petal_length) AS mean FROM "my table" GROUP BY species ORDER BY species',
      { 'my table': iris },
    );
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ species: 'setosa', n: 50 });
    expect(typeof rows[0].n).toBe('number');
    expect(rows[0].mean as number).toBeCloseTo(1.462, 3);
  });

  it('round-trips columns, keeping integer and text types', async () => {
    const path = await ctx.data.writeTable('SELECT CAST(range AS INTEGER) AS i, range * 0.5 AS x, CAST(range AS VARCHAR) AS s FROM range(5000)');
    const ref: ArtifactRef = { kind: 'table', path, hash: sha(path), meta: {} };
    const cols = await ctx.data.readColumns(ref);
    const again = await ctx.data.writeColumns(cols);
    const info = await ctx.data.describe({ kind: 'table', path: again, hash: '', meta: {} });
    expect(info.columns).toEqual([
      { name: 'i', type: 'INTEGER' },
      { name: 'x', type: 'DOUBLE' },
      { name: 's', type: 'VARCHAR' },
    ]);
    const back = await ctx.data.query('SELECT sum(i) AS si, sum(x) AS sx, max(s) AS ms FROM t', { t: { kind: 'table', path: again, hash: '', meta: {} } });
    expect(back).toEqual([{ si: 12497500, sx: 6248750, ms: '999' }]);
  });

  it('writes byte-identical Parquet for the same input', async () => {
    const sql = 'SELECT range AS id, hash(range) % 1000 / 7.0 AS x, CAST(range % 13 AS VARCHAR) AS g FROM range(300000)';
    const a = await ctx.data.writeTable(sql);
    const b = await ctx.data.writeTable(sql);
    expect(a).not.toBe(b);
    expect(sha(a)).toBe(sha(b));
    const cols = await ctx.data.readColumns({ kind: 'table', path: a, hash: '', meta: {} });
    const c = await ctx.data.writeColumns(cols);
    const d = await ctx.data.writeColumns(cols);
    expect(sha(c)).toBe(sha(d));
  });

  it('writes the same bytes whatever the thread count', async () => {
    const src = await ctx.data.writeTable('SELECT range AS id, (range * 7919) % 1000 / 7.0 AS x, CAST(range % 13 AS VARCHAR) AS g FROM range(400000)');
    const ref: ArtifactRef = { kind: 'table', path: src, hash: '', meta: {} };
    const sql = 'SELECT id, x * 2 AS y, g FROM t WHERE x > 40';
    const hashes = await hashesAtThreads([1, 2, 3], (data) => data.writeTable(sql, { t: ref }));
    hashes.push(sha(await ctx.data.writeTable(sql, { t: ref })));
    expect(new Set(hashes).size).toBe(1);
  });

  it('writes number-only columns plain and uncompressed, NaN as null, the same bytes whatever the thread count', async () => {
    const n = 300_000;
    const columns = [
      { name: 'x', type: 'DOUBLE', numeric: true as const, values: new Float64Array(n).map((_, i) => (i % 7 === 0 ? NaN : i / 3)) },
      { name: 'i', type: 'INTEGER', numeric: true as const, values: new Float64Array(n).map((_, i) => i) },
    ];
    const hashes = await hashesAtThreads([1, 3], (data) => data.writeColumns(columns));
    const path = await ctx.data.writeColumns(columns);
    hashes.push(sha(path));
    expect(new Set(hashes).size).toBe(1);
    const meta = await ctx.data.query(`SELECT DISTINCT compression, encodings FROM parquet_metadata('${path}') ORDER BY 1, 2`);
    expect(meta).toEqual([{ compression: 'UNCOMPRESSED', encodings: 'PLAIN' }]);
    const t: ArtifactRef = { kind: 'table', path, hash: '', meta: {} };
    expect(await ctx.data.query('SELECT count(*) - count(x) AS nulls, sum(i) AS si, typeof(any_value(i)) AS ti FROM t', { t })).toEqual([
      { nulls: Math.ceil(n / 7), si: (n * (n - 1)) / 2, ti: 'INTEGER' },
    ]);
  });

  it('writes columns to the same bytes whatever the thread count, nulls and text included', async () => {
    const n = 300_000; // more than two row groups
    const x = new Float64Array(n).map((_, i) => (i % 7 === 0 ? NaN : i / 3));
    const s = Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : `v${i % 13}`));
    const columns = [
      { name: 'x', type: 'DOUBLE', numeric: true as const, values: x },
      { name: 'i', type: 'INTEGER', numeric: true as const, values: new Float64Array(n).map((_, i) => i) },
      { name: 's', type: 'VARCHAR', numeric: false as const, values: s },
    ];
    const hashes = await hashesAtThreads([1, 2, 3], (data) => data.writeColumns(columns));
    const path = await ctx.data.writeColumns(columns);
    hashes.push(sha(path));
    expect(new Set(hashes).size).toBe(1);
    const t: ArtifactRef = { kind: 'table', path, hash: '', meta: {} };
    expect((await ctx.data.describe(t)).columns).toEqual([
      { name: 'x', type: 'DOUBLE' },
      { name: 'i', type: 'INTEGER' },
      { name: 's', type: 'VARCHAR' },
    ]);
    const [row] = await ctx.data.query('SELECT count(*) AS n, count(x) AS nx, count(s) AS ns, sum(i) AS si, max(s) AS ms FROM t', { t });
    expect(row).toEqual({ n, nx: n - Math.ceil(n / 7), ns: n - Math.ceil(n / 11), si: (n * (n - 1)) / 2, ms: 'v9' });
    // the columns are gone once written: no later query can name them
    await expect(ctx.data.query("SELECT * FROM __pw_columns('x')")).rejects.toThrow(/no such column set/);
  });

  it('quotes identifiers and literals', async () => {
    expect(ctx.data.ident('a"b')).toBe('"a""b"');
    expect(ctx.data.literal("it's")).toBe("'it''s'");
    const [row] = await ctx.data.query(`SELECT ${ctx.data.literal("it's")} AS ${ctx.data.ident('we"ird')}`);
    expect(row['we"ird']).toBe("it's");
  });

  it('reads SQLite files with SQLite SQL', async () => {
    const Database = (await import('better-sqlite3')).default;
    const file = join(ctx.tmpDir, 'x.sqlite');
    const db = new Database(file);
    db.exec("CREATE TABLE t (id INTEGER, name TEXT, score REAL); INSERT INTO t VALUES (1, 'a', 0.5), (2, 'b', NULL), (3, NULL, 2.25);");
    db.close();
    const out = await ctx.data.readSqlite!(file, "SELECT id, name, score, id || '-' || ifnull(name, '?') AS tag FROM t ORDER BY id");
    const rows = await ctx.data.query('SELECT * FROM t ORDER BY id', { t: { kind: 'table', path: out, hash: '', meta: {} } });
    expect(rows).toEqual([
      { id: 1, name: 'a', score: 0.5, tag: '1-a' },
      { id: 2, name: 'b', score: null, tag: '2-b' },
      { id: 3, name: null, score: 2.25, tag: '3-?' },
    ]);
    await expect(ctx.data.readSqlite!(join(ctx.tmpDir, 'missing.sqlite'), 'SELECT 1')).rejects.toThrow(/file not found: .*missing\.sqlite/);
  });

  it('finds the bundled sample data', () => {
    expect(ctx.data.resourcesDir).toBe(DATA_DIR);
  });

  it('fails a CSV with the file and line', async () => {
    const ragged = join(ctx.tmpDir, 'ragged.csv');
    writeFileSync(ragged, 'a,b,c\n1,2,3\n4,5\n6,7,8\n');
    await expect(ctx.data.readCsv(ragged, { header: true, types: {} })).rejects.toThrow(/ragged\.csv, line 3: ragged row: expected 3 fields, found 2/);
  });
});
