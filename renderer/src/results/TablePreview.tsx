/** A virtualised table: only the rows in view are in the DOM; more rows are fetched as you scroll. */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { TablePreview as Preview } from '../../../shared/api/contract';
import { call } from '../api/client';
import { artifactProblem, callArtifact } from './artifact-call';
import { EChart } from './EChart';

const ROW_H = 24;
const PAGE = 200;

export function TablePreview({ project, hash }: { project: string; hash: string }) {
  const [head, setHead] = useState<Preview | null>(null);
  const [error, setError] = useState<{ text: string; detail: string } | null>(null);
  const [rows, setRows] = useState<Map<number, unknown[]>>(new Map());
  const [scroll, setScroll] = useState(0);
  const pending = useRef(new Set<number>());
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let live = true;
    setHead(null);
    setError(null);
    setRows(new Map());
    callArtifact('artifact.preview', { project, hash, offset: 0, limit: PAGE })
      .then((p) => {
        if (!live) return;
        setHead(p);
        setRows(new Map(p.rows.map((r, i) => [i, r])));
      })
      .catch((e: unknown) => live && setError(artifactProblem(e)));
    return () => {
      live = false;
    };
  }, [project, hash]);

  const height = 260;
  const first = Math.max(0, Math.floor(scroll / ROW_H) - 5);
  const last = Math.min(head?.totalRows ?? 0, first + Math.ceil(height / ROW_H) + 10);

  useEffect(() => {
    if (!head) return;
    for (let i = first; i < last; i++) {
      if (rows.has(i)) continue;
      const page = Math.floor(i / PAGE) * PAGE;
      if (pending.current.has(page)) break;
      pending.current.add(page);
      call('artifact.preview', { project, hash, offset: page, limit: PAGE })
        .then((p) =>
          setRows((m) => {
            const next = new Map(m);
            p.rows.forEach((r, k) => next.set(page + k, r));
            return next;
          }),
        )
        .catch(() => {})
        .finally(() => pending.current.delete(page));
      break;
    }
  }, [first, last, head, rows, project, hash]);

  if (error)
    return (
      <div className="pw-error" title={error.detail} data-testid="output-error">
        {error.text}
      </div>
    );
  if (!head) return <div className="pw-muted">Loading preview…</div>;
  const cols = head.columns;
  const width = Math.max(120, 960 / Math.max(cols.length, 1));

  return (
    <div className="pw-table-preview" data-testid="table-preview">
      <div className="pw-muted small">
        {head.totalRows.toLocaleString()} rows × {cols.length} columns
      </div>
      <div className="pw-table-scroll" ref={box} style={{ height }} onScroll={(e) => setScroll((e.target as HTMLDivElement).scrollTop)}>
        <div style={{ width: cols.length * width + 50 }}>
          <div className="pw-tr head">
            <div className="pw-td idx">#</div>
            {cols.map((c, i) => (
              <div className="pw-td" key={c.name} style={{ width }}>
                <div className="name">{c.name}</div>
                <div className="type">{c.type}</div>
                <Histogram stat={head.stats[i]} />
              </div>
            ))}
          </div>
          <div style={{ height: head.totalRows * ROW_H, position: 'relative' }}>
            {Array.from({ length: Math.max(0, last - first) }, (_, k) => first + k).map((i) => {
              const r = rows.get(i);
              return (
                <div className="pw-tr" key={i} style={{ position: 'absolute', top: i * ROW_H, height: ROW_H }}>
                  <div className="pw-td idx">{i + 1}</div>
                  {cols.map((c, j) => (
                    <div className="pw-td" key={c.name} style={{ width }}>
                      {r ? fmt(r[j]) : '…'}
                    </div>
                  ))}
                </div>
              );
            })}
          </div>
        </div>
      </div>
    </div>
  );
}

function fmt(v: unknown): string {
  if (v === null || v === undefined) return '∅';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/\.?0+$/, '');
  return String(v);
}

function Histogram({ stat }: { stat: Preview['stats'][number] | undefined }) {
  const option = useMemo(() => {
    if (!stat) return null;
    const data = stat.bins ? stat.bins.map((b) => b.count) : (stat.top ?? []).map((t) => t.count);
    const labels = stat.bins ? stat.bins.map((b) => `${b.x0.toPrecision(3)}–${b.x1.toPrecision(3)}`) : (stat.top ?? []).map((t) => t.value);
    return {
      grid: { left: 0, right: 0, top: 2, bottom: 0 },
      xAxis: { type: 'category', data: labels, show: false },
      yAxis: { type: 'value', show: false },
      tooltip: { trigger: 'axis', confine: true },
      series: [{ type: 'bar', data, itemStyle: { color: stat.bins ? '#60a5fa' : '#f59e0b' }, barCategoryGap: '10%' }],
    };
  }, [stat]);
  if (!option) return null;
  return (
    <div title={stat?.nulls ? `${stat.nulls} missing` : undefined}>
      <EChart option={option} height={36} />
    </div>
  );
}
