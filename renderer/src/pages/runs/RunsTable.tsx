/**
 * Every run of the project in a virtualised table: only the rows in view (plus a margin) are in
 * the DOM, so 10,000 runs scroll like 10. Sorting and filtering work on the compact columns the
 * server sent, in the page, without a round trip.
 */
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { RunsTable } from '../../../../shared/history';
import { formatNumber, formatValue } from '../../../../shared/format';
import { useHistory } from './history-store';
import { RunDetail } from './RunDetail';
import { fmtDuration, fmtTime } from './format';

const ROW = 28;
/**
 * Rows are drawn in blocks: React renders again only when the view crosses a block boundary
 * (every BLOCK rows), never on each scroll event; in between the browser scrolls on its own.
 */
const BLOCK = 24;

interface Column {
  key: string;
  title: string;
  width: number;
  /** the value sorted on: numbers sort as numbers, null last */
  value(t: RunsTable, i: number): number | string | null;
  cell(t: RunsTable, i: number): ReactNode;
  numeric?: boolean;
}

const BASE: Column[] = [
  { key: 'id', title: 'Run', width: 64, numeric: true, value: (t, i) => t.id[i], cell: (t, i) => t.id[i] },
  { key: 'status', title: 'Status', width: 112, value: (t, i) => t.status[i], cell: (t, i) => <span className={`pw-run-status st-${t.status[i]}`}>{t.status[i]}</span> },
  { key: 'pipeline', title: 'Pipeline', width: 150, value: (t, i) => t.pipeline[i], cell: (t, i) => t.pipeline[i] },
  { key: 'version', title: 'Version', width: 82, value: (t, i) => t.version[i], cell: (t, i) => <code>{t.version[i] || '—'}</code> },
  { key: 'trigger', title: 'Trigger', width: 78, value: (t, i) => t.trigger[i], cell: (t, i) => t.trigger[i] },
  { key: 'started', title: 'Started', width: 168, value: (t, i) => t.startedAt[i], cell: (t, i) => fmtTime(t.startedAt[i]) },
  { key: 'duration', title: 'Duration', width: 92, numeric: true, value: (t, i) => t.durationMs[i], cell: (t, i) => fmtDuration(t.durationMs[i]) },
];

function metricColumn(k: string): Column {
  return {
    key: `m:${k}`,
    title: k,
    width: Math.max(80, 16 + 7.5 * k.length + 14),
    numeric: true,
    value: (t, i) => t.metrics[k]?.[i] ?? null,
    cell: (t, i) => {
      const v = t.metrics[k]?.[i];
      return v === null || v === undefined ? '' : formatNumber(v);
    },
  };
}

function paramColumn(k: string): Column {
  return {
    key: `p:${k}`,
    title: `${k}`,
    width: Math.max(80, 16 + 7.5 * k.length + 14),
    value: (t, i) => {
      const v = t.params[k]?.[i];
      return typeof v === 'number' ? v : v === undefined || v === null ? null : formatValue(v);
    },
    cell: (t, i) => {
      const v = t.params[k]?.[i];
      return v === undefined || v === null ? '' : formatValue(v);
    },
  };
}

/** Row indexes of `t` that pass the filters, in the chosen order. */
export function visibleRows(t: RunsTable, f: { text: string; status: string; pipeline: string }, col: Column | undefined, desc: boolean): Int32Array {
  const q = f.text.trim().toLowerCase();
  const out: number[] = [];
  for (let i = 0; i < t.total; i++) {
    if (f.status && t.status[i] !== f.status) continue;
    if (f.pipeline && t.pipeline[i] !== f.pipeline) continue;
    if (q && !`${t.id[i]} ${t.status[i]} ${t.pipeline[i]} ${t.version[i]} ${t.trigger[i]}`.toLowerCase().includes(q)) continue;
    out.push(i);
  }
  if (!col) return Int32Array.from(out);
  const vals = new Map<number, number | string | null>();
  for (const i of out) vals.set(i, col.value(t, i));
  out.sort((a, b) => {
    const va = vals.get(a)!;
    const vb = vals.get(b)!;
    if (va === vb) return t.id[b] - t.id[a];
    if (va === null) return 1;
    if (vb === null) return -1;
    const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return desc ? -c : c;
  });
  return Int32Array.from(out);
}

