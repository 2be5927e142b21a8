/**
 * The report of monitor.drift (contract section 8) in the results panel: a summary line (how many
 * columns drifted, the share against the dataset's bound), then one card per column, drifted
 * ones first: its test, statistic, p-value or distance and threshold, and the reference and
 * current distributions drawn over each other (shares of each table's values, so tables of
 * different sizes compare): overlaid histograms for numbers, grouped bars for categories.
 * Columns that could not be compared (not enough data, a test that does not apply) are listed
 * with their reason, never drawn as a result.
 */
import { useMemo, useState } from 'react';
import { EChart, type ChartOption } from './EChart';
import { DRIFT_TESTS, type DriftColumn, type DriftDistribution, type DriftMethod, type DriftReport } from '../../../shared/drift';
import { formatNumber } from '../../../shared/format';
import './drift.css';

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
/** charts drawn at first; the rest on request (a 50-column report is 50 canvases) */
const FIRST_CHARTS = 12;

const pct = (share: number): string => `${formatNumber(Math.round(share * 1000) / 10)} %`;

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
  if (typeof c.statistic === 'number') parts.push(`${STATISTIC_NAMES[c.method]} ${formatNumber(c.statistic)}`);
  const bound = c.threshold ?? 0;
  if (test && c.pValue !== undefined) {
    parts.push(`p-value ${formatNumber(c.pValue)} ${c.pValue < bound ? '<' : '≥'} ${formatNumber(bound)}`);
  } else if (typeof c.statistic === 'number') {
    parts.push(`${c.statistic > bound ? '>' : '≤'} ${formatNumber(bound)}`);
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

function ColumnCard({ c, chart }: { c: DriftColumn; chart: boolean }) {
  const option = useMemo(() => (chart && c.distribution ? distributionOption(c.distribution, c.drifted) : null), [c, chart]);
  const skipped = c.status !== 'ok';
  return (
    <div className={`pw-drift-col${c.drifted ? ' drifted' : ''}${skipped ? ' skipped' : ''}`} data-testid={`drift-column-${c.name}`} data-drifted={c.drifted} data-status={c.status}>
      <div className="pw-drift-col-head">
        <span className="pw-drift-name" title={c.name}>
          {c.name}
        </span>
        <span className="pw-drift-kind">{c.kind}</span>
        <span className={`pw-drift-badge ${skipped ? 'skip' : c.drifted ? 'yes' : 'no'}`}>{skipped ? (c.status === 'not_enough_data' ? 'not enough data' : 'not compared') : c.drifted ? 'drifted' : 'no drift'}</span>
      </div>
      <div className={skipped ? 'pw-warn pw-drift-why' : 'pw-drift-test'} data-testid="drift-verdict">
        {verdictText(c)}
      </div>
      <div className="pw-muted pw-drift-counts">
        {formatNumber(c.referenceCount)} reference · {formatNumber(c.currentCount)} current values
      </div>
      {option && <EChart option={option} height={c.distribution?.type === 'categories' ? 140 : 120} testId={`drift-chart-${c.name}`} />}
    </div>
  );
}

export function DriftReportView({ report }: { report: DriftReport }) {
  const ordered = useMemo(() => orderColumns(report.columns), [report]);
  const [all, setAll] = useState(false);
  const compared = report.columns.filter((c) => c.status === 'ok').length;
  const skipped = report.columns.length - compared;
  const charted = ordered.filter((c) => c.distribution);
  const limit = all ? Infinity : FIRST_CHARTS;
  const shown = new Set(charted.slice(0, limit).map((c) => c.name));
  return (
    <div className="pw-drift" data-testid="drift-report">
      <div className={`pw-drift-summary ${report.datasetDrift ? 'drifted' : ''}`} data-testid="drift-summary">
        <strong>{report.datasetDrift ? 'Dataset drift' : 'No dataset drift'}</strong>: {report.driftedColumns} of {compared} column{compared === 1 ? '' : 's'} drifted ({pct(report.driftedShare)}; the
        dataset drifts at ≥ {pct(report.driftShare)})
      </div>
      <div className="pw-muted pw-drift-counts">
        {formatNumber(report.referenceRows)} reference rows · {formatNumber(report.currentRows)} current rows
        {skipped > 0 && (
          <span className="pw-drift-skipped" data-testid="drift-skipped">
            {' '}
            · {skipped} column{skipped === 1 ? '' : 's'} not compared
          </span>
        )}
      </div>
      <div className="pw-drift-legend pw-muted">
        <span className="sw ref" /> reference <span className="sw cur" /> current <span className="sw drift" /> current, drifted
      </div>
      {ordered.map((c) => (
        <ColumnCard key={c.name} c={c} chart={shown.has(c.name)} />
      ))}
      {!all && charted.length > FIRST_CHARTS && (
        <button className="pw-link" onClick={() => setAll(true)} data-testid="drift-show-all">
          draw all {charted.length} charts
        </button>
      )}
    </div>
  );
}
