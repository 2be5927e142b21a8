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
import { appendPoint, curveFrom, emptyCurve, type Curve } from '../results/curve';
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
  /** the node's signature (params and upstream) when the run started: results are stale once it differs */
  sig?: string;
  /** the run these results come from (a partial run keeps other nodes' results of earlier runs) */
  runId?: string;
}

export interface LogLine {
  nodeId: string;
  level: LogLevel;
  message: string;
  time: number;
}

export interface RunsSlice {
  /** `error`: why the run itself failed (e.g. the project file could not be written; the message names the file) */
  run: { id: string; status: RunStatus; durationMs?: number; backend?: string; error?: string } | null;
  nodeStates: Record<string, NodeRunState>;
  logs: LogLine[];
  /** node -> metric key -> curve, from node.metric events with a step (training curves) */
  series: Record<string, Record<string, Curve>>;
  /** node -> its sweep trials in index order: node.trial events live, run.get on reload or for a cached sweep */
  trials: Record<string, TrialRecord[]>;
  /** node signatures of the document the current run was started from */
  runSigs: Record<string, string>;
  startRun(runId: string, sigs?: Record<string, string>): void;
  /** Trials from run.get for the current run; a node's list replaces what the events gave (it is the recorded truth). */
  setTrials(runId: string, trials: Record<string, TrialRecord[]>): void;
  /** Recorded curves (a cached trainer's, from the execution it reused) for nodes that have none yet. */
  setCurves(runId: string, curves: Record<string, Record<string, { step: number; value: number }[]>>): void;
  applyEvent(e: RunEvent): void;
  /** Applies many events with one store update (the page applies each animation frame's events at once). */
  applyEvents(events: readonly RunEvent[]): void;
  clearRun(): void;
}

export type EditorState = DocSlice & ViewSlice & RunsSlice;
export type EditorStore = StoreApi<EditorState>;

const MAX_LOG_LINES = 5000;

