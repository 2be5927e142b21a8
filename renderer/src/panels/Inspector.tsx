import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { parseInputRef } from '../../../shared/pipeline/model';
import { useCatalog, STAGE_COLORS } from '../catalog-store';
import { useEditor, useEditorStore } from '../store/context';
import { renameNode, renameProblem, setCache, setParam } from '../doc/ops';
import { fieldsOf } from './schema';
import { ParamField } from './ParamField';
import { useSession, startRun } from '../session';
import { call } from '../api/client';
const Results = lazy(() => import('../results/Results').then((m) => ({ default: m.Results })));

export function Inspector() {
  const selection = useEditor((s) => s.selection);
  const id = selection.length === 1 ? selection[0] : null;
  if (!id) {
    return (
      <aside className="pw-inspector" data-testid="inspector">
        <div className="pw-muted pad">{selection.length > 1 ? `${selection.length} nodes selected` : 'Select a node to edit its params. Double-click the canvas to add one.'}</div>
        <PipelineIssues />
      </aside>
    );
  }
  return (
    <aside className="pw-inspector" data-testid="inspector">
      <NodeInspector key={id} id={id} />
    </aside>
  );
}

function PipelineIssues() {
  const issues = useStore(useSession, (s) => s.issues);
  if (!issues.length) return null;
  return (
    <div className="pw-section">
      <h4>Problems ({issues.length})</h4>
      {issues.map((i, k) => (
        <div key={k} className="pw-error" data-testid="pipeline-issue">
          {i.place}: {i.message}
        </div>
      ))}
    </div>
  );
}

/** Columns of the table feeding a node: from the upstream node's last run output (meta, or a quick preview). */
function useUpstreamColumns(id: string): string[] {
  const node = useEditor((s) => s.doc.nodes.find((n) => n.id === id));
  // Only the upstream outputs: a progress event of another node must not re-render the form.
  const arts = useEditor(
    useShallow((s) =>
      Object.values(node?.inputs ?? {}).map((ref) => {
        const r = parseInputRef(ref);
        return r ? s.nodeStates[r.node]?.outputs?.[r.port] : undefined;
      }),
    ),
  );
  const project = useStore(useSession, (s) => s.projectPath);
  const [fetched, setFetched] = useState<Record<string, string[]>>({});
  const refs = useMemo(() => {
    const out: { hash: string; columns?: string[] }[] = [];
    for (const art of arts) {
      if (!art || art.kind !== 'table') continue;
      const cols = (art.meta?.columns as { name: string }[] | undefined)?.map((c) => c.name);
      out.push({ hash: art.hash, columns: cols });
    }
    return out;
  }, [arts]);
  useEffect(() => {
    for (const r of refs) {
      if (r.columns || fetched[r.hash] || !project) continue;
      call('artifact.preview', { project, hash: r.hash, limit: 1 })
        .then((p) => setFetched((f) => ({ ...f, [r.hash]: p.columns.map((c) => c.name) })))
        .catch(() => {});
    }
  }, [refs, fetched, project]);
  return useMemo(() => [...new Set(refs.flatMap((r) => r.columns ?? fetched[r.hash] ?? []))], [refs, fetched]);
}

function NodeInspector({ id }: { id: string }) {
  const store = useEditorStore();
  const node = useEditor((s) => s.doc.nodes.find((n) => n.id === id));
  const info = useCatalog((s) => (node ? s.byType.get(node.type) : undefined));
  const issues = useStore(useSession, (s) => s.issues);
  const hasRun = useEditor((s) => s.nodeStates[id] !== undefined);
  const columns = useUpstreamColumns(id);
  const [name, setName] = useState(id);
  const fields = useMemo(() => (info ? fieldsOf(info.paramsSchema) : []), [info]);
  if (!node) return null;

  const prefix = `nodes.${id}`;
  const mine = issues.filter((i) => i.place === prefix || i.place.startsWith(prefix + '.'));
  const paramErrors = (p: string) => mine.filter((i) => i.place === `${prefix}.params.${p}` || i.place.startsWith(`${prefix}.params.${p}.`)).map((i) => i.message);
  const known = new Set(fields.map((f) => f.name));
  const otherErrors = mine.filter((i) => !fields.some((f) => i.place.startsWith(`${prefix}.params.${f.name}`)));
  const extraParams = Object.keys(node.params).filter((k) => !known.has(k));
  const renameErr = renameProblem(store.getState().doc, id, name);

  const commitRename = () => {
    if (name === id || renameErr) return;
    store.getState().edit(null, (d) => renameNode(d, id, name));
    store.getState().select([name]);
  };

  return (
    <div className="pw-node-inspector">
      <div className="pw-inspector-head" style={{ borderColor: info ? STAGE_COLORS[info.stage] : '#666' }}>
        <input
          className="pw-input pw-id-input"
          value={name}
          data-testid="node-id-input"
          onChange={(e) => setName(e.target.value)}
          onBlur={commitRename}
          onKeyDown={(e) => e.key === 'Enter' && commitRename()}
          aria-label="node id"
        />
        <div className="pw-muted">
          {info?.title ?? 'unknown type'} · <code>{node.type}</code> v{info?.version ?? '?'}
        </div>
        {renameErr && name !== id && <div className="pw-error">{renameErr}</div>}
        {info && !info.available && <div className="pw-warn">This node type is not available yet: running it fails.</div>}
        {info?.description && <div className="pw-help">{info.description}</div>}
      </div>
      <div className="pw-run-actions">
        <button onClick={() => startRun({ upTo: id })} data-testid="run-up-to">
          ▶ Run up to here
        </button>
        <button onClick={() => startRun({ from: id })} data-testid="rerun-from">
          ↻ Re-run from here
        </button>
      </div>
      {otherErrors.length > 0 && (
        <div className="pw-section">
          {otherErrors.map((i, k) => (
            <div key={k} className="pw-error" data-testid="node-issue">
              {i.place.slice(prefix.length + 1) || 'node'}: {i.message}
            </div>
          ))}
        </div>
      )}
      <div className="pw-section">
        <h4>Params</h4>
        {fields.length === 0 && <div className="pw-muted">No params.</div>}
        {fields.map((f) => (
          <ParamField
            key={f.name}
            field={f}
            value={node.params[f.name]}
            errors={paramErrors(f.name)}
            columns={columns}
            isColumn={info?.columnParams?.includes(f.name) ?? false}
            code={info?.codeParams?.[f.name]}
            onChange={(v) => store.getState().edit(`param:${id}.${f.name}`, (d) => setParam(d, id, f.name, v))}
          />
        ))}
        {extraParams.map((k) => (
          <div key={k} className="pw-field invalid">
            <label>{k}</label>
            <div className="pw-error">unknown param <button onClick={() => store.getState().edit(null, (d) => setParam(d, id, k, undefined))}>remove</button></div>
          </div>
        ))}
        <label className="pw-check">
          <input type="checkbox" checked={node.cache !== false} onChange={(e) => store.getState().edit(null, (d) => setCache(d, id, e.target.checked ? undefined : false))} /> reuse cached
          results
        </label>
      </div>
      {hasRun && (
        <Suspense fallback={null}>
          <Results id={id} />
        </Suspense>
      )}
    </div>
  );
}
