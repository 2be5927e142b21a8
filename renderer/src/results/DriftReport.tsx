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
import { EChart } from './EChart';
import type { DriftColumn, DriftReport } from '../../../shared/drift';
import { formatNumber } from '../../../shared/format';
import { distributionOption, orderColumns, pct, verdictText } from './drift-chart';
import './drift.css';

/** charts drawn at first; the rest on request (a 50-column report is 50 canvases) */
const FIRST_CHARTS = 12;

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
