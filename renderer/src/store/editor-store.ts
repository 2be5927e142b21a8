/**
 * One store per open pipeline, built from three slices (STYLE.md):
 * - document: the Pipeline model; every change goes through `edit`, which records an inverse patch;
 * - view: selection, measured node sizes, panels — never undoable;
 * - runs: fed by engine events — never undoable.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Pipeline } from '../../../shared/pipeline/model';
import type { NodeOutputRef, NodeStatus, RunEvent, RunStatus, TrialRecord } from '../../../shared/run';
import { upsertTrial } from '../results/trials';
import type { LogLevel } from '../../../shared/log';
import { emptyHistory, record, redo, undo, type History } from './history';

export interface DocSlice {
  doc: Pipeline;
  history: History;
  /** bumps on every document change (edits, undo, load): what autosave and the YAML view follow */
  revision: number;
  /** where the last change came from, so the YAML view does not echo its own edits */
  lastSource: 'load' | 'edit' | 'yaml' | 'history';
  /** The one way to change the document. `key` merges edits with the same key within a second. */
  edit(key: string | null, recipe: (doc: Pipeline) => Pipeline, source?: 'edit' | 'yaml'): void;
  /** Replaces the document without an undo step (opening a file, restoring a draft). */
  load(doc: Pipeline): void;
  undo(): void;
  redo(): void;
}

export interface ViewSlice {
  selection: string[];
  measured: Record<string, { width: number; height: number }>;
  /** id of the node whose outputs the results panel shows */
  focus: string | null;
  select(ids: string[]): void;
  setMeasured(sizes: Record<string, { width: number; height: number }>): void;
  setFocus(id: string | null): void;
}

export interface NodeRunState {
  status: NodeStatus;
  progress?: number;
  message?: string;
  cached?: boolean;
  reason?: string;
  error?: string;
  durationMs?: number;
  metrics: Record<string, number>;
  outputs?: Record<string, NodeOutputRef>;
}

export interface LogLine {
  nodeId: string;
  level: LogLevel;
  message: string;
  time: number;
}

export interface RunsSlice {
  run: { id: string; status: RunStatus; durationMs?: number; backend?: string } | null;
  nodeStates: Record<string, NodeRunState>;
  logs: LogLine[];
  /** node -> metric key -> points, from node.metric events with a step (training curves) */
  series: Record<string, Record<string, { step: number; value: number }[]>>;
  /** node -> its sweep trials in index order: node.trial events live, run.get on reload or for a cached sweep */
  trials: Record<string, TrialRecord[]>;
  startRun(runId: string): void;
  /** Trials from run.get for the current run; a node's list replaces what the events gave (it is the recorded truth). */
  setTrials(runId: string, trials: Record<string, TrialRecord[]>): void;
  applyEvent(e: RunEvent): void;
  clearRun(): void;
}

export type EditorState = DocSlice & ViewSlice & RunsSlice;
export type EditorStore = StoreApi<EditorState>;

const MAX_LOG_LINES = 5000;

