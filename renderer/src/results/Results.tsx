/** What a finished (or running) node produced: metrics, live training curves, previews, matrices. */
import { useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { useEditor } from '../store/context';
import { useSession } from '../session';
import { useCatalog } from '../catalog-store';
import { useUi } from '../ui-store';
import { artifactProblem, callArtifact } from './artifact-call';
import { EChart, type ChartOption } from './EChart';
import { TablePreview } from './TablePreview';
import { FeatureSummary } from './FeatureSummary';
import { asMetricsDoc, type Curve, type Matrix, type MetricsDoc } from '../../../shared/artifacts';
import { defaultProjectFor } from '../util/paths';
import type { TrialRecord } from '../../../shared/run';
import { formatDuration, shownMetrics, trialTable, type Goal } from './trials';
import { LiveCurves } from './LiveCurves';
import { formatNumber } from '../../../shared/format';
import { isStale } from '../store/stale';
import { asModelDoc, ModelCard } from './ModelCard';
import { asDriftReport } from '../../../shared/drift';
import { DriftReportView } from './DriftReport';

export function Results({ id }: { id: string }) {
  // Not the progress fields: they change every frame of a training run, and nothing here shows them.
  const state = useEditor(
    useShallow((s) => {
      const st = s.nodeStates[id];
      return st ? { status: st.status, cached: st.cached, reason: st.reason, error: st.error, metrics: st.metrics, outputs: st.outputs } : undefined;
    }),
  );
  const stale = useEditor((s) => isStale(s, id));
  // Whether the node has step curves, not the curves: LiveCurves follows those without a render per batch.
  const curveKeys = useEditor(useShallow((s) => Object.keys(s.series[id] ?? {})));
  const trials = useEditor((s) => s.trials[id]);
  const node = useEditor((s) => s.doc.nodes.find((n) => n.id === id));
  const sweepParams = useCatalog((c) => (node ? c.byType.get(node.type)?.capabilities?.sweep : undefined));
  const featureRole = useCatalog((c) => (node ? c.byType.get(node.type)?.capabilities?.featureStore : undefined));
  const sweep = sweepParams && node ? node : undefined;
  const showTrials = !!sweep || (trials?.length ?? 0) > 0;
  // A sweep also streams its metric per trial as a `trial.*` series; the trials chart draws that, not an epoch curve.
  const hasCurves = curveKeys.some((k) => !showTrials || !k.startsWith('trial.'));
  const project = useStore(useSession, (s) => s.projectPath ?? (s.filePath ? defaultProjectFor(s.filePath) : null));
  const showLog = useUi((s) => s.showLog);
  const outputs = Object.entries(state?.outputs ?? {});
  const [tab, setTab] = useState<string | null>(null);
  const current = outputs.find(([p]) => p === tab) ?? outputs[0];
  if (!state) return null;

  return (
    <div className="pw-section pw-results" data-testid="results">
      <h4>
        Result · <span className={`pw-status-label st-${state.cached ? 'cached' : state.status}`}>{state.cached ? 'cached' : state.status}</span>
      </h4>
      {stale && (
        <div className="pw-warn" data-testid="results-stale">
          Stale: params or upstream changed since this result. Run again to update it.
        </div>
      )}
      {state.reason && <div className="pw-muted small">{state.reason}</div>}
      {state.error && (
        <div className="pw-error">
          {state.error}{' '}
          <button className="pw-link" onClick={() => showLog(id)}>
            show log
          </button>
        </div>
      )}
      {featureRole && node && Object.keys(state.metrics).length > 0 && <FeatureSummary role={featureRole} params={node.params} metrics={state.metrics} />}
      {!featureRole && Object.keys(state.metrics).length > 0 && <MetricsTable metrics={state.metrics} />}
      {hasCurves && <LiveCurves id={id} skipTrials={showTrials} />}
      {showTrials && (
        <Trials
          trials={trials ?? []}
          metric={sweep && sweepParams && typeof sweep.params[sweepParams.metric] === 'string' ? (sweep.params[sweepParams.metric] as string) : undefined}
          goal={sweep && sweepParams && sweep.params[sweepParams.goal] === 'min' ? 'min' : 'max'}
          space={spaceKeys(sweep && sweepParams ? sweep.params[sweepParams.space] : undefined)}
          running={state.status === 'running'}
        />
      )}
      {outputs.length > 0 && project && (
        <>
          <div className="pw-tabs">
            {outputs.map(([port, o]) => (
              <button key={port} className={current?.[0] === port ? 'on' : ''} onClick={() => setTab(port)}>
                {port}
                {o.kind !== port && <span className="pw-muted"> {o.kind}</span>}
              </button>
            ))}
          </div>
          {current && current[1].kind === 'table' && <TablePreview project={project} hash={current[1].hash} />}
          {current && current[1].kind === 'metrics' && <MetricsView project={project} hash={current[1].hash} />}
          {current && current[1].kind !== 'table' && current[1].kind !== 'metrics' && <JsonView project={project} hash={current[1].hash} />}
        </>
      )}
    </div>
  );
}

const MAX_TRIAL_ROWS = 500;
/** A longer metrics table (a drift report's per-column statistics) is folded to its first rows: the outputs below stay in sight. */
const FOLD_METRICS_OVER = 10;
const FOLDED_METRIC_ROWS = 6;

function MetricsTable({ metrics }: { metrics: Record<string, number> }) {
  const [all, setAll] = useState(false);
  const entries = Object.entries(metrics);
  const folded = !all && entries.length > FOLD_METRICS_OVER;
  return (
    <>
      <table className="pw-metrics" data-testid="metrics-table">
        <tbody>
          {(folded ? entries.slice(0, FOLDED_METRIC_ROWS) : entries).map(([k, v]) => (
            <tr key={k} data-metric={k}>
              <td>{k}</td>
              <td title={String(v)}>{formatNumber(v)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {folded && (
        <button className="pw-link small" onClick={() => setAll(true)} data-testid="metrics-show-all">
          all {entries.length} metrics
        </button>
      )}
    </>
  );
}

function fmt(v: number | null): string {
  return v === null ? '–' : formatNumber(v);
}

/** The names of a sweep's space param (param -> values to try). */
function spaceKeys(space: unknown): string[] {
  return space && typeof space === 'object' && !Array.isArray(space) ? Object.keys(space) : [];
}

/** The sweep's trials, live: the metric per trial, then one row per trial with the best marked. */
function Trials({ trials, metric, goal, space, running }: { trials: TrialRecord[]; metric?: string; goal: Goal; space: string[]; running: boolean }) {
  const table = useMemo(() => trialTable(trials, { metric, goal, space }), [trials, metric, goal, space.join('\u0000')]);
  // Every metric per trial is wider than the inspector: the sweep's own metric shows, the rest on demand.
  const [allMetrics, setAllMetrics] = useState(false);
  const shown = shownMetrics(table, { metric, all: allMetrics });
  const chartMetric = metric && table.metrics.includes(metric) ? metric : table.metrics[0];
  const option = useMemo<ChartOption | null>(() => {
    if (!chartMetric) return null;
    const col = table.metrics.indexOf(chartMetric);
    const pts = table.rows.filter((r) => r.metrics[col] !== null).map((r) => [r.index, r.metrics[col] as number]);
    const best = table.rows.find((r) => r.best);
    return {
      grid: { left: 44, right: 10, top: 24, bottom: 24 },
      tooltip: { trigger: 'axis' },
      legend: { top: 0, textStyle: { fontSize: 10 } },
      xAxis: { type: 'value', name: 'trial', nameGap: 4, nameTextStyle: { fontSize: 10 }, minInterval: 1, min: 1, max: Math.max(1, table.rows.length ? table.rows[table.rows.length - 1].index : 1) },
      yAxis: { type: 'value', scale: true },
      series: [
        { name: chartMetric, type: 'line', data: pts, symbolSize: 6, lineStyle: { width: 1 } },
        ...(best && chartMetric === metric ? [{ name: `best (${goal})`, type: 'line', data: [[best.index, best.metrics[col]]], symbolSize: 12, itemStyle: { color: '#22c55e' } }] : []),
      ],
    };
  }, [table, chartMetric, metric, goal]);

  return (
    <div className="pw-trials" data-testid="sweep-trials">
      <h5>
        Trials <span className="pw-muted">
          {table.rows.length}
          {running ? ' so far' : ''}
          {metric ? ` · best by ${metric} (${goal})` : ''}
          {table.best !== null ? `: trial ${table.best}` : ''}
        </span>
      </h5>
      {table.rows.length === 0 ? (
        <div className="pw-muted small">{running ? 'Waiting for the first trial…' : 'No trials recorded.'}</div>
      ) : (
        <>
          {option && <EChart option={option} height={150} testId="trials-chart" />}
          <div className="pw-trials-scroll">
            <table className="pw-metrics pw-trials-table" data-testid="trials-table">
              <thead>
                <tr>
                  <th>#</th>
                  {table.params.map((p) => (
                    <th key={`p:${p}`} className="pw-param-col">
                      {p}
                    </th>
                  ))}
                  {shown.map((i) => (
                    <th key={`m:${table.metrics[i]}`} className="num">
                      {table.metrics[i]}
                    </th>
                  ))}
                  <th>status</th>
                  <th className="num">time</th>
                </tr>
              </thead>
              <tbody>
                {table.rows.slice(0, MAX_TRIAL_ROWS).map((r) => (
                  <tr key={r.index} data-trial={r.index} className={r.best ? 'pw-best' : r.status === 'failed' ? 'pw-failed' : undefined} title={r.error}>
                    <td>
                      {r.index}
                      {r.best ? ' ★' : ''}
                    </td>
                    {r.params.map((v, i) => (
                      <td key={`p${i}`}>{v}</td>
                    ))}
                    {shown.map((i) => (
                      <td key={`m${i}`} className="num" title={r.metrics[i] === null ? undefined : String(r.metrics[i])}>
                        {fmt(r.metrics[i])}
                      </td>
                    ))}
                    <td className={`pw-status-label st-${r.status}`} title={r.status} data-status={r.status}>
                      {r.status === 'succeeded' ? '✓' : r.status}
                    </td>
                    <td className="num">{formatDuration(r.durationMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {table.metrics.length > 1 && (
            <button className="pw-link small" onClick={() => setAllMetrics(!allMetrics)} data-testid="trials-all-metrics">
              {allMetrics ? `only ${table.metrics[shownMetrics(table, { metric, all: false })[0]]}` : `all ${table.metrics.length} metrics`}
            </button>
          )}
          {table.rows.length > MAX_TRIAL_ROWS && <div className="pw-muted small">first {MAX_TRIAL_ROWS} of {table.rows.length} trials shown</div>}
        </>
      )}
    </div>
  );
}

type Problem = { text: string; detail: string };

function ProblemView({ p }: { p: Problem }) {
  return (
    <div className="pw-error" title={p.detail} data-testid="output-error">
      {p.text}
    </div>
  );
}

function useJson(project: string, hash: string): { json: unknown; error: Problem | null } {
  const [r, setR] = useState<{ json: unknown; error: Problem | null }>({ json: null, error: null });
  useEffect(() => {
    let live = true;
    setR({ json: null, error: null });
    callArtifact('artifact.json', { project, hash })
      .then((x) => live && setR({ json: x.json, error: null }))
      .catch((e: unknown) => live && setR({ json: null, error: artifactProblem(e) }));
    return () => {
      live = false;
    };
  }, [project, hash]);
  return r;
}

function JsonView({ project, hash }: { project: string; hash: string }) {
  const { json, error } = useJson(project, hash);
  if (error) return <ProblemView p={error} />;
  const model = asModelDoc(json);
  if (model) return <ModelCard doc={model} />;
  const drift = asDriftReport(json);
  if (drift) return <DriftReportView report={drift} />;
  return <pre className="pw-json">{JSON.stringify(json, null, 2)?.slice(0, 20000)}</pre>;
}

function MetricsView({ project, hash }: { project: string; hash: string }) {
  const { json, error } = useJson(project, hash);
  const doc = asMetricsDoc(json);
  if (error) return <ProblemView p={error} />;
  if (!json) return <div className="pw-muted">Loading…</div>;
  if (!doc) return <pre className="pw-json">{JSON.stringify(json, null, 2)}</pre>;
  return <MetricsDocView doc={doc} />;
}

export function MetricsDocView({ doc }: { doc: MetricsDoc }) {
  const matrices = Object.entries(doc.matrices ?? {});
  const curves = Object.entries(doc.curves ?? {});
  const tables = Object.entries(doc.tables ?? {});
  return (
    <div data-testid="metrics-doc">
      {matrices.map(([name, m]) => (
        <div key={name}>
          <h5>{name}</h5>
          <ConfusionMatrix m={m} />
        </div>
      ))}
      {curves.map(([name, c]) => (
        <div key={name}>
          <h5>{name}</h5>
          <CurveChart name={name} c={c} />
        </div>
      ))}
      {tables.map(([name, t]) => (
        <div key={name}>
          <h5>{name}</h5>
          <div className="pw-table-scroll">
            <table className="pw-metrics">
              <thead>
                <tr>
                  {t.columns.map((c) => (
                    <th key={c}>{c}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {t.rows.slice(0, 200).map((r, i) => (
                  <tr key={i}>
                    {r.map((v, j) => (
                      <td key={j}>{typeof v === 'number' ? formatNumber(v) : String(v)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ))}
    </div>
  );
}

function ConfusionMatrix({ m }: { m: Matrix }) {
  const option = useMemo<ChartOption>(() => {
    const data: [number, number, number][] = [];
    let max = 0;
    m.values.forEach((row, i) =>
      row.forEach((v, j) => {
        data.push([j, i, v]);
        max = Math.max(max, v);
      }),
    );
    return {
      grid: { left: 86, right: 10, top: 10, bottom: 52 },
      tooltip: { formatter: (p: { value: [number, number, number] }) => `true ${m.labels[p.value[1]]}, predicted ${m.labels[p.value[0]]}: ${p.value[2]}` },
      // Axis titles centred along their axes, clear of the class labels (which may be long).
      xAxis: { type: 'category', data: m.labels, name: 'predicted', nameLocation: 'middle', nameGap: 32, axisLabel: { interval: 0, width: 80, overflow: 'truncate' } },
      yAxis: { type: 'category', data: m.labels, name: 'true', nameLocation: 'middle', nameRotate: 90, nameGap: 72, inverse: true, axisLabel: { width: 64, overflow: 'truncate' } },
      visualMap: { min: 0, max: max || 1, show: false, inRange: { color: ['#1e293b', '#3b82f6'] } },
      series: [{ type: 'heatmap', data, label: { show: true, color: '#fff' } }],
    };
  }, [m]);
  return <EChart option={option} height={Math.max(160, 40 * m.labels.length + 60)} testId="confusion-matrix" />;
}

function CurveChart({ name, c }: { name: string; c: Curve }) {
  const isRoc = /roc/i.test(name);
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 56, right: 10, top: 12, bottom: 40 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'value', name: c.xLabel ?? (isRoc ? 'false positive rate' : 'x'), nameLocation: 'middle', nameGap: 22, ...(isRoc ? { min: 0, max: 1 } : {}) },
      yAxis: { type: 'value', name: c.yLabel ?? (isRoc ? 'true positive rate' : ''), nameLocation: 'middle', nameRotate: 90, nameGap: 36, ...(isRoc ? { min: 0, max: 1 } : { scale: true }) },
      series: [
        { type: 'line', name, showSymbol: false, data: c.x.map((x, i) => [x, c.y[i]]) },
        ...(isRoc ? [{ type: 'line', name: 'chance', showSymbol: false, lineStyle: { type: 'dashed', color: '#666' }, data: [[0, 0], [1, 1]] }] : []),
      ],
    }),
    [c, name, isRoc],
  );
  return <EChart option={option} height={200} testId={isRoc ? 'roc-curve' : `curve-${name}`} />;
}
