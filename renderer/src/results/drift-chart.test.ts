import { describe, expect, it } from 'vitest';
import type { DriftColumn } from '../../../shared/drift';
import { distributionOption, orderColumns, verdictText } from './drift-chart';

const col = (name: string, over: Partial<DriftColumn>): DriftColumn => ({ name, kind: 'numeric', status: 'ok', drifted: false, referenceCount: 100, currentCount: 100, ...over });

describe('drift report cards', () => {
  it('puts drifted columns first, then the other compared ones, then those not compared, each in report order', () => {
    const cols = [
      col('a', {}),
      col('b', { status: 'not_enough_data', reason: 'every current value is null' }),
      col('c', { drifted: true }),
      col('d', {}),
      col('e', { drifted: true }),
    ];
    expect(orderColumns(cols).map((c) => c.name)).toEqual(['c', 'e', 'a', 'd', 'b']);
  });

  it('says each verdict rounded, with the bound it was held to', () => {
    expect(verdictText(col('x', { method: 'ks', statistic: 0.38123456, pValue: 2.123e-22, threshold: 0.05, drifted: true }))).toBe('Kolmogorov–Smirnov · D 0.381 · p-value 2.1e-22 < 0.05');
    expect(verdictText(col('x', { method: 'chisquare', statistic: 1.6e-30, pValue: 1, threshold: 0.05 }))).toBe('chi-square · χ² 0 · p-value 1 ≥ 0.05');
    expect(verdictText(col('x', { method: 'jensenshannon', statistic: 0.15349, threshold: 0.1, drifted: true }))).toBe('Jensen–Shannon · distance 0.153 > 0.1');
    expect(verdictText(col('x', { method: 'wasserstein', statistic: 0.02, threshold: 0.1 }))).toBe('Wasserstein (normed) · distance 0.02 ≤ 0.1');
    // chi-square with a category new in current: no statistic, p-value 0
    expect(verdictText(col('x', { method: 'chisquare', statistic: null, pValue: 0, threshold: 0.05, drifted: true }))).toBe('chi-square · p-value 0 < 0.05');
    expect(verdictText(col('x', { status: 'not_enough_data', reason: 'not enough data: the reference has 1 non-null value (at least 2 needed)' }))).toMatch(/^not enough data/);
  });

  it('draws shares of each table, so tables of different sizes compare, with the rest of many categories as (other)', () => {
    const hist = distributionOption({ type: 'histogram', edges: [0, 1.23456, 2.5, 4], reference: [10, 30, 60], current: [1, 1, 2] }, true) as {
      xAxis: { data: string[] };
      series: { data: number[]; barGap?: string }[];
    };
    expect(hist.xAxis.data).toEqual(['0', '1.235', '2.5']);
    expect(hist.series[0].data).toEqual([0.1, 0.3, 0.6]);
    expect(hist.series[1].data).toEqual([0.25, 0.25, 0.5]);
    expect(hist.series[1].barGap).toBe('-100%');
    const cats = distributionOption({ type: 'categories', categories: ['a', 'b'], reference: [3, 1], current: [0, 2], other: { reference: 0, current: 2 } }, false) as {
      xAxis: { data: string[] };
      series: { data: number[]; barGap?: string }[];
    };
    expect(cats.xAxis.data).toEqual(['a', 'b', '(other)']);
    expect(cats.series[0].data).toEqual([0.75, 0.25, 0]);
    expect(cats.series[1].data).toEqual([0, 0.5, 0.5]);
    expect(cats.series[1].barGap).toBeUndefined();
  });
});
