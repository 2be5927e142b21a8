/**
 * Sweep trials as the results panel shows them: one row per trial, in index order, with a column
 * per swept param and per metric, and the best trial by the sweep's own `metric` and `goal`.
 */
import type { TrialRecord } from '../../../shared/run';

export type Goal = 'max' | 'min';

export interface TrialRow {
  index: number;
  /** one cell per `params` column, formatted */
  params: string[];
  /** one value per `metrics` column; null when the trial has none (failed) */
  metrics: (number | null)[];
  status: TrialRecord['status'];
  error?: string;
  durationMs: number;
  best: boolean;
}

export interface TrialTable {
  params: string[];
  metrics: string[];
  rows: TrialRow[];
  /** index of the best trial, or null when no succeeded trial has the metric */
  best: number | null;
}

/** Adds or replaces a trial by index (a run.get replay may repeat live events), keeping index order. */
export function upsertTrial(list: readonly TrialRecord[], trial: TrialRecord): TrialRecord[] {
  const out = list.filter((t) => t.index !== trial.index);
  out.push(trial);
  return out.sort((a, b) => a.index - b.index);
}

/** The best succeeded trial on `metric`; ties go to the earlier trial, as the sweep itself keeps it. */
export function pickBest(trials: readonly TrialRecord[], metric: string, goal: Goal): number | null {
  let best: TrialRecord | null = null;
  for (const t of trials) {
    if (t.status !== 'succeeded') continue;
    const v = t.metrics[metric];
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    const b = best?.metrics[metric];
    if (best === null || b === undefined || (goal === 'max' ? v > b : v < b) || (v === b && t.index < best.index)) best = t;
  }
  return best ? best.index : null;
}

export function formatParam(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (typeof v === 'string') return v;
  return JSON.stringify(v) ?? '';
}

/**
 * Columns come from the trials themselves, swept params first in the order of `space` (the order
 * the user wrote), then any others; the sweep's metric leads the metric columns.
 */
export function trialTable(trials: readonly TrialRecord[], opts: { metric?: string; goal?: Goal; space?: readonly string[] } = {}): TrialTable {
  const sorted = [...trials].sort((a, b) => a.index - b.index);
  const params = ordered(sorted.flatMap((t) => Object.keys(t.params)), opts.space ?? []);
  const metrics = ordered(sorted.flatMap((t) => Object.keys(t.metrics)), opts.metric ? [opts.metric] : []);
  const best = opts.metric ? pickBest(sorted, opts.metric, opts.goal ?? 'max') : null;
  const rows = sorted.map<TrialRow>((t) => ({
    index: t.index,
    params: params.map((p) => (p in t.params ? formatParam(t.params[p]) : '')),
    metrics: metrics.map((m) => (typeof t.metrics[m] === 'number' ? t.metrics[m] : null)),
    status: t.status,
    ...(t.error ? { error: t.error } : {}),
    durationMs: t.durationMs,
    best: t.index === best,
  }));
  return { params, metrics, rows, best };
}

/**
 * The metric columns the trials table shows, as indices into `table.metrics`. Folded (the panel's
 * default), only the metric the sweep ranks trials by (else the first): a table with every metric
 * is wider than the inspector, and the others are one click away. Unfolded, all of them.
 */
export function shownMetrics(table: Pick<TrialTable, 'metrics'>, opts: { metric?: string; all: boolean }): number[] {
  if (opts.all) return table.metrics.map((_, i) => i);
  if (table.metrics.length === 0) return [];
  const key = opts.metric ? table.metrics.indexOf(opts.metric) : -1;
  return [key >= 0 ? key : 0];
}

function ordered(keys: string[], first: readonly string[]): string[] {
  const seen = new Set(keys);
  const head = first.filter((k) => seen.has(k));
  const rest = [...seen].filter((k) => !head.includes(k));
  return [...head, ...rest];
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
