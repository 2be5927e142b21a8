/**
 * 2–10 runs side by side (issue 14): only the params that differ, every metric with its delta to
 * the first run, training curves overlaid, confusion matrices side by side, the graph diff drawn,
 * and what differs in environment and data. One request for all of it.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { CompareResult } from '../../../../shared/history';
import { formatDelta, formatNumber, formatValue } from '../../../../shared/format';
import { parsePipelineText } from '../../../../shared/pipeline/parse';
import { parseInputRef, type Pipeline } from '../../../../shared/pipeline/model';
import { tryCall } from '../../api/client';
import { useCatalog } from '../../catalog-store';
import { EChart, type ChartOption } from '../../results/EChart';
import { useHistory } from './history-store';
import { GraphView, type GraphEdge, type GraphNode } from './GraphView';
import { layered } from './layered';
import { fmtDuration, fmtTime } from './format';

const LOWER_IS_BETTER = /loss|error|rmse|mse|mae|time|duration/i;
const RUN_COLORS = ['#60a5fa', '#f472b6', '#34d399', '#fbbf24', '#a78bfa', '#f87171', '#22d3ee', '#fb923c', '#a3e635', '#e879f9'];

export function ComparePanel({ project }: { project: string }) {
  const picked = useHistory((s) => s.picked);
  const [data, setData] = useState<CompareResult | null>(null);
  const [other, setOther] = useState(1);
  const key = picked.join(',');
  useEffect(() => {
    if (picked.length < 2) return;
    let live = true;
    setData(null);
    performance.mark('pw:compare-start');
    void tryCall('history.compare', { project, runs: picked }, 'could not compare the runs').then((r) => {
      performance.mark('pw:compare-data');
      if (live) {
        setData(r);
        setOther(1);
      }
    });
    return () => {
      live = false;
    };
  }, [project, key]);

  if (picked.length < 2) return <div className="pw-runs-empty">Tick 2 to 10 runs in the Runs table to compare them.</div>;
  if (!data) return <div className="pw-runs-empty">Comparing runs {picked.join(', ')}…</div>;
  const n = data.runs.length;
  const diff = data.diffs[other];
  return (
    <div className="pw-compare" data-testid="compare">
      <table className="pw-cmp">
        <thead>
          <tr>
            <th />
            {data.runs.map((r, i) => (
              <th key={r.id} style={{ color: RUN_COLORS[i] }} data-testid={`compare-run-${r.id}`}>
                Run {r.id}
                {i === 0 ? <span className="pw-muted small"> (baseline)</span> : ''}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <Row label="status" cells={data.runs.map((r) => <span className={`pw-run-status st-${r.status}`}>{r.status}</span>)} />
          <Row label="pipeline · version" cells={data.runs.map((r) => <>{r.pipeline} <code>{r.version || '—'}</code></>)} />
          <Row label="started" cells={data.runs.map((r) => fmtTime(r.startedAt))} />
          <Row label="duration" cells={data.runs.map((r) => fmtDuration(r.durationMs))} />
        </tbody>
      </table>

      <h3>Params that differ</h3>
      <ParamsThatDiffer data={data} />

      <h3>Metrics</h3>
      <MetricsTable data={data} />

      <Curves data={data} />

      {Object.keys(data.confusion).length > 0 && (
        <>
          <h3>Confusion matrices</h3>
          {Object.entries(data.confusion).map(([node, ms]) => (
            <div key={node} className="pw-cm-row" data-testid={`compare-confusion-${node}`}>
              {ms.map((m, i) => (
                <div key={i} className="pw-cm">
                  <div className="small" style={{ color: RUN_COLORS[i] }}>
                    Run {data.runs[i].id} · {node}
                  </div>
                  {m ? <Matrix m={m} /> : <span className="pw-muted small">none</span>}
                </div>
              ))}
            </div>
          ))}
        </>
      )}

      <h3>
        Graph: run {data.runs[0].id} →{' '}
        {n > 2 ? (
          <select className="pw-input" value={other} onChange={(e) => setOther(Number(e.target.value))} data-testid="compare-graph-other">
            {data.runs.slice(1).map((r, i) => (
              <option key={r.id} value={i + 1}>
                run {r.id}
              </option>
            ))}
          </select>
        ) : (
          `run ${data.runs[1].id}`
        )}
      </h3>
      <GraphDiff a={data.texts[0]} b={data.texts[other]} graph={diff.graph} />

      <h3>Environment and data</h3>
      <div data-testid="compare-env">
        {data.diffs.slice(1).map((d, j) => (
          <div key={d.b} className="pw-env">
            <b>
              run {d.a} → run {d.b}
            </b>
            {Object.keys(d.environment).length === 0 && Object.keys(d.data).length === 0 && <span className="pw-muted"> same environment, same data</span>}
            <ul>
              {Object.entries(d.environment).map(([k, v]) => (
                <li key={`e${k}`}>
                  {k}: <code>{formatValue(v.a)}</code> → <code>{formatValue(v.b)}</code>
                </li>
              ))}
              {Object.entries(d.data).map(([k, v]) => (
                <li key={`d${k}`} data-testid={`compare-data-${j + 1}-${k}`}>
                  {k}: <code>{v.a?.slice(0, 12) ?? '—'}</code> → <code>{v.b?.slice(0, 12) ?? '—'}</code>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </div>
    </div>
  );
}

/**
 * The pipeline's params that differ, then every node param the graph diffs saw change (a
 * pipeline edited between runs: `train.l2`), one value per run, a defaulted one as its default.
 */
