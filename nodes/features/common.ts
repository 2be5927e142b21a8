/**
 * Helpers shared by the data and feature nodes: errors that name the node, input checks that
 * name the column, and the numeric-type test (the same list as the engine's readColumns).
 */
import type { ArtifactRef, ColumnInfo, NodeOutput, RunContext, TableInfo } from '../types';
import { NodeError } from '../types';

const NUMERIC = new Set([
  'TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT',
  'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT',
  'FLOAT', 'DOUBLE', 'BOOLEAN',
]);

export function isNumericType(type: string): boolean {
  return NUMERIC.has(type) || type.startsWith('DECIMAL');
}

/** A NodeError whose message starts with the node's id, so a log line says where it happened. */
export function nodeError(ctx: RunContext, message: string, details?: NodeError['details']): NodeError {
  const prefix = `${ctx.nodeId}: `;
  return new NodeError(message.startsWith(prefix) ? message : prefix + message, details);
}

/** Rethrows any failure as a NodeError naming the node, keeping file and line details. */
export async function asNodeError<T>(ctx: RunContext, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    // A cancel is not a failure of the node: let the engine see the abort as it is.
    if (ctx.signal.aborted) throw e;
    if (e instanceof NodeError) throw nodeError(ctx, e.message, e.details);
    const msg = e instanceof Error ? e.message : String(e);
    throw nodeError(ctx, `${what}: ${firstLines(msg)}`);
  }
}

/** DuckDB's messages carry a long context block; the first lines say what went wrong. */
function firstLines(msg: string): string {
  return msg.split('\n').filter((l) => l.trim() !== '').slice(0, 2).join(' — ');
}

export function input(ctx: RunContext, inputs: Record<string, ArtifactRef>, port: string): ArtifactRef {
  const ref = inputs[port];
  if (!ref) throw nodeError(ctx, `input "${port}" is not connected`);
  if (ref.kind !== 'table') throw nodeError(ctx, `input "${port}" must be a table, got a ${ref.kind}`);
  return ref;
}

/** Describes an input table; `needRows` fails an empty table (contract: the first node that needs rows). */
export async function describeInput(ctx: RunContext, ref: ArtifactRef, port: string, needRows = true): Promise<TableInfo> {
  const info = await asNodeError(ctx, `cannot read input "${port}"`, () => ctx.data.describe(ref));
  if (needRows && info.rows === 0) throw nodeError(ctx, `input "${port}" has no rows`);
  return info;
}

/** Fails with the first listed column the table does not have, naming the param and the columns it has. */
export function requireColumns(ctx: RunContext, info: TableInfo, columns: string[], param: string, port = 'table'): ColumnInfo[] {
  const byName = new Map(info.columns.map((c) => [c.name, c]));
  return columns.map((name) => {
    const col = byName.get(name);
    if (!col) {
      throw nodeError(ctx, `${param}: column "${name}" does not exist in input "${port}" (columns: ${info.columns.map((c) => c.name).join(', ')})`, {
        column: name,
      });
    }
    return col;
  });
}

export function tableOutput(path: string): NodeOutput {
  return { kind: 'table', path };
}

/** A table ref for a file the node itself just wrote (not yet hashed by the engine). */
export function scratchRef(path: string): ArtifactRef {
  return { kind: 'table', path, hash: '', meta: {} };
}

/** Throws the abort reason between steps, so cancel stops a node that is between queries. */
export function checkAborted(ctx: RunContext): void {
  ctx.signal.throwIfAborted();
}
