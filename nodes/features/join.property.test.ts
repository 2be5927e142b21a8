/**
 * features.join against a brute-force oracle (contract section 7) on random data: entities
 * missing on either side, event times with ties, created times with ties and nulls, TTLs, null
 * keys and times, and every way a time can be written (naive, zoned, text, text with an offset).
 * Then against pandas `merge_asof` on the same data.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestContext, outputArtifact, runNode, type TestContext } from '../../test/helpers/node-context';
import { pythonWith } from '../../test/helpers/python';
import type { ArtifactRef } from '../types';
import view from './view.node';
import joinNode from './join.node';

const BASE = 1_704_067_200; // 2024-01-01T00:00:00Z
type Encoding = 'naive' | 'zoned' | 'text' | 'text-offset';

interface ViewRow { key: number | null; t: number | null; created: number | null; x: number }
interface LabelRow { key: number | null; t: number | null }
interface Case {
  textKeys: boolean;
  ttl: number | null; // minutes
  useCreated: boolean;
  viewEnc: Encoding;
  createdEnc: Encoding;
  labelEnc: Encoding;
  offsets: number[]; // minutes east of UTC used by text-offset values
  view: ViewRow[];
  labels: LabelRow[];
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** A time written as SQL in one of the encodings; `i` picks an offset for text-offset. */
function timeSql(sec: number | null, enc: Encoding, offsets: number[], i: number): string {
  if (sec === null) return enc.startsWith('text') ? 'CAST(NULL AS VARCHAR)' : enc === 'zoned' ? 'CAST(NULL AS TIMESTAMPTZ)' : 'CAST(NULL AS TIMESTAMP)';
  if (enc === 'naive') return `make_timestamp(${sec * 1_000_000})`;
  if (enc === 'zoned') return `to_timestamp(${sec})`;
  const off = enc === 'text' ? 0 : offsets[i % offsets.length];
  const d = new Date((sec + off * 60) * 1000);
  const local = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}${i % 2 ? 'T' : ' '}${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  if (enc === 'text') return `'${local}'`;
  const zone = off === 0 && i % 3 === 0 ? 'Z' : `${off < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  return `'${local}${zone}'`;
}

const keySql = (k: number | null, text: boolean): string => (k === null ? (text ? 'CAST(NULL AS VARCHAR)' : 'CAST(NULL AS INTEGER)') : text ? `'e${k}'` : String(k));

/** What section 7 says, row by row: the view row id each label row gets, or null. */
function oracle(c: Case, createdOrder: 1 | -1 = 1): (number | null)[] {
  return c.labels.map((l) => {
    const lt = l.t;
    if (l.key === null || lt === null) return null;
    let best: { i: number; t: number; created: number | null } | null = null;
    c.view.forEach((v, i) => {
      if (v.key !== l.key || v.t === null || v.t > lt) return;
      if (c.ttl !== null && v.t < lt - c.ttl * 60) return;
      const created = c.useCreated ? v.created : null;
      if (!best || v.t > best.t || (v.t === best.t && created !== null && (best.created === null || createdOrder * (created - best.created) > 0))) best = { i, t: v.t, created };
    });
    return best === null ? null : (best as { i: number }).i;
  });
}

/** Drops view rows that would repeat (entity, event time[, created time]): the view refuses those. */
function distinctView(rows: ViewRow[], useCreated: boolean): ViewRow[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = JSON.stringify([r.key, r.t, useCreated ? r.created : null]);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const encoding = fc.constantFrom<Encoding>('naive', 'zoned', 'text', 'text-offset');
const minute = (max: number): fc.Arbitrary<number> => fc.integer({ min: 0, max }).map((m) => BASE + m * 60);
const caseArb: fc.Arbitrary<Case> = fc
  .record({
    textKeys: fc.boolean(),
    ttl: fc.option(fc.integer({ min: 0, max: 20 }), { nil: null }),
    useCreated: fc.boolean(),
    viewEnc: encoding,
    createdEnc: encoding,
    labelEnc: encoding,
    offsets: fc.array(fc.integer({ min: -11 * 60, max: 13 * 60 }).map((m) => m - (m % 15)), { minLength: 1, maxLength: 3 }),
    view: fc.array(
      fc.record({
        key: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null, freq: 15 }),
        t: fc.option(minute(15), { nil: null, freq: 20 }),
        created: fc.option(minute(3), { nil: null, freq: 3 }),
        x: fc.integer({ min: -1e6, max: 1e6 }).map((n) => n / 4), // exact in decimal and binary
      }),
      { minLength: 10, maxLength: 60 },
    ),
    labels: fc.array(fc.record({ key: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null, freq: 15 }), t: fc.option(minute(20), { nil: null, freq: 15 }) }), { minLength: 5, maxLength: 30 }),
  })
  .map((c) => ({ ...c, view: distinctView(c.view, c.useCreated) }));

let ctx: TestContext;
beforeAll(async () => {
  ctx = await makeTestContext({ nodeId: 'pit' });
});
afterAll(async () => ctx.cleanup());

async function table(sql: string): Promise<ArtifactRef> {
  return outputArtifact({ kind: 'table', path: await ctx.data.writeTable(sql) }, ctx);
}

/** Runs features.view and features.join on a case; the view row id each label row got. */
async function runCase(c: Case): Promise<(number | null)[]> {
  const vrows = c.view.map(
    (v, i) =>
      `(${keySql(v.key, c.textKeys)}, ${timeSql(v.t, c.viewEnc, c.offsets, i)}, ${timeSql(v.created, c.createdEnc, c.offsets, i + 1)}, ${v.x}::DOUBLE, ${i})`,
  );
  const vt = await table(`SELECT * FROM (VALUES ${vrows.join(', ')}) t(k, ts, created, x, rid)`);
  const params: Record<string, unknown> = { name: 'v', entity: 'k', timestamp: 'ts' };
  if (c.useCreated) params.createdTimestamp = 'created';
  else params.features = ['x', 'rid'];
  if (c.ttl !== null) params.ttl = `${c.ttl}m`;
  const v = await outputArtifact((await runNode(view, ctx, { table: vt }, params)).view, ctx);
  const lrows = c.labels.map((l, i) => `(${keySql(l.key, c.textKeys)}, ${timeSql(l.t, c.labelEnc, c.offsets, i + 2)}, ${i})`);
  const lt = await table(`SELECT * FROM (VALUES ${lrows.join(', ')}) t(k, label_time, lid)`);
  const out = await runNode(joinNode, ctx, { labels: lt, view: v }, { timestamp: 'label_time' });
  const rows = await ctx.data.query('SELECT lid, rid, x FROM j', { j: { kind: 'table', path: (out.table as { path: string }).path, hash: '', meta: {} } });
  expect(rows.map((r) => r.lid)).toEqual(c.labels.map((_, i) => i));
  rows.forEach((r) => expect(r.x === null).toBe(r.rid === null));
  rows.forEach((r) => r.rid !== null && expect(r.x).toBe(c.view[Number(r.rid)].x));
  return rows.map((r) => (r.rid === null ? null : Number(r.rid)));
}

describe('features.join: property test against a brute-force oracle', () => {
  it('gives what section 7 says on random data', async () => {
    let decidedByCreated = 0;
    let found = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const want = oracle(c);
        const reversed = oracle(c, -1);
        decidedByCreated += want.filter((w, i) => w !== reversed[i]).length;
        found += want.filter((w) => w !== null).length;
        expect(await runCase(c)).toEqual(want);
      }),
      { numRuns: 60, seed: 20261129 },
    );
    // the data must exercise what it claims to: label rows that found a row, and rows decided by the created time
    expect(found).toBeGreaterThan(100);
    expect(decidedByCreated).toBeGreaterThan(3);
  }, 180_000);

  it('oracle examples: ties, TTL edge, null created loses', async () => {
    const c: Case = {
      textKeys: false, ttl: 5, useCreated: true, viewEnc: 'naive', createdEnc: 'zoned', labelEnc: 'text-offset', offsets: [120],
      view: [
        { key: 1, t: BASE, created: BASE + 60, x: 1 },
        { key: 1, t: BASE, created: null, x: 2 },
        { key: 1, t: BASE, created: BASE + 120, x: 3 },
        { key: 1, t: BASE + 600, created: null, x: 4 },
      ],
      labels: [{ key: 1, t: BASE }, { key: 1, t: BASE + 300 }, { key: 1, t: BASE + 301 }, { key: 1, t: BASE + 600 }, { key: 2, t: BASE + 600 }],
    };
    expect(oracle(c)).toEqual([2, 2, null, 3, null]);
    expect(await runCase(c)).toEqual(oracle(c));
  });
});

const python = pythonWith('pandas');

describe.skipIf(!python)('features.join against pandas merge_asof', () => {
  it('gives the same rows as merge_asof(by=entity, direction=backward, tolerance=TTL) on seeded data', async () => {
    const rnd = ctx.random(7);
    const int = (n: number): number => Math.floor(rnd() * n);
    const view: ViewRow[] = distinctView(
      Array.from({ length: 3000 }, () => ({ key: int(80), t: BASE + int(2000) * 60, created: rnd() < 0.1 ? null : BASE + int(5) * 60, x: Math.round(rnd() * 1e6) / 100 })),
      true,
    );
    const labels: LabelRow[] = Array.from({ length: 1000 }, () => ({ key: int(90), t: BASE + int(2100) * 60 }));
    const c: Case = { textKeys: false, ttl: 240, useCreated: true, viewEnc: 'text-offset', createdEnc: 'naive', labelEnc: 'zoned', offsets: [0, 330, -420], view, labels };
    const ours = await runCase(c);
    expect(ours).toEqual(oracle(c));

    const dir = ctx.tmpDir;
    const iso = (s: number | null): string => (s === null ? '' : new Date(s * 1000).toISOString());
    writeFileSync(joinPath(dir, 'view.csv'), `k,ts,created,rid\n${view.map((v, i) => `${v.key},${iso(v.t)},${iso(v.created)},${i}`).join('\n')}\n`);
    writeFileSync(joinPath(dir, 'labels.csv'), `k,label_time,lid\n${labels.map((l, i) => `${l.key},${iso(l.t)},${i}`).join('\n')}\n`);
    const script = `
import json, sys, pandas as pd
d = sys.argv[1]
v = pd.read_csv(d + '/view.csv')
l = pd.read_csv(d + '/labels.csv')
v['ts'] = pd.to_datetime(v['ts'], utc=True); v['created'] = pd.to_datetime(v['created'], utc=True)
l['label_time'] = pd.to_datetime(l['label_time'], utc=True)
# equal event times: merge_asof takes the last row, so the latest created time (a null one first) wins
v = v.sort_values(['ts', 'created'], na_position='first', kind='mergesort')
m = pd.merge_asof(l.sort_values('label_time', kind='mergesort'), v.rename(columns={'ts': 'label_time'}), on='label_time', by='k',
                  direction='backward', tolerance=pd.Timedelta(minutes=240), allow_exact_matches=True)
m = m.sort_values('lid')
print(json.dumps([None if pd.isna(r) else int(r) for r in m['rid']]))
`;
    const out = execFileSync(python!, ['-c', script, dir], { encoding: 'utf8', timeout: 120_000 });
    const theirs = JSON.parse(out) as (number | null)[];
    expect(theirs.filter((r) => r !== null).length).toBeGreaterThan(300);
    expect(ours).toEqual(theirs);
  }, 180_000);
});
