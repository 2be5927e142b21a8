/**
 * The fitted scaler of features.standardize travels inside its output tables, as Parquet
 * key-value metadata under `pipewright.scaler`, so a trainer can put it into the model and
 * serving can apply the same transform to raw rows: x' = (x - mean) / scale.
 */
import type { ArtifactRef, DataEngine } from '../types';

export const SCALER_KEY = 'pipewright.scaler';

export interface ScalerDoc {
  format: 'pipewright-scaler/v1';
  /** column -> its train mean and scale (population standard deviation; 1 for a constant column) */
  columns: Record<string, { mean: number; scale: number }>;
}

/** The scaler stored in a table artifact, or null when the table carries none. */
export async function readScaler(data: DataEngine, table: ArtifactRef): Promise<ScalerDoc | null> {
  const rows = await data.query(
    `SELECT decode(value) AS v FROM parquet_kv_metadata(${data.literal(table.path)}) WHERE decode(key) = ${data.literal(SCALER_KEY)}`,
  );
  if (rows.length === 0) return null;
  const doc = JSON.parse(String(rows[0].v)) as ScalerDoc;
  return doc.format === 'pipewright-scaler/v1' ? doc : null;
}

/** Applies a scaler to one value (what serving does to each incoming feature). */
export function applyScaler(doc: ScalerDoc, column: string, value: number): number {
  const s = doc.columns[column];
  return s ? (value - s.mean) / s.scale : value;
}
