/**
 * data.sqlite: DuckDB's sqlite extension cannot be downloaded offline, so the query runs in
 * better-sqlite3 (SQLite's own dialect) and its rows are appended to DuckDB column by column.
 */
import Database from 'better-sqlite3';
import type { ColumnData } from '../../nodes/types';
import { NodeError } from '../../nodes/types';
import { checkDataFile } from './data-file';

/** SQLite's type affinity rules, reduced to what a table artifact needs. */
function declaredKind(decl: string | null): 'integer' | 'real' | 'text' | 'unknown' {
  if (!decl) return 'unknown';
  const t = decl.toUpperCase();
  if (t.includes('INT')) return 'integer';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'text';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB') || t.includes('NUM') || t.includes('DEC')) return 'real';
  return 'unknown';
}

export function readSqliteColumns(path: string, query: string): ColumnData[] {
  checkDataFile(path, 'SQLite');
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new NodeError(`cannot open SQLite file ${path}: ${(e as Error).message}`, { file: path });
  }
  try {
    let stmt: Database.Statement;
    try {
      stmt = db.prepare(query);
    } catch (e) {
      throw new NodeError(`query failed on ${path}: ${(e as Error).message}`, { file: path });
    }
    if (!stmt.reader) throw new NodeError(`the query on ${path} returns no rows (it must be a SELECT)`, { file: path });
    const meta = stmt.columns();
    const names = meta.map((m) => m.name);
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) throw new NodeError(`the query on ${path} returns column "${n}" twice; give it an alias`, { file: path });
      seen.add(n);
    }
    const raw: unknown[][] = names.map(() => []);
    try {
      for (const row of stmt.raw(true).iterate() as IterableIterator<unknown[]>) {
        for (let j = 0; j < row.length; j++) raw[j].push(row[j]);
      }
    } catch (e) {
      throw new NodeError(`query failed on ${path}: ${(e as Error).message}`, { file: path });
    }
    return names.map((name, j) => toColumn(name, declaredKind(meta[j].type), raw[j]));
  } finally {
    db.close();
  }
}

function toColumn(name: string, kind: ReturnType<typeof declaredKind>, values: unknown[]): ColumnData {
  let allNumeric = true;
  let allIntegral = true;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'number' || typeof v === 'bigint') {
      if (typeof v === 'number' && !Number.isInteger(v)) allIntegral = false;
    } else {
      allNumeric = false;
      break;
    }
  }
  if (allNumeric && kind !== 'text') {
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      out[i] = v === null || v === undefined ? NaN : Number(v);
    }
    const type = allIntegral && kind !== 'real' && values.some((v) => v !== null) ? 'BIGINT' : 'DOUBLE';
    return { name, type, numeric: true, values: out };
  }
  const text = values.map((v) => {
    if (v === null || v === undefined) return null;
    if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
    return String(v);
  });
  return { name, type: 'VARCHAR', numeric: false, values: text };
}
