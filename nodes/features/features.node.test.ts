import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_DIR, makeTestContext, outputArtifact, runNode, tableArtifact, type TestContext } from '../../test/helpers/node-context';
import type { ArtifactRef } from '../types';
import impute from './impute.node';
import oneHot from './one-hot.node';
import { readScaler } from './scaler';
import select from './select.node';
import split, { allocate } from './split.node';
import standardize from './standardize.node';

describe('feature nodes on real data', () => {
  let ctx: TestContext;
  let iris: ArtifactRef;
  let penguins: ArtifactRef;
  let cancer: ArtifactRef;
  beforeAll(async () => {
    ctx = await makeTestContext({ nodeId: 'feat' });
    iris = await tableArtifact(join(DATA_DIR, 'iris.csv'), ctx);
    penguins = await tableArtifact(join(DATA_DIR, 'penguins.csv'), ctx);
    cancer = await tableArtifact(join(DATA_DIR, 'breast_cancer.csv'), ctx);
  });
  afterAll(() => ctx.cleanup());

  const cols = (t: ArtifactRef) => (t.meta.columns as { name: string; type: string }[]).map((c) => c.name);
  const q = (sql: string, tables: Record<string, ArtifactRef>) => ctx.data.query(sql, tables);

  it('features.select keeps listed columns in order, or drops excluded ones', async () => {
    const kept = await outputArtifact((await runNode(select, ctx, { table: iris }, { columns: ['species', 'sepal_length'] })).table, ctx);
    expect(cols(kept)).toEqual(['species', 'sepal_length']);
    expect(kept.meta.rows).toBe(150);
    const dropped = await outputArtifact((await runNode(select, ctx, { table: iris }, { exclude: ['species'] })).table, ctx);
    expect(cols(dropped)).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    await expect(runNode(select, ctx, { table: iris }, { columns: ['petal'] })).rejects.toThrow(/^feat: columns: column "petal" does not exist in input "table" \(columns: sepal_length, /);
  });

  it('features.impute fills only columns with missing values, by mean, median, most_frequent or constant', async () => {
    const stats = (await q('SELECT avg(body_mass_g) AS mean, median(body_mass_g) AS med FROM p', { p: penguins }))[0];
    const mean = await outputArtifact((await runNode(impute, ctx, { table: penguins }, {})).table, ctx);
    const [m] = await q(`SELECT count(*) - count(body_mass_g) AS miss, count(*) FILTER (abs(body_mass_g - ${stats.mean}) < 1e-9) AS filled, count(*) - count(sex) AS sexmiss FROM t`, { t: mean });
    expect(m.miss).toBe(0);
    expect(m.filled).toBe(2);
    expect(m.sexmiss).toBe(10); // text: mean cannot fill it, so it is left (with a warning)
    expect(ctx.logs.some((l) => l.level === 'warn' && l.message.includes('"sex"'))).toBe(true);

    const median = await outputArtifact((await runNode(impute, ctx, { table: penguins }, { strategy: 'median', columns: ['body_mass_g'] })).table, ctx);
    const count4050 = async (t: ArtifactRef) => (await q('SELECT count(*) AS n FROM t WHERE body_mass_g = 4050', { t }))[0].n as number;
    expect(stats.med).toBe(4050);
    expect(await count4050(median)).toBe((await count4050(penguins)) + 2);

    // most_frequent on text: MALE (168) over FEMALE (165)
    const mf = await outputArtifact((await runNode(impute, ctx, { table: penguins }, { strategy: 'most_frequent', columns: ['sex'] })).table, ctx);
    const [s] = await q('SELECT count(*) FILTER (sex = \'MALE\') AS male, count(*) - count(sex) AS miss FROM t', { t: mf });
    expect(s).toEqual({ male: 178, miss: 0 });

    const c = await outputArtifact((await runNode(impute, ctx, { table: penguins }, { strategy: 'constant', value: 'unknown', columns: ['sex'] })).table, ctx);
    expect((await q('SELECT count(*) AS n FROM t WHERE sex = \'unknown\'', { t: c }))[0].n).toBe(10);
    await expect(runNode(impute, ctx, { table: penguins }, { strategy: 'mean', columns: ['sex'] })).rejects.toThrow(/^feat: columns: "sex" is VARCHAR, and strategy mean needs numbers/);
  });

  it('features.impute most_frequent breaks ties by the smallest value', async () => {
    const p = join(ctx.tmpDir, 'ties.csv');
    writeFileSync(p, 'g,x\nb,1\na,2\nb,2\na,1\n,\n');
    const t = await tableArtifact(p, ctx);
    const out = await outputArtifact((await runNode(impute, ctx, { table: t }, { strategy: 'most_frequent' })).table, ctx);
    expect((await q('SELECT g, x FROM t', { t: out }))[4]).toEqual({ g: 'a', x: 1 });
  });

  it('features.one_hot makes sorted 0/1 columns in place, nulls all zeros', async () => {
    const out = await outputArtifact((await runNode(oneHot, ctx, { table: penguins }, { columns: ['island', 'sex'] })).table, ctx);
    expect(cols(out)).toEqual([
      'species', 'island_Biscoe', 'island_Dream', 'island_Torgersen', 'beak_length_mm', 'beak_depth_mm', 'flipper_length_mm', 'body_mass_g',
      'sex_.', 'sex_FEMALE', 'sex_MALE',
    ]);
    expect((out.meta.columns as { type: string }[])[1].type).toBe('DOUBLE');
    const [r] = await q('SELECT sum(island_Biscoe) AS b, sum(island_Dream) AS d, sum(island_Torgersen) AS t, count(*) FILTER ("sex_." + sex_FEMALE + sex_MALE = 0) AS nosex FROM t', { t: out });
    expect(r).toEqual({ b: 168, d: 124, t: 52, nosex: 10 });
  });

  it('features.split is seeded and deterministic', async () => {
    const run = async (seed: number) => {
      const out = await runNode(split, ctx, { table: iris }, { seed });
      return { train: await outputArtifact(out.train, ctx), test: await outputArtifact(out.test, ctx) };
    };
    const a = await run(1);
    const b = await run(1);
    const c = await run(2);
    expect(a.train.meta.rows).toBe(120);
    expect(a.test.meta.rows).toBe(30);
    expect(a.train.hash).toBe(b.train.hash);
    expect(a.test.hash).toBe(b.test.hash);
    expect(a.test.hash).not.toBe(c.test.hash);
    // Every row lands in exactly one side.
    const [u] = await q('SELECT count(*) AS n, count(DISTINCT (sepal_length, sepal_width, petal_length, petal_width, species)) AS d FROM (SELECT * FROM tr UNION ALL SELECT * FROM te)', { tr: a.train, te: a.test });
    const [o] = await q('SELECT count(DISTINCT (sepal_length, sepal_width, petal_length, petal_width, species)) AS d FROM i', { i: iris });
    expect(u.n).toBe(150);
    expect(u.d).toBe(o.d);
  });

  it('features.split stratified keeps class shares within one row', async () => {
    const out = await runNode(split, ctx, { table: cancer }, { testFraction: 0.2, stratifyBy: 'diagnosis', seed: 42 });
    const test = await outputArtifact(out.test, ctx);
    const train = await outputArtifact(out.train, ctx);
    expect(test.meta.rows).toBe(114); // ceil(0.2 * 569)
    expect(train.meta.rows).toBe(455);
    const shares = await q('SELECT diagnosis, count(*) AS n FROM t GROUP BY diagnosis ORDER BY diagnosis', { t: test });
    // 357 benign, 212 malignant: exact shares 71.4 and 42.4
    expect(Math.abs((shares[0].n as number) - 357 * 0.2)).toBeLessThan(1);
    expect(Math.abs((shares[1].n as number) - 212 * 0.2)).toBeLessThan(1);
    expect(allocate([357, 212], 114)).toEqual([72, 42]);
  });

  it('features.split fails a one-member class, naming the class and the column', async () => {
    const p = join(ctx.tmpDir, 'lonely.csv');
    writeFileSync(p, 'x,y\n1,a\n2,a\n3,b\n4,b\n5,c\n');
    const t = await tableArtifact(p, ctx);
    await expect(runNode(split, ctx, { table: t }, { stratifyBy: 'y' })).rejects.toThrow(/^feat: stratifyBy: class "c" of column "y" has only 1 row/);
    await expect(runNode(split, ctx, { table: t }, { stratifyBy: 'label' })).rejects.toThrow(/^feat: stratifyBy: column "label" does not exist/);
  });

  it('fails a table with no rows in the first node that needs rows', async () => {
    const p = join(ctx.tmpDir, 'norows.csv');
    writeFileSync(p, 'x,y\n');
    const t = await tableArtifact(p, ctx);
    await expect(runNode(split, ctx, { table: t }, {})).rejects.toThrow('feat: input "table" has no rows');
    await expect(runNode(impute, ctx, { table: t }, {})).rejects.toThrow('feat: input "table" has no rows');
  });

  it('features.standardize fits on train only and keeps the scaler with the tables', async () => {
    const parts = await runNode(split, ctx, { table: cancer }, { stratifyBy: 'diagnosis', seed: 3 });
    const train = await outputArtifact(parts.train, ctx);
    const test = await outputArtifact(parts.test, ctx);
    const out = await runNode(standardize, ctx, { train, test }, {});
    const strain = await outputArtifact(out.train, ctx);
    const stest = await outputArtifact(out.test, ctx);
    const [r] = await q('SELECT avg(mean_radius) AS m, stddev_pop(mean_radius) AS s, avg(worst_area) AS m2, stddev_pop(worst_area) AS s2 FROM t', { t: strain });
    expect(r.m as number).toBeCloseTo(0, 10);
    expect(r.s as number).toBeCloseTo(1, 10);
    expect(r.m2 as number).toBeCloseTo(0, 10);
    expect(r.s2 as number).toBeCloseTo(1, 10);
    const scaler = await readScaler(ctx.data, stest);
    expect(scaler).not.toBeNull();
    expect(Object.keys(scaler!.columns)).toHaveLength(30);
    const [fit] = await q('SELECT avg(mean_radius) AS m, stddev_pop(mean_radius) AS s FROM t', { t: train });
    expect(scaler!.columns.mean_radius.mean).toBeCloseTo(fit.m as number, 12);
    expect(scaler!.columns.mean_radius.scale).toBeCloseTo(fit.s as number, 12);
    // the test table uses the train scaler: its raw values map through (x - mean) / scale
    const [raw] = await q('SELECT mean_radius AS x FROM t LIMIT 1', { t: test });
    const [scaled] = await q('SELECT mean_radius AS x, diagnosis FROM t LIMIT 1', { t: stest });
    expect(scaled.x as number).toBeCloseTo(((raw.x as number) - (fit.m as number)) / (fit.s as number), 12);
    expect(typeof scaled.diagnosis).toBe('string');
  });

  it('the scaler stays with the table through select, impute, one_hot and split', async () => {
    const parts = await runNode(split, ctx, { table: penguins }, { seed: 5 });
    const scaled = await runNode(standardize, ctx, { train: await outputArtifact(parts.train, ctx), test: await outputArtifact(parts.test, ctx) }, {});
    const strain = await outputArtifact(scaled.train, ctx);
    const fitted = (await readScaler(ctx.data, strain))!;
    expect(Object.keys(fitted.columns)).toEqual(['beak_length_mm', 'beak_depth_mm', 'flipper_length_mm', 'body_mass_g']);
    const imputed = await outputArtifact((await runNode(impute, ctx, { table: strain }, {})).table, ctx);
    const encoded = await outputArtifact((await runNode(oneHot, ctx, { table: imputed }, { columns: ['island'] })).table, ctx);
    const picked = await outputArtifact((await runNode(select, ctx, { table: encoded }, { exclude: ['beak_depth_mm'] })).table, ctx);
    const again = await runNode(split, ctx, { table: picked }, { seed: 1 });
    const carried = (await readScaler(ctx.data, await outputArtifact(again.test, ctx)))!;
    expect(carried.columns).toEqual({
      beak_length_mm: fitted.columns.beak_length_mm,
      flipper_length_mm: fitted.columns.flipper_length_mm,
      body_mass_g: fitted.columns.body_mass_g,
    });
    expect(await readScaler(ctx.data, penguins)).toBeNull();
  });

  it('features.standardize keeps scale 1 for a constant column and honours exclude', async () => {
    const p = join(ctx.tmpDir, 'const.csv');
    writeFileSync(p, 'a,b,c\n1,5,1\n2,5,0\n3,5,1\n');
    const t = await tableArtifact(p, ctx);
    const out = await runNode(standardize, ctx, { train: t, test: t }, { exclude: ['c'] });
    const s = await outputArtifact(out.train, ctx);
    expect(await q('SELECT a, b, c FROM t', { t: s })).toEqual([
      { a: -Math.sqrt(1.5), b: 0, c: 1 },
      { a: 0, b: 0, c: 0 },
      { a: Math.sqrt(1.5), b: 0, c: 1 },
    ]);
    expect((await readScaler(ctx.data, s))!.columns).toEqual({ a: { mean: 2, scale: Math.sqrt(2 / 3) }, b: { mean: 5, scale: 1 } });
  });
});
