/**
 * What the drift report's cards say and draw (DriftReport.tsx), apart from React: the columns'
 * order, each verdict in words, and the ECharts option of each column's two distributions.
 */
import type { ChartOption } from './EChart';
import { DRIFT_TESTS, type DriftColumn, type DriftDistribution, type DriftMethod } from '../../../shared/drift';
import { formatNumber } from '../../../shared/format';

const METHOD_NAMES: Record<DriftMethod, string> = {
  ks: 'Kolmogorov–Smirnov',
  chisquare: 'chi-square',
  ztest: 'z-test',
  wasserstein: 'Wasserstein (normed)',
  jensenshannon: 'Jensen–Shannon',
  psi: 'PSI',
};

/** What each method's statistic is called in the card's line. */
const STATISTIC_NAMES: Record<DriftMethod, string> = {
  ks: 'D',
  chisquare: 'χ²',
  ztest: '|z|',
  wasserstein: 'distance',
  jensenshannon: 'distance',
  psi: 'PSI',
};

const REFERENCE_COLOR = '#64748b';
const CURRENT_COLOR = '#3b82f6';
const DRIFTED_COLOR = '#f97316';

/** A statistic for people: float noise (a χ² of 1.6e-30 between equal counts) reads as 0. */
const statistic = (x: number): string => (Math.abs(x) < 1e-12 ? '0' : formatNumber(x));

/** a share as "33.3 %", never broken between the number and its sign */
export const pct = (share: number): string => `${formatNumber(Math.round(share * 1000) / 10)}\u00a0%`;

/** Drifted first, then the other compared columns, then those that could not be compared; each group in report order. */
export function orderColumns(columns: DriftColumn[]): DriftColumn[] {
  const rank = (c: DriftColumn): number => (c.status !== 'ok' ? 2 : c.drifted ? 0 : 1);
  return columns.map((c, i) => ({ c, i })).sort((x, y) => rank(x.c) - rank(y.c) || x.i - y.i).map((x) => x.c);
}

/** The verdict in words: "KS D 0.231, p-value 0.0012 < 0.05" or "Jensen–Shannon distance 0.153 > 0.1". */
export function verdictText(c: DriftColumn): string {
  if (c.status !== 'ok' || !c.method) return c.reason ?? 'not compared';
  const test = DRIFT_TESTS.has(c.method);
  const parts = [METHOD_NAMES[c.method]];
  if (typeof c.statistic === 'number') parts.push(`${STATISTIC_NAMES[c.method]} ${statistic(c.statistic)}`);
  const bound = c.threshold ?? 0;
  if (test && c.pValue !== undefined) {
    parts.push(`p-value ${formatNumber(c.pValue)} ${c.pValue < bound ? '<' : '≥'} ${formatNumber(bound)}`);
  } else if (typeof c.statistic === 'number') {
    parts[parts.length - 1] += ` ${c.statistic > bound ? '>' : '≤'} ${formatNumber(bound)}`;
  }
  return parts.join(' · ');
}

function shares(counts: number[], extra = 0): number[] {
  const total = counts.reduce((s, n) => s + n, 0) + extra;
  return counts.map((n) => (total > 0 ? n / total : 0));
}

/** The chart of one column's two distributions, as shares of each table's non-null values. */
export function distributionOption(d: DriftDistribution, drifted: boolean): ChartOption {
  let labels: string[];
  let ranges: string[];
  let ref: number[];
  let cur: number[];
  let refN: number[];
  let curN: number[];
  if (d.type === 'histogram') {
    labels = d.edges.slice(0, -1).map((e) => formatNumber(e));
    ranges = d.edges.slice(0, -1).map((e, i) => `${formatNumber(e)} – ${formatNumber(d.edges[i + 1])}`);
    refN = d.reference;
    curN = d.current;
    ref = shares(refN);
    cur = shares(curN);
  } else {
    const other = d.other && (d.other.reference > 0 || d.other.current > 0);
    labels = [...d.categories, ...(other ? ['(other)'] : [])];
    ranges = labels;
    refN = [...d.reference, ...(other ? [d.other!.reference] : [])];
    curN = [...d.current, ...(other ? [d.other!.current] : [])];
    ref = shares(refN);
    cur = shares(curN);
  }
  const histogram = d.type === 'histogram';
  const currentColor = drifted ? DRIFTED_COLOR : CURRENT_COLOR;
  return {
    grid: { left: 40, right: 8, top: 22, bottom: histogram ? 22 : 34 },
    legend: { top: 0, right: 0, itemWidth: 10, itemHeight: 8, textStyle: { fontSize: 10 } },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (ps: { dataIndex: number }[]) => {
        const i = ps[0]?.dataIndex ?? 0;
        return `${ranges[i]}<br/>reference ${pct(ref[i])} (${refN[i]})<br/>current ${pct(cur[i])} (${curN[i]})`;
      },
    },
    xAxis: {
      type: 'category',
      data: labels,
      axisTick: { alignWithLabel: !histogram },
      axisLabel: { fontSize: 10, hideOverlap: true, ...(histogram ? {} : { interval: 0, rotate: labels.length > 4 ? 30 : 0, width: 70, overflow: 'truncate' }) },
    },
    yAxis: { type: 'value', axisLabel: { fontSize: 10, formatter: (v: number) => `${formatNumber(Math.round(v * 1000) / 10)}%` }, splitLine: { lineStyle: { color: '#262b36' } } },
    series: [
      // Histograms overlap (the same bins); categories stand side by side.
      { name: 'reference', type: 'bar', data: ref, itemStyle: { color: REFERENCE_COLOR, opacity: histogram ? 0.75 : 1 }, barCategoryGap: histogram ? '0%' : '25%', ...(histogram ? { barGap: '-100%' } : {}) },
      { name: 'current', type: 'bar', data: cur, itemStyle: { color: currentColor, opacity: histogram ? 0.55 : 1 }, barCategoryGap: histogram ? '0%' : '25%', ...(histogram ? { barGap: '-100%' } : {}) },
    ],
  };
}