function ParamsThatDiffer({ data }: { data: CompareResult }) {
  const nodeParams = useMemo(() => {
    const docs = data.texts.map(parse);
    const changed = new Map<string, { node: string; key: string }>();
    for (const d of data.diffs) for (const c of d.graph.changed) for (const f of c.fields) if (f.startsWith('params.')) changed.set(`${c.node}.${f.slice(7)}`, { node: c.node, key: f.slice(7) });
    return [...changed].map(([label, { node, key }]) => ({
      label,
      cells: docs.map((doc) => {
        const n = doc?.nodes.find((x) => x.id === node);
        return n ? fmtParam(n.type, key, n.params[key]) : '—';
      }),
    }));
  }, [data]);
  const pipelineParams = Object.entries(data.params);
  if (!pipelineParams.length && !nodeParams.length) {
    return (
      <p className="pw-muted" data-testid="compare-params-same">
        Every run used the same params.
      </p>
    );
  }
  const mark = (cells: string[], i: number) => (i > 0 && cells[i] !== cells[0] ? 'pw-changed' : '');
  return (
    <table className="pw-cmp" data-testid="compare-params">
      <tbody>
        {pipelineParams.map(([k, vals]) => {
          const cells = vals.map((v) => (v === null ? '—' : formatValue(v)));
          return <Row key={k} label={k} cells={cells.map((c, i) => <span className={mark(cells, i)}>{c}</span>)} />;
        })}
        {nodeParams.map(({ label, cells }) => (
          <Row key={`node:${label}`} label={label} cells={cells.map((c, i) => <span className={mark(cells, i)} data-testid={`compare-param-${label}`}>{c}</span>)} />
        ))}
      </tbody>
    </table>
  );
}

function Row({ label, cells }: { label: string; cells: React.ReactNode[] }) {
  return (
    <tr>
      <td className="pw-cmp-label">{label}</td>
      {cells.map((c, i) => (
        <td key={i}>{c}</td>
      ))}
    </tr>
  );
}

function MetricsTable({ data }: { data: CompareResult }) {
  const rows = Object.entries(data.metrics);
  if (!rows.length) return <p className="pw-muted">No metrics recorded.</p>;
  return (
    <table className="pw-cmp" data-testid="compare-metrics">
      <tbody>
        {rows.map(([k, vals]) => {
          const base = vals[0];
          const lower = LOWER_IS_BETTER.test(k);
          const present = vals.filter((v): v is number => v !== null);
          const best = present.length > 1 ? (lower ? Math.min(...present) : Math.max(...present)) : null;
          return (
            <Row
              key={k}
              label={k}
              cells={vals.map((v, i) => {
                if (v === null) return <span className="pw-muted">—</span>;
                const d = i > 0 && base !== null ? v - base : null;
                const good = d !== null && d !== 0 && (lower ? d < 0 : d > 0);
                return (
                  <span className={v === best && present.some((x) => x !== best) ? 'pw-best' : ''} data-metric={k} data-run-index={i}>
                    {formatNumber(v)}
                    {d !== null && d !== 0 && <span className={`pw-delta ${good ? 'up' : 'down'}`}> {formatDelta(d, v, base!)}</span>}
                  </span>
                );
              })}
            />
          );
        })}
      </tbody>
    </table>
  );
}

