/**
 * Where an output came from (issue 14, contract section 9): from a model version or any artifact
 * back through every node and run to the data files and the sha256 of the bytes each run read.
 * Drawn as a graph (outputs to the right, data files to the left); a node opens its run.
 */
import { useEffect, useMemo, useState } from 'react';
import type { Lineage } from '../../../../shared/history';
import { formatValue } from '../../../../shared/format';
import { tryCall } from '../../api/client';
import { useHistory } from './history-store';
import { GraphView, type GraphEdge, type GraphNode } from './GraphView';
import { openRunOnCanvas } from './open-run';

interface Flat {
  nodes: GraphNode[];
  edges: GraphEdge[];
  files: { path: string; sha256: string | null; changedSince?: boolean | null }[];
  /** graph node -> the run that produced it */
  runs: Record<string, string>;
}

/** The lineage tree as columns: depth 0 (the output) rightmost, each input one column to the left. */
function flatten(l: Lineage): Flat {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const runs: Record<string, string> = {};
  const rows = new Map<number, number>();
  const seen = new Map<string, string>();
  let maxDepth = 0;
  const place = (depth: number) => {
    const r = rows.get(depth) ?? 0;
    rows.set(depth, r + 1);
    maxDepth = Math.max(maxDepth, depth);
    return { x: -depth * 300, y: r * 130 };
  };
  const walk = (x: Lineage, depth: number, port: string | null): string => {
    const key = `${x.hash}@${x.producedBy?.run ?? ''}`;
    const known = seen.get(key);
    if (known) return known;
    const id = `a${nodes.length}`;
    seen.set(key, id);
    const p = x.producedBy;
    nodes.push({
      id,
      ...place(depth),
      className: `lin-${x.kind}${p ? '' : ' lin-orphan'}`,
      label: (
        <div data-testid={`lineage-node-${p ? `${p.run}-${p.node}` : x.hash.slice(0, 12)}`}>
          <b>{p ? `${p.node}.${p.port}` : port ?? x.kind}</b> <span className="small pw-muted">{x.kind}</span>
          <div className="small">{p ? `${p.type} · run ${p.run}` : 'no recorded producer'}</div>
          <div className="small pw-muted">
            <code>{x.hash.slice(0, 16)}</code>
          </div>
        </div>
      ),
    });
    if (p) {
      nodes[nodes.length - 1].className += ' clickable';
      runs[id] = p.run;
    }
    for (const inp of x.inputs) edges.push({ source: walk(inp, depth + 1, inp.port), target: id });
    // The files this very node read (its inputs' files are drawn beside them).
    const own = x.files.filter((f) => !x.inputs.some((i) => i.files.some((g) => g.path === f.path)));
    for (const f of own) {
      const fid = `f${nodes.length}`;
      nodes.push({
        id: fid,
        ...place(depth + 1),
        className: `lin-file${f.changedSince ? ' changed' : ''}`,
        width: 260,
        label: (
          <div data-testid="lineage-file">
            <b>{f.path.split('/').pop()}</b>
            <div className="small pw-muted" title={f.path}>
              {f.path}
            </div>
            <div className="small">
              sha256 <code data-testid="lineage-file-sha">{f.sha256 ?? 'file is gone'}</code>
            </div>
            {f.changedSince && <div className="small pw-warn">changed on disk since this run</div>}
          </div>
        ),
      });
      edges.push({ source: fid, target: id, className: 'file' });
    }
    return id;
  };
  walk(l, 0, null);
  for (const n of nodes) n.x += maxDepth * 300;
  return { nodes, edges, files: l.files, runs };
}

export function LineagePanel({ project }: { project: string }) {
  const ref = useHistory((s) => s.lineageRef);
  const [field, setField] = useState(ref);
  const [data, setData] = useState<Lineage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [models, setModels] = useState<{ name: string; version: number; run: string | null }[]>([]);
  useEffect(() => setField(ref), [ref]);
  useEffect(() => {
    let live = true;
    void tryCall('history.models', { project }).then((r) => live && r && setModels(r.models));
    return () => {
      live = false;
    };
  }, [project]);
  useEffect(() => {
    if (!ref) return;
    let live = true;
    setData(null);
    setError(null);
    performance.mark('pw:lineage-start');
    void tryCall('history.lineage', { project, ref }).then((r) => {
      if (!live) return;
      if (r) setData(r);
      else setError(`no lineage for ${ref}`);
    });
    return () => {
      live = false;
    };
  }, [project, ref]);
  const flat = useMemo(() => (data ? flatten(data) : null), [data]);
  return (
    <div className="pw-lineage" data-testid="lineage">
      <form
        className="pw-runs-bar"
        onSubmit={(e) => {
          e.preventDefault();
          useHistory.setState({ lineageRef: field.trim() });
        }}
      >
        <input className="pw-input wide" value={field} onChange={(e) => setField(e.target.value)} placeholder="RUN:NODE.PORT (3:train.model), NAME:VERSION or an artifact hash" data-testid="lineage-ref" />
        <button className="primary" type="submit" data-testid="lineage-go">
          Trace
        </button>
        {models.length > 0 && (
          <select className="pw-input" value="" onChange={(e) => e.target.value && useHistory.setState({ lineageRef: e.target.value })} data-testid="lineage-models">
            <option value="">a registered model…</option>
            {models.map((m) => (
              <option key={`${m.name}:${m.version}`} value={`${m.name}:${m.version}`}>
                {m.name}:{m.version}
                {m.run ? ` (run ${m.run})` : ''}
              </option>
            ))}
          </select>
        )}
      </form>
      {!ref && <p className="pw-muted">Pick an output in a run's details (lineage), or type a reference.</p>}
      {error && <p className="pw-error">{error}</p>}
      {data && flat && (
        <>
          <div className="pw-lineage-head" data-testid="lineage-summary">
            <b>{data.ref}</b> · {data.kind} <code>{data.hash.slice(0, 16)}</code>
            {data.registered && (
              <span>
                {' '}
                · model {data.registered.name}:{data.registered.version}
              </span>
            )}
            {data.producedBy && (
              <>
                {' '}
                · made by {data.producedBy.node} ({data.producedBy.type}) in{' '}
                <button className="pw-link" onClick={() => void openRunOnCanvas(data.producedBy!.run)} data-testid="lineage-open-run">
                  run {data.producedBy.run}
                </button>
                {Object.keys(data.producedBy.params).length > 0 && (
                  <span className="pw-muted small"> with {Object.entries(data.producedBy.params).map(([k, v]) => `${k}=${formatValue(v)}`).join(', ')}</span>
                )}
              </>
            )}
          </div>
          <div className="pw-lineage-files" data-testid="lineage-files">
            Data files:{' '}
            {flat.files.length === 0
              ? 'none'
              : flat.files.map((f) => (
                  <span key={f.path}>
                    {f.path} <code>{f.sha256 ?? 'gone'}</code>
                    {f.changedSince ? ' (changed on disk since)' : ''}
                  </span>
                ))}
          </div>
          <GraphView
            nodes={flat.nodes}
            edges={flat.edges}
            height={460}
            testId="lineage-graph"
            onNodeClick={(id) => {
              const run = flat.runs[id];
              if (run) useHistory.setState({ detail: run, view: 'runs' });
            }}
          />
          <p className="small pw-muted">Click a node to see its run; “run N” above opens the run on the canvas.</p>
        </>
      )}
    </div>
  );
}
