import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asDriftReport, type DriftReport } from '../../shared/drift';
import { normal, seededRandom } from '../../shared/random';
import { DATA_DIR, makeTestContext, runNode, tableArtifact, type TestContext } from '../../test/helpers/node-context';
import { pythonWithVersion } from '../../test/helpers/python';
import type { ArtifactRef, ColumnData, NodeOutput } from '../types';
import drift from './drift.node';
import { expectClose, scipyAnswers } from './scipy-check';

let ctx: TestContext;
let breast: ArtifactRef;
let weather: ArtifactRef;
let penguins: ArtifactRef;

beforeAll(async () => {
  ctx = await makeTestContext();
  breast = await tableArtifact(join(DATA_DIR, 'breast_cancer.csv'), ctx);
  weather = await tableArtifact(join(DATA_DIR, 'seattle-weather.csv'), ctx);
  penguins = await tableArtifact(join(DATA_DIR, 'penguins.csv'), ctx);
});
afterAll(() => ctx.cleanup());

async function sql(query: string, t: ArtifactRef): Promise<ArtifactRef> {
  return tableArtifact(await ctx.data.writeTable(query, { t }), ctx);
}

async function columns(cols: ColumnData[]): Promise<ArtifactRef> {
  return tableArtifact(await ctx.data.writeColumns(cols), ctx);
}

function json(out: Record<string, NodeOutput>, port: string): unknown {
  const o = out[port];
  if (o.kind === 'table') throw new Error('expected JSON');
  return o.json;
}

async function runDrift(reference: ArtifactRef, current: ArtifactRef, params: Record<string, unknown> = {}): Promise<{ report: DriftReport; scalars: Record<string, number> }> {
  const out = await runNode(drift, ctx, { reference, current }, params);
  const report = asDriftReport(json(out, 'report'));
  if (!report) throw new Error('not a drift report');
  return { report, scalars: (json(out, 'metrics') as { scalars: Record<string, number> }).scalars };
}

/** Raw values of each compared column of both tables, for scipy to recompute from scratch. */
async function scipyCases(report: DriftReport, reference: ArtifactRef, current: ArtifactRef): Promise<unknown[]> {
  const tested = report.columns.filter((c) => c.status === 'ok');
  const names = tested.map((c) => c.name);
  const [a, b] = await Promise.all([ctx.data.readColumns(reference, names), ctx.data.readColumns(current, names)]);
  const plain = (c: ColumnData): (number | string | null)[] => (c.numeric ? Array.from(c.values, (v) => (Number.isNaN(v) ? null : v)) : c.values);
  return tested.map((c, i) => ({ kind: 'column', method: c.method, categorical: c.kind === 'categorical', a: plain(a[i]), b: plain(b[i]) }));
}

const py = pythonWithVersion('scipy', '1.10');

/** Compares every tested column of the reports with scipy's answers, in one python call. */
async function expectScipy(reports: DriftReport[], reference: ArtifactRef, current: ArtifactRef): Promise<void> {
  const cases = (await Promise.all(reports.map((r) => scipyCases(r, reference, current)))).flat();
  const want = scipyAnswers(py as string, cases);
  const tested = reports.flatMap((r) => r.columns.filter((c) => c.status === 'ok'));
  expect(tested.length).toBe(cases.length);
  tested.forEach((c, i) => {
    expectClose({ statistic: c.statistic ?? undefined, pValue: c.pValue }, want[i], `${c.name} (${c.method})`);
    if (want[i].statistic === undefined) expect(c.statistic, `${c.name}: scipy has no statistic`).toBeNull();
  });
}

