import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestContext, outputArtifact, runNode, type TestContext } from '../../test/helpers/node-context';
import type { ArtifactRef } from '../types';
import view from './view.node';
import join from './join.node';
import materialize from './materialize.node';
import { readView } from './feature-view';
import { loadPipeline } from '../../shared/pipeline';
import { createChecker } from '../checker';
import { registry } from '../registry';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await makeTestContext({ nodeId: 'fv' });
});
afterAll(async () => ctx.cleanup());

async function table(sql: string): Promise<ArtifactRef> {
  return outputArtifact({ kind: 'table', path: await ctx.data.writeTable(sql) }, ctx);
}

async function rows(ref: { path: string }): Promise<Record<string, unknown>[]> {
  return ctx.data.query('SELECT * FROM t', { t: { kind: 'table', path: ref.path, hash: '', meta: {} } });
}

const stats = `SELECT * FROM (VALUES
  (1, TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2024-01-01 01:00:00', 10.0, 'a'),
  (1, TIMESTAMP '2024-01-02 00:00:00', TIMESTAMP '2024-01-02 01:00:00', 20.0, 'b'),
  (1, TIMESTAMP '2024-01-02 00:00:00', TIMESTAMP '2024-01-02 02:00:00', 21.0, 'c'),
  (1, TIMESTAMP '2024-01-02 00:00:00', NULL, 22.0, 'd'),
  (2, TIMESTAMP '2024-01-01 12:00:00', TIMESTAMP '2024-01-01 12:00:00', 30.0, 'e')
) t(driver, ts, created, speed, grade)`;

describe('features.view', () => {
  it('writes the definition into the Parquet metadata and reports entities, range and rows per entity', async () => {
    const out = await runNode(view, ctx, { table: await table(stats) }, { name: 'driver_stats', entity: 'driver', timestamp: 'ts', createdTimestamp: 'created', ttl: '2d' });
    const ref = await outputArtifact(out.view, ctx);
    const doc = await readView(ctx.data, ref);
    expect(doc).toMatchObject({ name: 'driver_stats', entity: [{ name: 'driver', type: 'INTEGER' }], timestamp: { name: 'ts' }, createdTimestamp: { name: 'created' }, ttl: '2d', ttlSeconds: 172_800 });
    expect(doc!.features.map((f) => f.name)).toEqual(['speed', 'grade']);
    const m = Object.fromEntries(ctx.metrics.map((x) => [x.key, x.value]));
    expect(m).toMatchObject({ rows: 5, entities: 2, rowsPerEntity: 2.5, eventTimeMin: Date.UTC(2024, 0, 1), eventTimeMax: Date.UTC(2024, 0, 2) });
  });

  it('refuses rows that repeat entity, event and created time, naming the view and the count', async () => {
    const dup = `SELECT * FROM (VALUES (1, TIMESTAMP '2024-01-01', 1.0), (1, TIMESTAMP '2024-01-01', 2.0), (1, TIMESTAMP '2024-01-01', 3.0), (2, TIMESTAMP '2024-01-01', 4.0)) t(e, ts, x)`;
    await expect(runNode(view, ctx, { table: await table(dup) }, { name: 'v', entity: 'e', timestamp: 'ts' })).rejects.toThrow(/^fv: view "v": 2 rows repeat the entity and event timestamp/);
  });

  it('names the node and column for a missing column and for a time column that is not a time', async () => {
    const t = await table(`SELECT 1 AS e, 5 AS ts, 1.0 AS x`);
    await expect(runNode(view, ctx, { table: t }, { name: 'v', entity: 'nope', timestamp: 'ts' })).rejects.toThrow(/fv: entity: column "nope" does not exist in input "table"/);
    await expect(runNode(view, ctx, { table: t }, { name: 'v', entity: 'e', timestamp: 'ts' })).rejects.toThrow(/fv: timestamp: column "ts" of input "table" is INTEGER, not a timestamp/);
  });

  it('refuses text timestamps that do not parse, with an example value', async () => {
    const t = await table(`SELECT * FROM (VALUES (1, '2024-01-01 10:00', 1.0), (2, 'yesterday', 2.0)) t(e, ts, x)`);
    await expect(runNode(view, ctx, { table: t }, { name: 'v', entity: 'e', timestamp: 'ts' })).rejects.toThrow(/fv: timestamp: column "ts" of input "table" has 1 value that is not a timestamp, e.g. "yesterday"/);
  });

  it('tells the editor its columns before running: entity, times, then features', async () => {
    const cols = [{ name: 'speed', type: 'DOUBLE' }, { name: 'ts', type: 'TIMESTAMP' }, { name: 'driver', type: 'INTEGER' }, { name: 'grade', type: 'VARCHAR' }];
    const ctx0 = { resolvePath: (p: string) => p, data: {} };
    const r = await view.schema!({ inputs: { table: { columns: cols } }, params: { name: 'v', entity: 'driver', timestamp: 'ts' }, ctx: ctx0 });
    expect(r.outputs.view.columns?.map((c) => c.name)).toEqual(['driver', 'ts', 'speed', 'grade']);
    const m = await materialize.schema!({ inputs: { view: r.outputs.view }, params: {}, ctx: ctx0 });
    expect(m.outputs.view).toEqual(r.outputs.view);
  });

  it('refuses a TTL that does not parse before anything runs, located at the node, the param and its line', () => {
    const r = view.params.safeParse({ name: 'v', entity: 'e', timestamp: 'ts', ttl: '3 days' });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/duration such as 30d/);
    const file = (ttl: string): string =>
      `apiVersion: pipewright/v1\nkind: Pipeline\nmetadata:\n  name: p\nnodes:\n  load:\n    type: data.csv\n    params:\n      path: x.csv\n  stats:\n    type: features.view\n    inputs:\n      table: load.table\n    params:\n      name: v\n      entity: e\n      timestamp: ts\n      ttl: ${ttl}\n`;
    expect(loadPipeline(file('"3 days"'), createChecker(registry)).errors).toEqual([
      { place: 'nodes.stats.params.ttl', message: 'must be a duration such as 30d, 12h, 90m or 45s', line: 18, column: 7 },
    ]);
    expect(loadPipeline(file('99999999999999w'), createChecker(registry)).errors).toMatchObject([{ place: 'nodes.stats.params.ttl', message: 'is too long' }]);
    expect(loadPipeline(file('30d'), createChecker(registry)).errors).toEqual([]);
  });
});

