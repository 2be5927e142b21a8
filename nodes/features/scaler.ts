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

/**
 * Keeps a table's scaler on a table derived from it (select, impute, one-hot, split after
 * standardize), restricted to the columns that are still there, so the model trained on the
 * result can still carry it. Undefined when the input has none.
 */
export async function carryScaler(data: DataEngine, input: ArtifactRef, keptColumns: string[]): Promise<{ metadata: Record<string, string> } | undefined> {
  let doc: ScalerDoc | null;
  try {
    doc = await readScaler(data, input);
  } catch {
    return undefined; // not a Parquet file (a CSV test fixture): nothing to carry
  }
  if (!doc) return undefined;
  const kept = new Set(keptColumns);
  const columns = Object.fromEntries(Object.entries(doc.columns).filter(([name]) => kept.has(name)));
  if (Object.keys(columns).length === 0) return undefined;
  const carried: ScalerDoc = { format: doc.format, columns };
  return { metadata: { [SCALER_KEY]: JSON.stringify(carried) } };
}