describe('monitor.drift on real data, against scipy 1.10', () => {
  it.skipIf(!py)('breast cancer, 300 reference rows: KS per numeric column and the z-test on diagnosis', async () => {
    const reference = await sql('SELECT * FROM t LIMIT 300', breast);
    const current = await sql('SELECT * REPLACE (mean_radius * 1.1 AS mean_radius, worst_area + 50 AS worst_area) FROM t OFFSET 300', breast);
    const { report, scalars } = await runDrift(reference, current);
    expect(report.columns).toHaveLength(31);
    expect(new Set(report.columns.map((c) => c.method))).toEqual(new Set(['ks', 'ztest']));
    expect(report.columns.find((c) => c.name === 'mean_radius')?.drifted).toBe(true);
    expect(scalars['mean_radius.pValue']).toBeLessThan(0.05);
    expect(scalars.driftedColumns).toBe(report.columns.filter((c) => c.drifted).length);
    await expectScipy([report], reference, current);
  }, 120_000);

  it.skipIf(!py)('Seattle weather, 1,461 reference days: Wasserstein and Jensen–Shannon; a warmer year drifts', async () => {
    const current = await sql("SELECT * REPLACE (temp_max + 4 AS temp_max) FROM t WHERE date >= DATE '2015-01-01'", weather);
    const { report, scalars } = await runDrift(weather, current);
    const byName = new Map(report.columns.map((c) => [c.name, c]));
    expect(byName.get('temp_max')).toMatchObject({ method: 'wasserstein', drifted: true });
    expect(byName.get('weather')).toMatchObject({ method: 'jensenshannon', kind: 'categorical' });
    expect(byName.get('date')?.method).toBe('jensenshannon');
    expect(scalars['temp_max.pValue']).toBeUndefined();
    await expectScipy([report], weather, current);
  }, 120_000);

  it.skipIf(!py)('penguins: chi-square, a species new in current is drift with p 0 and no statistic, nulls dropped', async () => {
    // One row's sex is '.': missing, like the ten empty ones.
    const reference = await sql("SELECT * REPLACE (nullif(sex, '.') AS sex) FROM t WHERE island = 'Biscoe'", penguins);
    const current = await sql("SELECT * REPLACE (nullif(sex, '.') AS sex) FROM t WHERE island <> 'Biscoe'", penguins);
    const { report, scalars } = await runDrift(reference, current, { columns: ['species', 'sex', 'beak_length_mm'] });
    const species = report.columns[0];
    expect(species).toMatchObject({ method: 'chisquare', statistic: null, pValue: 0, drifted: true });
    expect(scalars['species.statistic']).toBeUndefined();
    expect(scalars['species.pValue']).toBe(0);
    expect(report.columns[1].method).toBe('ztest');
    const sexNulls = readFileSync(join(DATA_DIR, 'penguins.csv'), 'utf8').split('\n').filter((l) => /,$/.test(l.trim()) || /,,/.test(l)).length;
    expect(sexNulls).toBeGreaterThan(0);
    expect(report.columns[1].referenceCount + report.columns[1].currentCount).toBeLessThan(344);
    await expectScipy([report], reference, current);
  }, 120_000);

  it.skipIf(!py)('random columns with nulls, few distinct numbers, booleans and explicit methods (psi, ks, chisquare)', async () => {
    const make = async (seed: number, n: number, shift: number): Promise<ArtifactRef> => {
      const r = seededRandom(seed);
      return columns([
        { name: 'x', type: 'DOUBLE', numeric: true, values: Float64Array.from({ length: n }, (_, i) => (i % 9 === 0 ? NaN : shift + normal(r))) },
        { name: 'level', type: 'BIGINT', numeric: true, values: Float64Array.from({ length: n }, () => Math.floor(r() * 3 + shift)) },
        { name: 'flag', type: 'VARCHAR', numeric: false, values: Array.from({ length: n }, () => (r() < 0.3 + shift / 4 ? 'yes' : 'no')) },
      ]);
    };
    const reference = await make(1, 700, 0);
    const current = await make(2, 500, 0.4);
    const auto = await runDrift(reference, current);
    expect(auto.report.columns.map((c) => [c.name, c.kind, c.method])).toEqual([
      ['x', 'numeric', 'ks'],
      ['level', 'categorical', 'chisquare'],
      ['flag', 'categorical', 'ztest'],
    ]);
    expect(auto.report.columns[0].referenceCount).toBe(700 - 78);
    const reports = [auto.report];
    for (const method of ['psi', 'ks', 'chisquare', 'jensenshannon', 'wasserstein']) {
      const { report } = await runDrift(reference, current, { method, threshold: 0.2 });
      expect(report.columns.every((c) => c.threshold === undefined || c.threshold === 0.2)).toBe(true);
      reports.push(report);
    }
    await expectScipy(reports, reference, current);
  }, 120_000);
});

describe('monitor.drift on bad input', () => {
  it('tables with no column in common: an error naming both column lists', async () => {
    const a = await sql('SELECT 1.5 AS a, 2 AS b', breast);
    const b = await sql('SELECT 1.5 AS c', breast);
    await expect(runDrift(a, b)).rejects.toThrow(/no column in common \(reference: a, b; current: c\)/);
  });

  it('an all-null column is "not enough data", never a NaN, and other columns still count', async () => {
    const reference = await sql('SELECT mean_radius, CAST(NULL AS DOUBLE) AS empty, CAST(NULL AS VARCHAR) AS label FROM t', breast);
    const current = await sql('SELECT mean_radius * 2 AS mean_radius, CAST(NULL AS DOUBLE) AS empty, CAST(NULL AS VARCHAR) AS label FROM t', breast);
    const { report, scalars } = await runDrift(reference, current);
    expect(report.columns[1]).toMatchObject({ status: 'not_enough_data', drifted: false, reason: 'every reference value is null' });
    expect(report.columns[2]).toMatchObject({ status: 'not_enough_data', drifted: false });
    expect(report.driftedShare).toBe(1);
    expect(Object.values(scalars).every(Number.isFinite)).toBe(true);
    expect(Object.keys(scalars).some((k) => k.startsWith('empty.'))).toBe(false);
    expect(JSON.stringify(report)).not.toMatch(/NaN|null,"pValue"/);
  });

  it('a one-row reference: a clear error saying there is not enough data, not a drift verdict', async () => {
    const reference = await sql('SELECT * FROM t LIMIT 1', breast);
    await expect(runDrift(reference, breast)).rejects.toThrow(/no column could be compared .*not enough data: the reference has 1 non-null value/);
  });

  it('a listed column that one table lacks names the table and its columns', async () => {
    const current = await sql('SELECT mean_radius FROM t', breast);
    await expect(runDrift(breast, current, { columns: ['mean_radius', 'diagnosis'] })).rejects.toThrow(/columns: column "diagnosis" does not exist in input "current" \(columns: mean_radius\)/);
  });

  it('a threshold without an explicit method is a validation error; chi2 (v1) is read as chisquare', async () => {
    expect(drift.check?.(drift.params.parse({ threshold: 0.2 }))).toEqual([{ param: 'threshold', message: expect.stringMatching(/explicit method/) }]);
    const reference = await sql("SELECT * FROM t WHERE island = 'Dream'", penguins);
    const { report } = await runDrift(reference, penguins, { method: 'chi2', columns: ['species'] });
    expect(report.columns[0].method).toBe('chisquare');
  });
});
