/** Streams node logs of the current run; virtualised by only drawing the tail the user scrolls to. */
import { useEffect, useMemo, useRef } from 'react';
import { useEditor } from '../store/context';
import { useUi } from '../ui-store';
import { formatDuration } from '../results/trials';

export function LogPanel() {
  const logs = useEditor((s) => s.logs);
  const run = useEditor((s) => s.run);
  const filter = useUi((s) => s.logFilter);
  const showLog = useUi((s) => s.showLog);
  const setLogOpen = useUi((s) => s.setLogOpen);
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const lines = useMemo(() => (filter ? logs.filter((l) => l.nodeId === filter) : logs).slice(-2000), [logs, filter]);

  useEffect(() => {
    if (stick.current && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines]);

  return (
    <section className="pw-log" data-testid="log-panel">
      <header>
        <span>Log{filter ? ` · ${filter}` : ''}</span>
        {run && (
          <span className="pw-muted small">
            run {run.id.slice(0, 8)} · {run.status}
            {run.durationMs !== undefined ? ` · ${formatDuration(run.durationMs)}` : ''}
            {run.backend ? ` · ${run.backend}` : ''}
          </span>
        )}
        {filter && (
          <button className="pw-link" onClick={() => showLog(null)}>
            all nodes
          </button>
        )}
        <button className="pw-link" onClick={() => setLogOpen(false)} aria-label="close log">
          ✕
        </button>
      </header>
      <div
        className="pw-log-lines"
        ref={box}
        onScroll={(e) => {
          const el = e.target as HTMLDivElement;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 30;
        }}
      >
        {lines.length === 0 && <div className="pw-muted">No log lines yet.</div>}
        {lines.map((l, i) => (
          <div key={i} className={`lvl-${l.level}`}>
            <span className="t">{new Date(l.time).toLocaleTimeString()}</span> <span className="n">{l.nodeId}</span> {l.message}
          </div>
        ))}
      </div>
    </section>
  );
}