function Curves({ data }: { data: CompareResult }) {
  const charts = useMemo(() => {
    const out: { id: string; title: string; option: ChartOption }[] = [];
    for (const [node, keys] of Object.entries(data.curves)) {
      for (const [key, perRun] of Object.entries(keys)) {
        out.push({
          id: `${node}.${key}`,
          title: `${node} · ${key}`,
          option: {
            grid: { left: 48, right: 12, top: 28, bottom: 24 },
            legend: { top: 0, textStyle: { fontSize: 11 } },
            tooltip: { trigger: 'axis' },
            xAxis: { type: 'value', name: 'step', nameGap: 4, min: 'dataMin', max: 'dataMax' },
            yAxis: { type: 'value', scale: true },
            series: perRun.map((pts, i) => ({ name: `run ${data.runs[i].id}`, type: 'line', showSymbol: false, sampling: 'lttb', data: pts, lineStyle: { width: 1.5 }, color: RUN_COLORS[i] })),
          },
        });
      }
    }
    return out;
  }, [data]);
  // All charts drawn: what the compare benchmark measures.
  const left = useRef(charts.length);
  left.current = charts.length;
  if (!charts.length) return null;
  const drawn = () => {
    if (--left.current === 0) performance.mark('pw:compare-drawn');
  };
  return (
    <>
      <h3>Training curves</h3>
      <div className="pw-curves" data-testid="compare-curves">
        {charts.map((c) => (
          <div key={c.id} className="pw-curve">
            <div className="small pw-muted">{c.title}</div>
            <EChart option={c.option} height={220} testId={`compare-curve-${c.id}`} onDrawn={drawn} />
          </div>
        ))}
      </div>
    </>
  );
}

function Matrix({ m }: { m: { labels: string[]; values: number[][] } }) {
  const max = Math.max(1, ...m.values.flat());
  return (
    <table className="pw-matrix">
      <thead>
        <tr>
          <th className="small pw-muted">true ╲ pred</th>
          {m.labels.map((l) => (
            <th key={l}>{l}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {m.values.map((row, i) => (
          <tr key={i}>
            <th>{m.labels[i]}</th>
            {row.map((v, j) => (
              <td key={j} style={{ background: `rgba(59,130,246,${(0.12 + (0.75 * v) / max).toFixed(2)})` }}>
                {v}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function parse(text: string | null): Pipeline | null {
  if (!text) return null;
  const r = parsePipelineText(text);
  return r.pipeline ?? r.partial ?? null;
}

/** The union of both graphs: added nodes green, removed red (dashed), changed amber with the fields listed. */
function GraphDiff({ a, b, graph }: { a: string | null; b: string | null; graph: CompareResult['diffs'][number]['graph'] }) {
  const { nodes, edges } = useMemo(() => {
    const pa = parse(a);
    const pb = parse(b);
    const changed = new Map(graph.changed.map((c) => [c.node, c.fields]));
    const added = new Set(graph.added);
    const removed = new Set(graph.removed);
    const all = [...(pb?.nodes ?? []), ...(pa?.nodes ?? []).filter((x) => removed.has(x.id))];
    const edges: GraphEdge[] = [];
    for (const n of all) {
      for (const ref of Object.values(n.inputs)) {
        const r = parseInputRef(ref);
        if (r) edges.push({ source: r.node, target: n.id, className: removed.has(n.id) || removed.has(r.node) ? 'removed' : added.has(n.id) ? 'added' : '' });
      }
    }
    const auto = layered(
      all.map((n) => n.id),
      edges,
    );
    const nodesOut: GraphNode[] = all.map((n) => {
      const pos = pb?.layout[n.id] ?? pa?.layout[n.id] ?? auto[n.id];
      const fields = changed.get(n.id);
      const before = pa?.nodes.find((x) => x.id === n.id);
      const state = added.has(n.id) ? 'added' : removed.has(n.id) ? 'removed' : fields ? 'changed' : 'same';
      return {
        id: n.id,
        x: pos.x,
        y: pos.y,
        className: `diff-${state}`,
        label: (
          <div data-testid={`diff-node-${n.id}`} data-state={state}>
            <b>{n.id}</b> <span className="small pw-muted">{n.type}</span>
            {state !== 'same' && <div className="small pw-diff-state">{state}</div>}
            {fields?.map((f) => (
              <div key={f} className="small pw-diff-field">
                {f}
                {f.startsWith('params.') && before ? `: ${fmtParam(before.type, f.slice(7), before.params[f.slice(7)])} → ${fmtParam(n.type, f.slice(7), n.params[f.slice(7)])}` : ''}
              </div>
            ))}
          </div>
        ),
      };
    });
    return { nodes: nodesOut, edges };
  }, [a, b, graph]);
  if (!a || !b) return <p className="pw-muted">A run recorded no pipeline version: no graph to draw.</p>;
  return (
    <>
      <p className="small pw-muted" data-testid="graph-diff-summary">
        {graph.added.length} added · {graph.removed.length} removed · {graph.changed.length} changed
      </p>
      <GraphView nodes={nodes} edges={edges} height={360} testId="graph-diff" />
    </>
  );
}

/** A node's param as it ran: a param left out shows the value its type's default gave it. */
export function fmtParam(type: string, key: string, v: unknown): string {
  if (v !== undefined) return formatValue(v);
  const props = useCatalog.getState().byType.get(type)?.paramsSchema.properties as Record<string, { default?: unknown }> | undefined;
  const d = props?.[key]?.default;
  return d === undefined ? 'unset' : `${formatValue(d)} (default)`;
}
