/**
 * The Runs page's state (issue 14): which view, the runs table, the runs ticked for comparing,
 * the lineage reference and the pipeline whose versions are browsed; and the run opened on the
 * canvas, which the editor's banner shows. Never undoable, never part of a document.
 */
import { create } from 'zustand';
import type { RunsTable } from '../../../../shared/history';

export type HistoryView = 'runs' | 'compare' | 'lineage' | 'versions' | 'retention';

export interface OpenedRun {
  runId: string;
  pipeline: string;
  version: string;
  /** the version's text and the run's params: what "re-run exactly" sends */
  text: string;
  params: Record<string, unknown>;
  baseDir?: string;
  /** the editor's document revision right after it was opened: an edit since is a new version */
  revision: number;
}

interface HistoryState {
  view: HistoryView;
  table: RunsTable | null;
  tableProject: string | null;
  loading: boolean;
  error: string | null;
  /** run ids ticked in the table, in the order ticked (compare's first is the baseline) */
  picked: string[];
  /** the run whose details are shown beside the table */
  detail: string | null;
  lineageRef: string;
  versionsOf: string | null;
  opened: OpenedRun | null;
  setView(v: HistoryView): void;
  toggle(id: string): void;
  setPicked(ids: string[]): void;
}

export const useHistory = create<HistoryState>((set, get) => ({
  view: 'runs',
  table: null,
  tableProject: null,
  loading: false,
  error: null,
  picked: [],
  detail: null,
  lineageRef: '',
  versionsOf: null,
  opened: null,
  setView(view) {
    set({ view });
  },
  toggle(id) {
    const cur = get().picked;
    set({ picked: cur.includes(id) ? cur.filter((x) => x !== id) : [...cur, id].slice(-10) });
  },
  setPicked(picked) {
    set({ picked });
  },
}));
