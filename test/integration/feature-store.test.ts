/**
 * The feature store through real runs (contract section 7): features.view records its definition
 * in the project, features.materialize fills the online store incrementally (the second run
 * reads only the newer rows), `pipewright features` lists both, and the online lookup answers
 * Feast's `/get-online-features` with PRESENT, NOT_FOUND and OUTSIDE_MAX_AGE.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli-main';
import { openProject, type ProjectStore } from '../../main/store/project-store';
import { getOnlineFeatures, OnlineRequestError } from '../../main/features/online';
import { materializations } from '../../main/features/store';
import type { FeatureViewSummary } from '../../main/features/summary';
import type { RunSummary } from '../../shared/run';
import { ModelTable } from '../../main/serving/model-table';
import { registrySource } from '../../main/serving/registry-source';
import { startModelServer } from '../../main/serving/server';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
/** drivers 1..3, one row an hour for 10 hours; driver 3 stops after hour 2; hour 5 of driver 1 has two created times */
function statsCsv(): string {
  const lines = ['driver,ts,created,speed,trips'];
  for (let h = 0; h < 10; h++) {
    for (const d of [1, 2, 3]) {
      if (d === 3 && h > 2) continue;
      const ts = new Date(T0 + h * H).toISOString();
      lines.push(`${d},${ts},${new Date(T0 + h * H + 60_000).toISOString()},${d * 10 + h},${h}`);
      if (d === 1 && h === 5) lines.push(`${d},${ts},${new Date(T0 + h * H + 120_000).toISOString()},999,${h}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const pipeline = (ttl: string, features = '[speed, trips]'): string => `apiVersion: pipewright/v1
kind: Pipeline
metadata:
  name: drivers
params:
  asOf: "2024-01-01 04:30:00"
nodes:
  load:
    type: data.csv
    params:
      path: stats.csv
  stats:
    type: features.view
    inputs:
      table: load.table
    params:
      name: driver_stats
      entity: driver
      timestamp: ts
      createdTimestamp: created
      ttl: ${ttl}
      features: ${features}
  online:
    type: features.materialize
    inputs:
      view: stats.view
    params:
      asOf: \${params.asOf}
`;

let dir: string;
let store: ProjectStore;
const runs: RunSummary[] = [];
const project = (): string => join(dir, 'drivers.pwproj');

async function run(args: string[] = []): Promise<RunSummary> {
  const r = await cli(['run', 'drivers.pipeline.yaml', '--json', ...args], dir);
  expect(r.code, r.stderr).toBe(0);
  const s = JSON.parse(r.stdout) as RunSummary;
  runs.push(s);
  return s;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-feature-store-'));
  writeFileSync(join(dir, 'stats.csv'), statsCsv());
  writeFileSync(join(dir, 'drivers.pipeline.yaml'), pipeline('2h'));
  await run();
  await run(['--param', 'asOf=2024-01-01T07:00:00Z']);
  store = openProject(project(), { readonly: true });
}, 240_000);

afterAll(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const tableHash = (s: ProjectStore): string =>
  createHash('sha256').update(JSON.stringify(s.db.prepare('SELECT * FROM online_features ORDER BY view, entity_key').all())).digest('hex');

describe('features.materialize', () => {
  it('reads everything up to asOf the first time, then only the rows newer than the watermark', () => {
    // up to 04:30: hours 0-4 of drivers 1 and 2, hours 0-2 of driver 3
    expect(runs[0].nodes.online.metrics).toEqual({ rowsRead: 5 + 5 + 3, entitiesWritten: 3 });
    // (04:30, 07:00]: hours 5-7 of drivers 1 and 2, plus driver 1's second row at hour 5
    expect(runs[1].nodes.online.metrics).toEqual({ rowsRead: 3 + 1 + 3, entitiesWritten: 2 });
    expect(runs[1].nodes.online.reason).toBe('re-run: never cached (features.materialize)');
    expect(runs[1].nodes.stats.cached).toBe(true);
    const log = materializations(store, 'driver_stats');
    expect(log.map((m) => [m.sinceTs, m.asOfTs, m.rowsRead])).toEqual([
      [null, (T0 + 4.5 * H) * 1000, 13],
      [(T0 + 4.5 * H) * 1000, (T0 + 7 * H) * 1000, 7],
    ]);
  });

  it('keeps the latest row per entity as of asOf, with the join tie-break (latest created time)', () => {
    const rows = store.db.prepare("SELECT entity_key, event_ts, created_ts, features FROM online_features WHERE view = 'driver_stats' ORDER BY entity_key").all();
    expect(rows).toEqual([
      { entity_key: '[1]', event_ts: (T0 + 7 * H) * 1000, created_ts: (T0 + 7 * H + 60_000) * 1000, features: '[17,7]' },
      { entity_key: '[2]', event_ts: (T0 + 7 * H) * 1000, created_ts: (T0 + 7 * H + 60_000) * 1000, features: '[27,7]' },
      { entity_key: '[3]', event_ts: (T0 + 2 * H) * 1000, created_ts: (T0 + 2 * H + 60_000) * 1000, features: '[32,2]' },
    ]);
  });
});

describe('online lookups (/get-online-features)', () => {
  it('answers with Feast shapes: values in entity order, PRESENT, NOT_FOUND and OUTSIDE_MAX_AGE with event timestamps', () => {
    const now = T0 + 8 * H; // TTL 2h: driver 3 (hour 2) is too old, drivers 1 and 2 (hour 7) are not
    const r = getOnlineFeatures(store, { features: ['driver_stats:speed', 'driver_stats:trips'], entities: { driver: [2, 3, 42, 1] } }, now);
    expect(r).toEqual({
      metadata: { feature_names: ['speed', 'trips'] },
      results: [
        {
          values: [27, 32, null, 17],
          statuses: ['PRESENT', 'OUTSIDE_MAX_AGE', 'NOT_FOUND', 'PRESENT'],
          event_timestamps: ['2024-01-01T07:00:00Z', '2024-01-01T02:00:00Z', '1970-01-01T00:00:00Z', '2024-01-01T07:00:00Z'],
        },
        {
          values: [7, 2, null, 7],
          statuses: ['PRESENT', 'OUTSIDE_MAX_AGE', 'NOT_FOUND', 'PRESENT'],
          event_timestamps: ['2024-01-01T07:00:00Z', '2024-01-01T02:00:00Z', '1970-01-01T00:00:00Z', '2024-01-01T07:00:00Z'],
        },
      ],
    });
    expect(getOnlineFeatures(store, { features: ['driver_stats:trips'], entities: { driver: [1] }, full_feature_names: true }, now).metadata.feature_names).toEqual(['driver_stats__trips']);
  });

  it('refuses bad requests with a message naming the field, and writes nothing', () => {
    const before = tableHash(store);
    const version = store.db.pragma('data_version', { simple: true });
    const bad: [unknown, RegExp][] = [
      [null, /must be a JSON object/],
      [{ features: [], entities: { driver: [1] } }, /features: give a list/],
      [{ features: ['speed'], entities: { driver: [1] } }, /features\[0\]: "speed" is not "view:feature"/],
      [{ features: ['nope:speed'], entities: { driver: [1] } }, /no feature view "nope"/],
      [{ features: ['driver_stats:nope'], entities: { driver: [1] } }, /view "driver_stats" has no feature "nope" \(features: speed, trips\)/],
      [{ features: ['driver_stats:speed'], entities: { rider: [1] } }, /needs entity column "driver"/],
      [{ features: ['driver_stats:speed'], entities: { driver: ['x'] } }, /entities\.driver\[0\]: "x" is not an integer/],
      [{ features: ['driver_stats:speed'], entities: { driver: [1.5] } }, /entities\.driver\[0\]: 1\.5 is not an integer/],
      [{ features: ['driver_stats:speed'], entities: { driver: [null] } }, /may not be null/],
      [{ features: ["driver_stats:speed'; DROP TABLE online_features; --"], entities: { driver: [1] } }, /has no feature/],
      [{ features: ['driver_stats:speed'], entities: { driver: [1], other: [1, 2] } }, /2 ids, but another entity column has 1/],
      [{ features: ['driver_stats:speed'], entities: { driver: [1] }, extra: 1 }, /unknown field "extra"/],
    ];
    for (const [body, message] of bad) {
      expect(() => getOnlineFeatures(store, body)).toThrow(OnlineRequestError);
      expect(() => getOnlineFeatures(store, body)).toThrow(message);
    }
    expect(tableHash(store)).toBe(before);
    expect(store.db.pragma('data_version', { simple: true })).toBe(version);
  });
});

describe('pipewright features', () => {
  it('lists the view, its offline stats and what is online (--json)', async () => {
    const r = await cli(['features', '--project', project(), '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const { views } = JSON.parse(r.stdout) as { views: FeatureViewSummary[] };
    expect(views).toHaveLength(1);
    expect(views[0]).toMatchObject({
      name: 'driver_stats',
      entity: [{ name: 'driver', type: 'BIGINT' }],
      timestamp: 'ts',
      createdTimestamp: 'created',
      ttl: '2h',
      features: [{ name: 'speed' }, { name: 'trips' }],
      rows: 24,
      entities: 3,
      eventTimeMin: '2024-01-01T00:00:00.000Z',
      eventTimeMax: '2024-01-01T09:00:00.000Z',
      recordedBy: { run: 2, node: 'stats' },
      online: { rows: 3, watermark: '2024-01-01T07:00:00.000Z', lastMaterialization: { run: 2, rowsRead: 7, entitiesWritten: 2 } },
    });
    const text = await cli(['features', '--project', project()], dir);
    expect(text.stdout).toContain('driver_stats  entity driver (BIGINT)  time ts / created created  ttl 2h');
    expect(text.stdout).toContain('online: 3 entities as of 2024-01-01 07:00:00Z');
  });

  it('exits 2 naming the file for a project that does not exist', async () => {
    const r = await cli(['features', '--project', join(dir, 'missing.pwproj'), '--json'], dir);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).errors[0].place).toBe('project');
  });
});

describe('POST /get-online-features on the model server', () => {
  it('answers over HTTP (every stored row older than now minus the TTL), 400 naming the field, 404 for other paths', async () => {
    const table = await ModelTable.open(registrySource(store), { pollMs: 60_000 });
    const server = await startModelServer({ table, port: 0, store });
    const post = async (body: string): Promise<{ status: number; json: Record<string, unknown> }> => {
      const res = await fetch(`${server.url}/get-online-features`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    try {
      const ok = await post(JSON.stringify({ features: ['driver_stats:speed'], entities: { driver: [2, 3, 42] } }));
      expect(ok.status).toBe(200);
      expect(ok.json).toEqual({
        metadata: { feature_names: ['speed'] },
        results: [{ values: [27, 32, null], statuses: ['OUTSIDE_MAX_AGE', 'OUTSIDE_MAX_AGE', 'NOT_FOUND'], event_timestamps: ['2024-01-01T07:00:00Z', '2024-01-01T02:00:00Z', '1970-01-01T00:00:00Z'] }],
      });
      const bad = await post(JSON.stringify({ features: ['driver_stats:speed'], entities: { driver: ['x'] } }));
      expect(bad).toEqual({ status: 400, json: { error: 'entities.driver[0]: "x" is not an integer (the view\'s "driver" is BIGINT)' } });
      expect((await post('{not json')).status).toBe(400);
      const get = await fetch(`${server.url}/get-online-features`);
      expect(get.status).toBe(405);
    } finally {
      await server.close();
      table.close();
    }
  });
});

describe('a changed view definition', () => {
  it('materialises from scratch and drops the old rows', async () => {
    writeFileSync(join(dir, 'drivers.pipeline.yaml'), pipeline('2h', '[speed]'));
    const r = await run(['--param', 'asOf=2024-01-01T03:00:00Z']);
    expect(r.nodes.online.metrics).toEqual({ rowsRead: 4 + 4 + 3, entitiesWritten: 3 });
    const check = openProject(project(), { readonly: true });
    try {
      expect(check.db.prepare("SELECT entity_key, features FROM online_features ORDER BY entity_key").all()).toEqual([
        { entity_key: '[1]', features: '[13]' },
        { entity_key: '[2]', features: '[23]' },
        { entity_key: '[3]', features: '[32]' },
      ]);
    } finally {
      check.close();
    }
  }, 120_000);
});
