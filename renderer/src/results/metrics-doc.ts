/**
 * The JSON of a `metrics` artifact as the engine writes it (`pipewright-metrics/v1`). The
 * renderer may not import nodes/, so the shape it reads is declared here and checked loosely.
 */
export interface Curve {
  x: number[];
  y: number[];
  xLabel?: string;
  yLabel?: string;
}
export interface Matrix {
  labels: string[];
  values: number[][];
}
export interface MetricsDoc {
  format: 'pipewright-metrics/v1';
  scalars: Record<string, number>;
  curves?: Record<string, Curve>;
  matrices?: Record<string, Matrix>;
  tables?: Record<string, { columns: string[]; rows: (string | number | null)[][] }>;
}

export function asMetricsDoc(json: unknown): MetricsDoc | null {
  if (!json || typeof json !== 'object') return null;
  const d = json as Partial<MetricsDoc>;
  if (d.format !== 'pipewright-metrics/v1' || typeof d.scalars !== 'object' || d.scalars === null) return null;
  return d as MetricsDoc;
}