export function createEditorStore(initial: Pipeline, now: () => number = () => Date.now()): EditorStore {
  return createStore<EditorState>()((set, get) => ({
    doc: initial,
    history: emptyHistory(),
    revision: 0,
    lastSource: 'load',
    edit(key, recipe, source = 'edit') {
      const before = get().doc;
      const after = recipe(before);
      if (after === before) return;
      set((s) => ({ doc: after, history: record(s.history, before, after, key, now()), revision: s.revision + 1, lastSource: source }));
    },
    load(doc) {
      const ids = new Set(doc.nodes.map((n) => n.id));
      set((s) => ({
        doc,
        history: emptyHistory(),
        revision: s.revision + 1,
        lastSource: 'load',
        selection: s.selection.filter((id) => ids.has(id)),
      }));
    },
    undo() {
      const r = undo(get().history, get().doc);
      if (r) set((s) => ({ doc: r.doc, history: r.history, revision: s.revision + 1, lastSource: 'history' }));
    },
    redo() {
      const r = redo(get().history, get().doc);
      if (r) set((s) => ({ doc: r.doc, history: r.history, revision: s.revision + 1, lastSource: 'history' }));
    },

    selection: [],
    measured: {},
    focus: null,
    select(ids) {
      const cur = get().selection;
      if (cur.length === ids.length && cur.every((id, i) => id === ids[i])) return;
      set({ selection: ids, focus: ids.length === 1 ? ids[0] : get().focus });
    },
    setMeasured(sizes) {
      set((s) => ({ measured: { ...s.measured, ...sizes } }));
    },
    setFocus(id) {
      set({ focus: id });
    },

    run: null,
    nodeStates: {},
    logs: [],
    series: {},
    trials: {},
    startRun(runId) {
      set({ run: { id: runId, status: 'running' }, nodeStates: {}, logs: [], series: {}, trials: {} });
    },
    setTrials(runId, trials) {
      if (get().run?.id !== runId) return;
      set((s) => ({ trials: { ...s.trials, ...trials } }));
    },
    clearRun() {
      set({ run: null, nodeStates: {}, logs: [], series: {}, trials: {} });
    },
    applyEvent(e) {
      const s = get();
      // Events of another run (an older one still finishing, another window) are not ours.
      if (!s.run || e.runId !== s.run.id) {
        if (e.type !== 'run.started') return;
        if (s.run && s.run.status === 'running' && s.run.id !== e.runId) return;
      }
      switch (e.type) {
        case 'run.started': {
          const nodeStates: Record<string, NodeRunState> = {};
          for (const id of e.nodes) nodeStates[id] = { status: 'queued', metrics: {} };
          const same = s.run?.id === e.runId;
          set({ run: { id: e.runId, status: 'running' }, nodeStates, logs: same ? s.logs : [], series: same ? s.series : {}, trials: same ? s.trials : {} });
          return;
        }
        case 'node.queued':
          return patchNode(set, get, e.nodeId, { status: 'queued' });
        case 'node.started':
          return patchNode(set, get, e.nodeId, { status: 'running', progress: 0 });
        case 'node.progress':
          return patchNode(set, get, e.nodeId, { status: 'running', progress: e.fraction, message: e.message });
        case 'node.log': {
          const logs = s.logs.length >= MAX_LOG_LINES ? s.logs.slice(-MAX_LOG_LINES + 1) : s.logs.slice();
          logs.push({ nodeId: e.nodeId, level: e.level, message: e.message, time: e.time });
          set({ logs });
          return;
        }
        case 'node.metric': {
          if (e.step === undefined) {
            const cur = s.nodeStates[e.nodeId];
            return patchNode(set, get, e.nodeId, { metrics: { ...(cur?.metrics ?? {}), [e.key]: e.value } });
          }
          const perNode = s.series[e.nodeId] ?? {};
          const points = [...(perNode[e.key] ?? []), { step: e.step, value: e.value }];
          set({ series: { ...s.series, [e.nodeId]: { ...perNode, [e.key]: points } } });
          return;
        }
        case 'node.trial':
          set({ trials: { ...s.trials, [e.nodeId]: upsertTrial(s.trials[e.nodeId] ?? [], e.trial) } });
          return;
        case 'node.finished': {
          const { type: _t, runId: _r, nodeId, ...result } = e;
          return patchNode(set, get, nodeId, { ...result, progress: undefined });
        }
        case 'run.finished':
          set({ run: { id: e.runId, status: e.status, durationMs: e.durationMs, backend: e.backend } });
          return;
      }
    },
  }));
}

function patchNode(
  set: StoreApi<EditorState>['setState'],
  get: () => EditorState,
  id: string,
  patch: Partial<NodeRunState>,
): void {
  const cur = get().nodeStates[id] ?? { status: 'queued' as NodeStatus, metrics: {} };
  set({ nodeStates: { ...get().nodeStates, [id]: { ...cur, ...patch } } });
}
