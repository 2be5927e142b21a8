/**
 * Helpers for the node types' `schema` functions (nodes/types.ts): what a table port will carry,
 * worked out from the upstream schemas and the params, before anything runs.
 */
import type { ColumnInfo, PortSchema, SchemaContext } from './types';
import { isNumericType } from './features/common';

/** The metric names evaluate.classification writes (and train.sweep can optimise). */
export const CLASSIFICATION_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'rocAuc', 'logLoss'];
/** The metric names evaluate.regression writes. */
export const REGRESSION_METRICS = ['mse', 'rmse', 'mae', 'r2'];

/** A table schema with some of its columns changed; unknown stays unknown. */
export function mapColumns(table: PortSchema | undefined, f: (cols: ColumnInfo[]) => ColumnInfo[]): PortSchema {
  if (!table?.columns) return {};
  return { ...table, columns: f(table.columns) };
}

/** Numeric columns other than yes/no ones become DOUBLE (a scaled or averaged column). */
export function asDouble(c: ColumnInfo): ColumnInfo {
  return isNumericType(c.type) && c.type !== 'BOOLEAN' ? { name: c.name, type: 'DOUBLE' } : c;
}

/** The columns of a data file node's file, or an empty schema when the path is not set yet. */
export async function fileColumns(ctx: SchemaContext, path: unknown, read: (abs: string) => Promise<ColumnInfo[]> | undefined): Promise<{ outputs: { table: PortSchema } }> {
  if (typeof path !== 'string' || path === '') return { outputs: { table: {} } };
  const columns = await read(ctx.resolvePath(path));
  return { outputs: { table: columns ? { columns } : {} } };
}