export function createEditorStore(initial: Pipeline, now: () => number = () => Date.now()): EditorStore {
  /**
   * Runs whose run.started this store has applied. The run's answer (startRun) may come before
   * that event or after it, so "the current run is this one" does not tell a replay from the start.
   */
  const announced = new Set<string>();
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
    runSigs: {},
    startRun(runId, sigs) {
      const s = get();
      if (s.run?.id === runId) return;
      set({ run: { id: runId, status: 'running' }, logs: [], runSigs: sigs ?? s.runSigs });
    },
    setTrials(runId, trials) {
      if (get().run?.id !== runId) return;
      set((s) => ({ trials: { ...s.trials, ...trials } }));
    },
    setCurves(runId, curves) {
      if (get().run?.id !== runId) return;
      const series = { ...get().series };
      for (const [node, keys] of Object.entries(curves)) {
        if (series[node] && Object.keys(series[node]).length) continue;
        series[node] = Object.fromEntries(Object.entries(keys).map(([k, pts]) => [k, curveFrom(pts)]));
      }
      set({ series });
    },
    clearRun() {
      set({ run: null, nodeStates: {}, logs: [], series: {}, trials: {}, runSigs: {} });
    },
    applyEvent(e) {
      get().applyEvents([e]);
    },
    applyEvents(events) {
      const s = get();
      let run = s.run;
      let nodeStates = s.nodeStates;
      let logs: LogLine[] | null = null;
      let series = s.series;
      let trials = s.trials;
      // Copy-on-first-write per update: a frame with 5,000 events copies each map once, not 5,000 times.
      let statesCopied = false;
      let seriesCopied = false;
      const copiedNodes = new Set<string>();
      const patch = (id: string, p: Partial<NodeRunState>): void => {
        if (!statesCopied) {
          nodeStates = { ...nodeStates };
          statesCopied = true;
        }
        const cur = nodeStates[id] ?? { status: 'queued' as NodeStatus, metrics: {} };
        nodeStates[id] = { ...cur, ...p };
      };
      for (const e of events) {
        // Events of another run (an older one still finishing, another window) are not ours.
        if (!run || e.runId !== run.id) {
          if (e.type !== 'run.started') continue;
          if (run && run.status === 'running' && run.id !== e.runId) continue;
        }
        switch (e.type) {
          case 'run.started': {
            // Seen before (a replay of this run): keep what it drew. The first time, the run's
            // nodes lose the last run's curves and trials even when the run's answer came first
            // (its points were appended to the previous curve, drawn as a line back to epoch 1).
            const same = announced.has(e.runId);
            announced.add(e.runId);
            // A partial run (up to a node) re-draws only its own nodes: the others keep their results.
            const inRun = new Set(e.nodes);
            const kept: Record<string, NodeRunState> = {};
            for (const [id, st] of Object.entries(nodeStates)) if (!inRun.has(id) && st.status !== 'running' && st.status !== 'queued') kept[id] = st;
            for (const id of e.nodes) kept[id] = { status: 'queued', metrics: {}, runId: e.runId, sig: s.runSigs[id] };
            nodeStates = kept;
            statesCopied = true;
            const keptSeries: Record<string, Record<string, Curve>> = {};
            for (const [id, c] of Object.entries(series)) if (!inRun.has(id) || same) keptSeries[id] = c;
            series = keptSeries;
            seriesCopied = true;
            const keptTrials: Record<string, TrialRecord[]> = {};
            for (const [id, t] of Object.entries(trials)) if (!inRun.has(id) || same) keptTrials[id] = t;
            trials = keptTrials;
            if (!same) logs = [];
            run = { id: e.runId, status: 'running' };
            break;
          }
          case 'node.queued':
            patch(e.nodeId, { status: 'queued' });
            break;
          case 'node.started':
            patch(e.nodeId, { status: 'running', progress: 0 });
            break;
          case 'node.progress':
            patch(e.nodeId, { status: 'running', progress: e.fraction, message: e.message });
            break;
          case 'node.log':
            logs ??= s.logs.slice();
            logs.push({ nodeId: e.nodeId, level: e.level, message: e.message, time: e.time });
            break;
          case 'node.metric': {
            if (e.step === undefined) {
              const cur = nodeStates[e.nodeId];
              patch(e.nodeId, { metrics: { ...(cur?.metrics ?? {}), [e.key]: e.value } });
              break;
            }
            if (!seriesCopied) {
              series = { ...series };
              seriesCopied = true;
            }
            if (!copiedNodes.has(e.nodeId)) {
              series[e.nodeId] = { ...(series[e.nodeId] ?? {}) };
              copiedNodes.add(e.nodeId);
            }
            const perNode = series[e.nodeId];
            appendPoint((perNode[e.key] ??= emptyCurve()), e.step, e.value);
            break;
          }
          case 'node.trial':
            trials = { ...trials, [e.nodeId]: upsertTrial(trials[e.nodeId] ?? [], e.trial) };
            break;
          case 'node.finished': {
            const { type: _t, runId: _r, nodeId, execution: _x, ...result } = e;
            patch(nodeId, { ...result, progress: undefined });
            // Every node ends with a line, so a cached run has a log and a failure is in it.
            logs ??= s.logs.slice();
            logs.push(finishLine(e, now()));
            break;
          }
          case 'run.log':
            logs ??= s.logs.slice();
            logs.push({ nodeId: 'run', level: e.level, message: e.message, time: e.time });
            break;
          case 'run.finished':
            run = { id: e.runId, status: e.status, durationMs: e.durationMs, backend: e.backend, ...(e.error ? { error: e.error } : {}) };
            if (e.error) {
              logs ??= s.logs.slice();
              logs.push({ nodeId: 'run', level: 'error', message: e.error, time: now() });
            }
            break;
        }
      }
      const next: Partial<EditorState> = {};
      if (run !== s.run) next.run = run;
      if (nodeStates !== s.nodeStates) next.nodeStates = nodeStates;
      if (series !== s.series) next.series = series;
      if (trials !== s.trials) next.trials = trials;
      if (logs) next.logs = logs.length > MAX_LOG_LINES ? logs.slice(-MAX_LOG_LINES) : logs;
      if (Object.keys(next).length) set(next);
    },
  }));
}

function finishLine(e: Extract<RunEvent, { type: 'node.finished' }>, time: number): LogLine {
  const what = e.cached ? 'cached' : e.status;
  const level: LogLevel = e.status === 'failed' ? 'error' : e.status === 'skipped' || e.status === 'cancelled' ? 'warn' : 'info';
  const head = !e.reason ? what : e.reason.startsWith(what) ? e.reason : `${what} (${e.reason})`;
  return { nodeId: e.nodeId, level, message: e.error ? `${head}: ${e.error}` : head, time };
}