describe('features.join', () => {
  let driverView: ArtifactRef;
  beforeAll(async () => {
    const out = await runNode(view, ctx, { table: await table(stats) }, { name: 'driver_stats', entity: 'driver', timestamp: 'ts', createdTimestamp: 'created', ttl: '2d' });
    driverView = await outputArtifact(out.view, ctx);
  });

  it('takes the latest row at or before the label time, then the latest created time; nulls outside the TTL or for unknown entities; label order kept', async () => {
    const labels = await table(`SELECT * FROM (VALUES
      (1, TIMESTAMP '2024-01-03 00:00:00', 'late'),
      (1, TIMESTAMP '2024-01-01 06:00:00', 'first'),
      (1, TIMESTAMP '2023-12-31 00:00:00', 'before'),
      (9, TIMESTAMP '2024-01-02 00:00:00', 'unknown'),
      (1, TIMESTAMP '2024-01-05 00:00:00', 'expired'),
      (2, TIMESTAMPTZ '2024-01-01 13:00:00+02:00', 'zoned before'),
      (2, TIMESTAMPTZ '2024-01-01 15:00:00+02:00', 'zoned after')
    ) t(driver, "at", note)`);
    const out = await runNode(join, ctx, { labels, view: driverView }, { timestamp: 'at' });
    const r = await rows(out.table as { path: string });
    expect(r.map((x) => [x.note, x.speed, x.grade])).toEqual([
      ['late', 21, 'c'],
      ['first', 10, 'a'],
      ['before', null, null],
      ['unknown', null, null],
      ['expired', null, null],
      ['zoned before', null, null],
      ['zoned after', 30, 'e'],
    ]);
    expect(Object.keys(r[0])).toEqual(['driver', 'at', 'note', 'speed', 'grade']);
    const found = ctx.metrics.filter((x) => x.key === 'found.driver_stats').pop();
    expect(found?.value).toBeCloseTo(3 / 7, 12);
  });

  it('joins several views and prefixes clashing names with the view name', async () => {
    const other = await runNode(view, ctx, { table: await table(`SELECT 1 AS driver, TIMESTAMP '2024-01-01' AS ts, 7.0 AS speed, 'x' AS note`) }, { name: 'other', entity: 'driver', timestamp: 'ts' });
    const labels = await table(`SELECT 1 AS driver, TIMESTAMP '2024-01-02 12:00' AS at, 'n' AS note`);
    const out = await runNode(join, ctx, { labels, view: driverView, view2: await outputArtifact(other.view, ctx) }, { timestamp: 'at' });
    const r = await rows(out.table as { path: string });
    expect(r).toEqual([{ driver: 1, at: r[0].at, note: 'n', driver_stats__speed: 21, grade: 'c', other__speed: 7, other__note: 'x' }]);
  });

  it('refuses labels without the time column, and entity types that differ, naming node, column and an example', async () => {
    const labels = await table(`SELECT 'D1' AS driver, TIMESTAMP '2024-01-02' AS at`);
    await expect(runNode(join, ctx, { labels, view: driverView }, { timestamp: 'when' })).rejects.toThrow(/fv: timestamp: column "when" does not exist in input "labels" \(columns: driver, at\)/);
    await expect(runNode(join, ctx, { labels, view: driverView }, { timestamp: 'at' })).rejects.toThrow(
      /fv: entity: column "driver" of input "labels" is VARCHAR \(e\.g\. "D1"\) but entity column "driver" of view "driver_stats" is INTEGER \(e\.g\. "1"\)/,
    );
    const bad = await table(`SELECT 1 AS driver, '2024-13-45' AS at`);
    await expect(runNode(join, ctx, { labels: bad, view: driverView }, { timestamp: 'at' })).rejects.toThrow(/fv: timestamp: column "at" of input "labels" has 1 value that is not a timestamp, e\.g\. "2024-13-45"/);
  });

  it('refuses a table that is not a view', async () => {
    const labels = await table(`SELECT 1 AS driver, TIMESTAMP '2024-01-02' AS at`);
    await expect(runNode(join, ctx, { labels, view: labels }, { timestamp: 'at' })).rejects.toThrow(/input "view" is not a feature view/);
  });
});

describe('features.materialize', () => {
  it('passes the view through byte for byte', async () => {
    const out = await runNode(view, ctx, { table: await table(stats) }, { name: 'driver_stats', entity: 'driver', timestamp: 'ts' , createdTimestamp: 'created' });
    const v = await outputArtifact(out.view, ctx);
    const m = await runNode(materialize, ctx, { view: v }, {});
    expect((await outputArtifact(m.view, ctx)).hash).toBe(v.hash);
  });
});
