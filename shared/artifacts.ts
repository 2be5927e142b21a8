/**
 * What an artifact is, everywhere (engine, store, API, renderer), and the JSON shapes of
 * non-table artifacts (tables are Parquet files). Declared in shared/ so the nodes that write
 * them and the renderer that draws them read one definition.
 */
import type { PortKind } from './catalog';

/**
 * One artifact: a self-describing file, content-addressed by the sha256 of its bytes, its port
 * kind and a small JSON summary (a table's is `{ rows, columns: [{ name, type }] }`). The one
 * artifact type that crosses every layer; where a layer needs more it extends this one.
 */
export interface Artifact {
  hash: string;
  kind: PortKind;
  meta: Record<string, unknown>;
}

/** Just the Artifact of a richer record (a file's path or a stored size left out): what runs report. */
export function artifactOf({ hash, kind, meta }: Artifact): Artifact {
  return { hash, kind, meta };
}

/** An artifact whose file is on this machine (what a node reads and writes). */
export interface ArtifactFile extends Artifact {
  /** absolute path to the artifact's file */
  path: string;
}

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
