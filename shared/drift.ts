/**
 * The report of monitor.drift (contract section 8): per column, the test, its result and both
 * distributions, so the editor can draw them. Written by nodes/monitor/drift.node.ts, read by
 * the renderer's results panel.
 */

export const DRIFT_METHODS = ['ks', 'chisquare', 'ztest', 'wasserstein', 'jensenshannon', 'psi'] as const;
export type DriftMethod = (typeof DRIFT_METHODS)[number];

/** Tests compare a p-value with the bound (drift below it); distances a statistic (drift above it). */
export const DRIFT_TESTS: ReadonlySet<DriftMethod> = new Set(['ks', 'chisquare', 'ztest']);

export const DEFAULT_THRESHOLD: Record<DriftMethod, number> = {
  ks: 0.05, chisquare: 0.05, ztest: 0.05, wasserstein: 0.1, jensenshannon: 0.1, psi: 0.1,
};

export type DriftDistribution =
  /** shared bins over both tables' range: `edges` has one more entry than the counts */
  | { type: 'histogram'; edges: number[]; reference: number[]; current: number[] }
  /** category counts (the most frequent ones when there are many; `other` sums the rest) */
  | { type: 'categories'; categories: string[]; reference: number[]; current: number[]; other?: { reference: number; current: number } };

export interface DriftColumn {
  name: string;
  kind: 'numeric' | 'categorical';
  /** `ok`: tested; otherwise why not (and `reason` says it in words) */
  status: 'ok' | 'not_enough_data' | 'not_applicable';
  reason?: string;
  method?: DriftMethod;
  /** null when the test has no finite statistic (chi-square with a category new in current) */
  statistic?: number | null;
  pValue?: number;
  threshold?: number;
  drifted: boolean;
  /** non-null values in each table */
  referenceCount: number;
  currentCount: number;
  distribution?: DriftDistribution;
}

export interface DriftReport {
  format: 'pipewright-drift/v1';
  referenceRows: number;
  currentRows: number;
  driftShare: number;
  driftedColumns: number;
  driftedShare: number;
  datasetDrift: boolean;
  columns: DriftColumn[];
}

/** A drift report, or null when the JSON is something else (checked loosely: it came over the wire). */
export function asDriftReport(json: unknown): DriftReport | null {
  if (!json || typeof json !== 'object') return null;
  const d = json as Partial<DriftReport>;
  return d.format === 'pipewright-drift/v1' && Array.isArray(d.columns) ? (d as DriftReport) : null;
}
