/**
 * Every run of the project in a virtualised table: only the rows in view (plus a few) are in the
 * DOM, so 10,000 runs scroll like 10. Sorting and filtering work on the compact columns the
 * server sent, in the page, without a round trip.
 */
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { RunsTable } from '../../../../shared/history';
import { formatNumber, formatValue } from '../../../../shared/format';
import { useHistory } from './history-store';
import { RunDetail } from './RunDetail';
import { fmtDuration, fmtTime } from './format';

/** Every row is this tall (CSS .pw-runs-row agrees): a row's place is its index times ROW, never measured. */
const ROW = 28;
/** Rows drawn above and below the view, so a fast scroll never shows an empty band. */
const OVERSCAN = 6;

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
    width: Math.max(80, 16 + 7.5 * k.length + 30),
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
    width: Math.max(80, 16 + 7.5 * k.length + 30),
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

  const columns = useMemo(() => (table ? [...BASE, ...paramCols.filter((k) => table.paramKeys.includes(k)).map(paramColumn), ...table.metricKeys.map(metricColumn)] : BASE), [table, paramCols]);
  const sortCol = columns.find((c) => c.key === sort.key);
  const rows = useMemo(() => (table ? visibleRows(table, { text, status, pipeline }, sortCol, sort.desc) : new Int32Array()), [table, text, status, pipeline, sortCol, sort.desc]);
  const pipelines = useMemo(() => (table ? [...new Set(table.pipeline)].sort() : []), [table]);
  const width = columns.reduce((s, c) => s + c.width, 0) + 36;

  // The first frame with rows in it: what the Runs page benchmark measures.
  const painted = useRef(false);
  useEffect(() => {
    if (!table || painted.current) return;
    painted.current = true;
    // (the task after the next frame: that frame has painted the rows)
    requestAnimationFrame(() => setTimeout(() => performance.mark('pw:runs-painted')));
  }, [table]);

  const toggleSort = useCallback((key: string) => setSort((s) => (s.key === key ? { key, desc: !s.desc } : { key, desc: key !== 'pipeline' && key !== 'status' })), []);

  if (!table) return <div className="pw-runs-empty">{loading ? 'Loading runs…' : 'No runs listed.'}</div>;

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
        <RunsBody t={table} rows={rows} columns={columns} width={width} sort={sort} onSort={toggleSort} picked={picked} detail={detail} />
      </div>
      {detail && <RunDetail project={project} runId={detail} />}
    </div>
  );
}

/**
 * The scrolling part: the header and the rows in view. The first row in view is the only scroll
 * state React sees (it changes once per ROW scrolled), and it lives here, so a scroll re-renders
 * neither the filter bar nor the run details.
 */
function RunsBody({ t, rows, columns, width, sort, onSort, picked, detail }: { t: RunsTable; rows: Int32Array; columns: Column[]; width: number; sort: { key: string; desc: boolean }; onSort(key: string): void; picked: string[]; detail: string | null }) {
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(0);
  const body = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const el = body.current!;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);
  // Before the first measurement, a screenful of a tall window: enough rows, never all of them.
  const inView = Math.ceil((height || 1000) / ROW);
  const first = Math.max(0, top - OVERSCAN);
  const last = Math.min(rows.length, top + inView + OVERSCAN);
  // Rows are keyed by slot (row position modulo the pool), not by run, and the slots stay in
  // order: scrolling by one row re-renders only the slot whose run changed, and its DOM is reused
  // in place (new text and `top`), never rebuilt or moved.
  const pool = inView + 2 * OVERSCAN + 1;
  return (
    <div className="pw-runs-table" ref={body} onScroll={(e) => setTop(Math.floor(e.currentTarget.scrollTop / ROW))} data-testid="runs-table">
      <RunsHead columns={columns} width={width} sort={sort} onSort={onSort} />
      <div style={{ height: rows.length * ROW, width, position: 'relative' }}>
        {Array.from({ length: pool }, (_, slot) => {
          // the row of [first, last) that this slot shows: the one whose position modulo the pool is `slot`
          const r = first + ((slot - (first % pool) + pool) % pool);
          if (r >= last) return null;
          const id = String(t.id[rows[r]]);
          return <RunRow key={slot} t={t} i={rows[r]} top={r * ROW} width={width} columns={columns} tick={picked.indexOf(id)} open={detail === id} />;
        })}
      </div>
    </div>
  );
}

const RunsHead = memo(function RunsHead({ columns, width, sort, onSort }: { columns: Column[]; width: number; sort: { key: string; desc: boolean }; onSort(key: string): void }) {
  return (
    <div className="pw-runs-head" style={{ width }}>
      <span style={{ width: 36 }} />
      {columns.map((c) => (
        <button
          key={c.key}
          style={{ width: c.width }}
          className={`${c.numeric ? 'num' : ''}${sort.key === c.key ? ' sorted' : ''}`}
          onClick={() => onSort(c.key)}
          title={`sort by ${c.title}`}
          data-testid={`runs-sort-${c.key}`}
        >
          {c.title}
          {sort.key === c.key ? (sort.desc ? ' ▼' : ' ▲') : ''}
        </button>
      ))}
    </div>
  );
});

/** One row; memoised, so a scroll re-renders only the slots whose run changed. */
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
