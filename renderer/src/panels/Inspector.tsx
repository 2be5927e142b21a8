import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { parseInputRef } from '../../../shared/pipeline/model';
import { useCatalog, STAGE_COLORS } from '../catalog-store';
import { useEditor, useEditorStore } from '../store/context';
import { renameNode, renameProblem, setCache, setParam } from '../doc/ops';
import { fieldsOf } from './schema';
import { ParamField } from './ParamField';
import { chooseFile } from '../files/files';
import { useSession, startRun } from '../session';
import { call } from '../api/client';
import { isStale } from '../store/stale';
import type { NodeSchema } from '../../../shared/catalog';
import { SelectionGroupActions } from '../canvas/GroupMenu';
import { notProduced } from './not-produced';
import { collapsedGroupOf } from '../doc/groups';
const Results = lazy(() => import('../results/Results').then((m) => ({ default: m.Results })));

export function Inspector() {
  const selection = useEditor((s) => s.selection);
  // a selected collapsed group is its members: said as the group, its hidden nodes are not edited here
  const collapsed = useEditor((s) => collapsedGroupOf(s.doc, s.selection));
  const id = selection.length === 1 && !collapsed ? selection[0] : null;
  if (!id) {
    return (
      <aside className="pw-inspector" data-testid="inspector">
        <div className="pw-muted pad" data-testid="selection-summary">
          {collapsed
            ? `Group "${collapsed.title}" (collapsed): ${collapsed.nodes.length} node${collapsed.nodes.length === 1 ? '' : 's'} selected`
            : selection.length > 1
              ? `${selection.length} nodes selected`
              : 'Select a node to edit its params. Double-click the canvas to add one.'}
        </div>
        {(selection.length > 1 || collapsed) && <SelectionGroupActions />}
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

export interface UpstreamColumns {
  columns: { name: string; type?: string }[];
  /** what the pickers cannot offer yet (one-hot's columns before a run, an unreadable file) */
  note: string | null;
}

/**
 * Columns of the tables feeding a node: a fresh result of the upstream node when there is one
 * (it knows one-hot's value columns), else what main inferred from the graph without running.
 */
function useUpstreamColumns(id: string): UpstreamColumns {
  const node = useEditor((s) => s.doc.nodes.find((n) => n.id === id));
  const refs = useMemo(() => Object.values(node?.inputs ?? {}).map((ref) => parseInputRef(ref)), [node?.inputs]);
  // Only the upstream outputs: a progress event of another node must not re-render the form.
  const arts = useEditor(useShallow((s) => refs.map((r) => (r && !isStale(s, r.node) ? s.nodeStates[r.node]?.outputs?.[r.port] : undefined))));
  const inferred = useStore(useSession, useShallow((s) => refs.map((r) => (r ? s.schemas[r.node] : undefined))));
  const project = useStore(useSession, (s) => s.projectPath);
  const [fetched, setFetched] = useState<Record<string, { name: string; type: string }[]>>({});
  useEffect(() => {
    for (const art of arts) {
      if (!art || art.kind !== 'table' || art.meta?.columns || fetched[art.hash] || !project) continue;
      call('artifact.preview', { project, hash: art.hash, limit: 1 })
        .then((p) => setFetched((f) => ({ ...f, [art.hash]: p.columns })))
        .catch(() => {});
    }
  }, [arts, fetched, project]);
  return useMemo(() => {
    const cols = new Map<string, { name: string; type?: string }>();
    const notes: string[] = [];
    refs.forEach((r, i) => {
      const art = arts[i];
      const ran = art?.kind === 'table' ? ((art.meta?.columns as { name: string; type?: string }[] | undefined) ?? fetched[art.hash]) : undefined;
      const schema = r ? inferred[i]?.outputs[r.port] : undefined;
      for (const c of ran ?? schema?.columns ?? []) if (!cols.has(c.name)) cols.set(c.name, c);
      if (!ran && schema?.partial) notes.push(`${r!.node}: ${schema.partial}`);
      if (!ran && r && inferred[i]?.error) notes.push(`${r.node}: ${inferred[i]!.error}`);
    });
    return { columns: [...cols.values()], note: notes.length ? notes.join('; ') : null };
  }, [refs, arts, inferred, fetched]);
}

function NodeInspector({ id }: { id: string }) {
  const store = useEditorStore();
  const node = useEditor((s) => s.doc.nodes.find((n) => n.id === id));
  const info = useCatalog((s) => (node ? s.byType.get(node.type) : undefined));
  const issues = useStore(useSession, (s) => s.issues);
  const hasRun = useEditor((s) => s.nodeStates[id] !== undefined);
  const unproduced = useEditor((s) => notProduced(s.nodeStates[id], isStale(s, id)));
  const upstream = useUpstreamColumns(id);
  const own = useStore(useSession, (s) => s.schemas[id]);
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
          {/* the version stays with the type: "v1" alone on a line read as a stray word */}
          {info?.title ?? 'unknown type'} · <code>{node.type}</code>
          {`\u00a0v${info?.version ?? '?'}`}
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
      {own?.error && (
        <div className="pw-section">
          <div className="pw-error" data-testid="schema-error">
            cannot tell the columns yet: {own.error}
          </div>
        </div>
      )}
      <OutputSchema outputs={own?.outputs} ports={info?.outputs.map((p) => p.name) ?? []} unproduced={unproduced} />
      <div className="pw-section">
        <h4>Params</h4>
        {fields.length === 0 && <div className="pw-muted">No params.</div>}
        {fields.map((f) => (
          <ParamField
            key={f.name}
            field={f}
            value={node.params[f.name]}
            errors={paramErrors(f.name)}
            columns={upstream.columns}
            note={upstream.note}
            choices={own?.choices?.[f.name]}
            space={info?.capabilities?.sweep?.space === f.name ? { trainer: typeof node.params.trainer === 'string' ? node.params.trainer : undefined } : undefined}
            isColumn={info?.columnParams?.includes(f.name) ?? false}
            code={info?.codeParams?.[f.name]}
            browse={info?.capabilities?.fileExtensions?.length && info.capabilities.readsFiles?.includes(f.name) ? () => void chooseFile({ node: id, param: f.name, type: node.type }) : undefined}
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

/**
 * What the node's outputs will carry, known before running: "table: 7 columns (species, …)". After
 * a run that produced none (`unproduced`), each output port says so instead.
 */
function OutputSchema({ outputs, ports, unproduced }: { outputs: NodeSchema['outputs'] | undefined; ports: string[]; unproduced: string | null }) {
  if (unproduced && ports.length) {
    return (
      <div className="pw-section pw-schema" data-testid="schema-summary">
        {ports.map((port) => (
          <div key={port} className="pw-muted small" data-testid={`schema-port-${port}`}>
            <b>{port}</b>: {unproduced}
          </div>
        ))}
      </div>
    );
  }
  const known = Object.entries(outputs ?? {}).filter(([, o]) => o.columns || o.metrics);
  if (!known.length) return null;
  return (
    <div className="pw-section pw-schema" data-testid="schema-summary">
      {known.map(([port, o]) => {
        const names = o.columns?.map((c) => c.name) ?? o.metrics ?? [];
        const shown = names.slice(0, 8).join(', ') + (names.length > 8 ? `, … ${names.length - 8} more` : '');
        const count = o.columns ? `${names.length} column${names.length === 1 ? '' : 's'}` : `${names.length} metric${names.length === 1 ? '' : 's'}`;
        return (
          <div key={port} className="pw-muted small" title={names.join(', ')} data-testid={`schema-port-${port}`}>
            <b>{port}</b>: {names.length ? `${count} (${shown})` : o.columns ? 'no columns' : 'no metrics'}
            {o.partial ? `, ${o.partial}` : ''}
          </div>
        );
      })}
    </div>
  );
}
