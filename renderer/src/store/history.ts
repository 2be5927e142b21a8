/**
 * Undo as recorded inverse patches (as tldraw's HistoryManager does): an edit stores the previous
 * values of the top-level document fields it replaced. Edits are immutable, so a field whose
 * identity is unchanged was not touched and costs nothing to keep. Edits with the same merge key
 * within MERGE_MS collapse into one step: a drag, a burst of typing, a paste.
 */
import type { Pipeline } from '../../../shared/pipeline/model';

export type Patch = Partial<Pipeline>;

export interface HistoryEntry {
  key: string | null;
  at: number;
  /** applying this to the document after the edit gives the document before it */
  inverse: Patch;
}

export interface History {
  past: HistoryEntry[];
  future: HistoryEntry[];
}

export const MERGE_MS = 1000;
export const MAX_STEPS = 500;

export const emptyHistory = (): History => ({ past: [], future: [] });

const FIELDS: (keyof Pipeline)[] = ['apiVersion', 'kind', 'metadata', 'params', 'nodes', 'extensions', 'layout'];

export function diffInverse(before: Pipeline, after: Pipeline): Patch {
  const inv: Record<string, unknown> = {};
  for (const f of FIELDS) if (before[f] !== after[f]) inv[f] = before[f];
  return inv as Patch;
}

export function applyPatch(doc: Pipeline, patch: Patch): Pipeline {
  return { ...doc, ...patch };
}

/** Records the edit before -> after; returns the new history (unchanged when nothing changed). */
export function record(h: History, before: Pipeline, after: Pipeline, key: string | null, now: number): History {
  const inverse = diffInverse(before, after);
  if (Object.keys(inverse).length === 0) return h;
  const last = h.past[h.past.length - 1];
  if (last && key !== null && last.key === key && now - last.at < MERGE_MS) {
    // The merged step keeps the oldest value of each field: undo goes back to before the burst.
    const merged: HistoryEntry = { key, at: now, inverse: { ...inverse, ...last.inverse } };
    return { past: [...h.past.slice(0, -1), merged], future: [] };
  }
  const past = [...h.past, { key, at: now, inverse }];
  return { past: past.length > MAX_STEPS ? past.slice(past.length - MAX_STEPS) : past, future: [] };
}

function forwardOf(doc: Pipeline, inverse: Patch): Patch {
  const fwd: Record<string, unknown> = {};
  for (const f of Object.keys(inverse) as (keyof Pipeline)[]) fwd[f] = doc[f];
  return fwd as Patch;
}

export function undo(h: History, doc: Pipeline): { history: History; doc: Pipeline } | null {
  const last = h.past[h.past.length - 1];
  if (!last) return null;
  const redoEntry: HistoryEntry = { key: null, at: 0, inverse: forwardOf(doc, last.inverse) };
  return { doc: applyPatch(doc, last.inverse), history: { past: h.past.slice(0, -1), future: [...h.future, redoEntry] } };
}

export function redo(h: History, doc: Pipeline): { history: History; doc: Pipeline } | null {
  const next = h.future[h.future.length - 1];
  if (!next) return null;
  // key null and at 0: an edit right after a redo never merges into it.
  const undoEntry: HistoryEntry = { key: null, at: 0, inverse: forwardOf(doc, next.inverse) };
  return { doc: applyPatch(doc, next.inverse), history: { past: [...h.past, undoEntry], future: h.future.slice(0, -1) } };
}
