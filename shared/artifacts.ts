/**
 * The JSON shapes of non-table artifacts (tables are Parquet files). Declared in shared/ so the
 * nodes that write them and the renderer that draws them read one definition.
 */

export interface Curve {
  x: number[];
  y: number[];
  xLabel?: string;
  yLabel?: string;
}

export interface Matrix {
  /** row and column labels (for a confusion matrix: true label rows, predicted label columns) */
  labels: string[];
  values: number[][];
}

/** The `metrics` port kind: named numbers plus curves and matrices. */
export interface MetricsDoc {
  format: 'pipewright-metrics/v1';
  scalars: Record<string, number>;
  curves?: Record<string, Curve>;
  matrices?: Record<string, Matrix>;
  /** small tables, such as a sweep's trials: column names and rows */
  tables?: Record<string, { columns: string[]; rows: (string | number | null)[][] }>;
}

export function metricsDoc(scalars: Record<string, number>, extra: Omit<MetricsDoc, 'format' | 'scalars'> = {}): MetricsDoc {
  return { format: 'pipewright-metrics/v1', scalars, ...extra };
}

/** A metrics document, or null when the JSON is something else (checked loosely: it came over the wire). */
export function asMetricsDoc(json: unknown): MetricsDoc | null {
  if (!json || typeof json !== 'object') return null;
  const d = json as Partial<MetricsDoc>;
  if (d.format !== 'pipewright-metrics/v1' || typeof d.scalars !== 'object' || d.scalars === null) return null;
  return d as MetricsDoc;
}
