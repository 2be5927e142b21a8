import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_DIR, makeSqliteFile, makeTestContext, outputArtifact, runNode, tableArtifact, type TestContext } from '../../test/helpers/node-context';
import parquet from './parquet.node';
import sample from './sample.node';
import sql from './sql.node';
import sqlite from './sqlite.node';

describe('data.parquet, data.sqlite, data.sql, data.sample', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await makeTestContext({ nodeId: 'src' });
  });
  afterAll(() => ctx.cleanup());

  it('data.parquet reads a Parquet file and re-encodes it byte-stably', async () => {
    const src = join(ctx.tmpDir, 'weather.parquet');
    await ctx.data.query(`COPY (SELECT * FROM read_csv(${ctx.data.literal(join(DATA_DIR, 'seattle-weather.csv'))})) TO ${ctx.data.literal(src)} (FORMAT parquet, COMPRESSION zstd)`);
    const a = await outputArtifact((await runNode(parquet, ctx, {}, { path: src })).table, ctx);
    const b = await outputArtifact((await runNode(parquet, ctx, {}, { path: src })).table, ctx);
    expect(a.meta.rows).toBe(1461);
    expect((a.meta.columns as { name: string; type: string }[])[0]).toEqual({ name: 'date', type: 'DATE' });
    expect(a.hash).toBe(b.hash);
    await expect(runNode(parquet, ctx, {}, { path: 'missing.parquet' })).rejects.toThrow(`src: file not found: ${join(DATA_DIR, 'missing.parquet')}`);
    await expect(runNode(parquet, ctx, {}, { path: 'iris.csv' })).rejects.toThrow(/^src: cannot read .*iris\.csv/);
  });

  it('data.sqlite runs a SQLite-dialect query on a real file', async () => {
    const file = join(ctx.tmpDir, 'iris.sqlite');
    const iris = await tableArtifact(join(DATA_DIR, 'iris.csv'), ctx);
    const rows = await ctx.data.query('SELECT * FROM t', { t: iris });
    makeSqliteFile(file, 'CREATE TABLE iris (sepal_length REAL, sepal_width REAL, petal_length REAL, petal_width REAL, species TEXT)', [
      { sql: 'INSERT INTO iris VALUES (?, ?, ?, ?, ?)', rows: rows.map((r) => [r.sepal_length, r.sepal_width, r.petal_length, r.petal_width, r.species]) },
    ]);
    // substr and || and ifnull are SQLite's; GROUP BY with typeof() is SQLite-only.
    const out = await runNode(sqlite, ctx, {}, {
      path: file,
      query: "SELECT substr(species, 1, 3) || '!' AS s, count(*) AS n, typeof(avg(petal_length)) AS t, round(avg(petal_length), 3) AS m FROM iris GROUP BY species ORDER BY species",
    });
    const t = await outputArtifact(out.table, ctx);
    expect(await ctx.data.query('SELECT * FROM t', { t })).toEqual([
      { s: 'set!', n: 50, t: 'real', m: 1.462 },
      { s: 'ver!', n: 50, t: 'real', m: 4.26 },
      { s: 'vir!', n: 50, t: 'real', m: 5.552 },
    ]);
    expect(t.meta.columns).toEqual([
      { name: 's', type: 'VARCHAR' },
      { name: 'n', type: 'BIGINT' },
      { name: 't', type: 'VARCHAR' },
      { name: 'm', type: 'DOUBLE' },
    ]);
    await expect(runNode(sqlite, ctx, {}, { path: file, query: 'SELECT nope FROM iris' })).rejects.toThrow(/^src: query failed on .*iris\.sqlite: no such column: nope/);
    await expect(runNode(sqlite, ctx, {}, { path: 'none.sqlite', query: 'SELECT 1' })).rejects.toThrow(/^src: file not found: .*none\.sqlite/);
  });

  it('data.sql joins its input ports by name', async () => {
    const iris = await tableArtifact(join(DATA_DIR, 'iris.csv'), ctx);
    const penguins = await tableArtifact(join(DATA_DIR, 'penguins.csv'), ctx);
    const out = await runNode(sql, ctx, { flowers: iris, birds: penguins }, {
      query: 'SELECT (SELECT count(*) FROM flowers) AS f, (SELECT count(*) FROM birds WHERE island = \'Dream\') AS b',
    });
    const t = await outputArtifact(out.table, ctx);
    expect(await ctx.data.query('SELECT * FROM t', { t })).toEqual([{ f: 150, b: 124 }]);
    await expect(runNode(sql, ctx, { flowers: iris }, { query: 'SELECT * FROM birds' })).rejects.toThrow(/^src: query failed: .*birds/);
  });

  it('data.sample gives the bundled datasets', async () => {
    const rows = async (name: string) => (await outputArtifact((await runNode(sample, ctx, {}, { name })).table, ctx)).meta.rows;
    expect(await rows('iris')).toBe(150);
    expect(await rows('breast_cancer')).toBe(569);
    expect(await rows('penguins')).toBe(344);
  });

  it('data.sample synthetic is seeded, reproducible and learnable', async () => {
    const make = async (seed: number) => outputArtifact((await runNode(sample, ctx, {}, { name: 'synthetic', rows: 2000, features: 6, seed })).table, ctx);
    const a = await make(7);
    const b = await make(7);
    const c = await make(8);
    expect(a.hash).toBe(b.hash);
    expect(a.hash).not.toBe(c.hash);
    expect(a.meta.rows).toBe(2000);
    expect((a.meta.columns as { name: string; type: string }[]).map((x) => `${x.name}:${x.type}`)).toEqual(['x0:DOUBLE', 'x1:DOUBLE', 'x2:DOUBLE', 'x3:DOUBLE', 'x4:DOUBLE', 'x5:DOUBLE', 'label:BIGINT']);
    // Informative features separate the classes; noise features do not.
    const [r] = await ctx.data.query('SELECT avg(label) AS p, avg(x0) FILTER (label = 1) - avg(x0) FILTER (label = 0) AS d0, abs(avg(x5) FILTER (label = 1) - avg(x5) FILTER (label = 0)) AS d5 FROM t', { t: a });
    expect(r.p as number).toBeGreaterThan(0.45);
    expect(r.p as number).toBeLessThan(0.55);
    expect(r.d0 as number).toBeGreaterThan(0.9);
    expect(r.d5 as number).toBeLessThan(0.15);
  });
});