export function RunsTableView({ project }: { project: string }) {
  const table = useHistory((s) => s.table);
  const loading = useHistory((s) => s.loading);
  const picked = useHistory((s) => s.picked);
  const detail = useHistory((s) => s.detail);
  const [text, setText] = useState('');
  const [status, setStatus] = useState('');
  const [pipeline, setPipeline] = useState('');
  const [sort, setSort] = useState<{ key: string; desc: boolean }>({ key: 'id', desc: true });
  const [paramCols, setParamCols] = useState<string[]>([]);
  const [showCols, setShowCols] = useState(false);
  const [block, setBlock] = useState(0);
  const [height, setHeight] = useState(600);
  const body = useRef<HTMLDivElement>(null);

  const columns = useMemo(() => (table ? [...BASE, ...paramCols.filter((k) => table.paramKeys.includes(k)).map(paramColumn), ...table.metricKeys.map(metricColumn)] : BASE), [table, paramCols]);
  const sortCol = columns.find((c) => c.key === sort.key);
  const rows = useMemo(() => (table ? visibleRows(table, { text, status, pipeline }, sortCol, sort.desc) : new Int32Array()), [table, text, status, pipeline, sortCol, sort.desc]);
  const pipelines = useMemo(() => (table ? [...new Set(table.pipeline)].sort() : []), [table]);
  const width = columns.reduce((s, c) => s + c.width, 0) + 36;

  useLayoutEffect(() => {
    const el = body.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, [table]);

  // The first frame with rows in it: what the Runs page benchmark measures.
  const painted = useRef(false);
  useEffect(() => {
    if (!table || painted.current) return;
    painted.current = true;
    requestAnimationFrame(() => performance.mark('pw:runs-painted'));
  }, [table]);

  if (!table) return <div className="pw-runs-empty">{loading ? 'Loading runs…' : 'No runs listed.'}</div>;

  const first = Math.max(0, (block - 1) * BLOCK);
  const last = Math.min(rows.length, (block + 2) * BLOCK + Math.ceil(height / ROW));
  const slice: number[] = [];
  for (let r = first; r < last; r++) slice.push(rows[r]);
  const toggleSort = (key: string) => setSort((s) => (s.key === key ? { key, desc: !s.desc } : { key, desc: key !== 'pipeline' && key !== 'status' }));

  return (
    <div className="pw-runs-layout">
      <div className="pw-runs-main">
        <div className="pw-runs-bar">
          <input className="pw-input" placeholder="Filter: run, pipeline, version…" value={text} onChange={(e) => setText(e.target.value)} data-testid="runs-filter" />
          <select className="pw-input" value={status} onChange={(e) => setStatus(e.target.value)} data-testid="runs-status">
            <option value="">every status</option>
            {['succeeded', 'failed', 'gate_failed', 'cancelled', 'interrupted', 'running'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
          <select className="pw-input" value={pipeline} onChange={(e) => setPipeline(e.target.value)} data-testid="runs-pipeline">
            <option value="">every pipeline</option>
            {pipelines.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
          <div className="pw-anchor">
            <button onClick={() => setShowCols((v) => !v)} disabled={!table.paramKeys.length} data-testid="runs-columns" title="Show params as columns">
              Params ▾
            </button>
            {showCols && (
              <div className="pw-popover pw-runs-cols" data-testid="runs-columns-popover">
                {table.paramKeys.map((k) => (
                  <label key={k}>
                    <input type="checkbox" checked={paramCols.includes(k)} onChange={() => setParamCols((c) => (c.includes(k) ? c.filter((x) => x !== k) : [...c, k]))} data-testid={`runs-col-${k}`} /> {k}
                  </label>
                ))}
              </div>
            )}
          </div>
          <span className="pw-muted small" data-testid="runs-count">
            {table.all > table.total ? `newest ${table.total} of ${table.all} runs, loading the rest…` : rows.length === table.total ? `${table.total} runs` : `${rows.length} of ${table.total} runs`}
          </span>
          <span className="pw-runs-bar-right">
            {picked.length > 0 && (
              <button onClick={() => useHistory.getState().setPicked([])} data-testid="runs-clear">
                Clear ticks
              </button>
            )}
            <button className="primary" disabled={picked.length < 2} onClick={() => useHistory.getState().setView('compare')} data-testid="runs-compare" title="Tick 2 to 10 runs">
              Compare {picked.length || ''}
            </button>
          </span>
        </div>
        <div className="pw-runs-table" ref={body} onScroll={(e) => setBlock(Math.floor(e.currentTarget.scrollTop / ROW / BLOCK))} data-testid="runs-table">
          <div className="pw-runs-head" style={{ width }}>
            <span style={{ width: 36 }} />
            {columns.map((c) => (
              <button
                key={c.key}
                style={{ width: c.width }}
                className={`${c.numeric ? 'num' : ''}${sort.key === c.key ? ' sorted' : ''}`}
                onClick={() => toggleSort(c.key)}
                title={`sort by ${c.title}`}
                data-testid={`runs-sort-${c.key}`}
              >
                {c.title}
                {sort.key === c.key ? (sort.desc ? ' ▼' : ' ▲') : ''}
              </button>
            ))}
          </div>
          <div style={{ height: rows.length * ROW, width, position: 'relative' }}>
            {slice.map((i, k) => {
              const id = String(table.id[i]);
              return <RunRow key={id} t={table} i={i} top={(first + k) * ROW} width={width} columns={columns} tick={picked.indexOf(id)} open={detail === id} />;
            })}
          </div>
        </div>
      </div>
      {detail && <RunDetail project={project} runId={detail} />}
    </div>
  );
}

/** One row; memoised, so a block change re-renders only the rows that came into view. */
const RunRow = memo(function RunRow({ t, i, top, width, columns, tick, open }: { t: RunsTable; i: number; top: number; width: number; columns: Column[]; tick: number; open: boolean }) {
  const id = String(t.id[i]);
  return (
    <div
      className={`pw-runs-row${open ? ' open' : ''}${tick >= 0 ? ' picked' : ''}`}
      style={{ top, width }}
      onClick={() => useHistory.setState({ detail: id })}
      data-testid="runs-row"
      data-run={id}
    >
      <span style={{ width: 36 }} onClick={(e) => e.stopPropagation()}>
        <input
          type="checkbox"
          checked={tick >= 0}
          onChange={() => {
            useHistory.getState().toggle(id);
            // The comparison's code loads while the user ticks, not after Compare is pressed.
            void import('./ComparePanel');
          }}
          data-testid={`runs-pick-${id}`}
          aria-label={`tick run ${id}`}
        />
      </span>
      {columns.map((c) => (
        <span key={c.key} style={{ width: c.width }} className={c.numeric ? 'num' : ''} data-col={c.key}>
          {c.cell(t, i)}
        </span>
      ))}
    </div>
  );
});
