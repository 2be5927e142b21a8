/**
 * A DataEngine that starts DuckDB only when a node first uses it (trivial nodes never pay for
 * it) and forwards every member of the interface, optional capabilities and options included:
 * a hand-written wrapper that forgets one silently drops, e.g., standardize's scaler metadata.
 * `get` is typically `() => import('../data/duck-engine').then((m) => m.createDataEngine(...))`.
 */
import type { DataEngine } from '../../nodes/types';
import { findResourcesDir } from './resources';

// Not imported from duck-engine: loading that module loads DuckDB's native binding, which this
// wrapper exists to put off.
const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`;

export function lazyDataEngine(get: () => Promise<DataEngine>, resourcesDir?: string): DataEngine {
  let started: Promise<DataEngine> | null = null;
  /** the engine once it is up: an interrupt must reach it synchronously */
  let running: DataEngine | null = null;
  const e = (): Promise<DataEngine> =>
    (started ??= get().then((d) => {
      running = d;
      return d;
    }));
  const capability = async <K extends 'readCsv' | 'readSqlite' | 'readParquet' | 'runCode'>(name: K): Promise<NonNullable<DataEngine[K]>> => {
    const d = await e();
    const f = d[name];
    if (typeof f !== 'function') throw new Error(`this data engine has no ${name}`);
    return f.bind(d) as NonNullable<DataEngine[K]>;
  };
  return {
    // Found when a node first asks (a walk of existsSync calls: most nodes never do).
    get resourcesDir() {
      return (resourcesDir ??= findResourcesDir());
    },
    ident,
    literal,
    query: async (sql, tables) => (await e()).query(sql, tables),
    writeTable: async (sql, tables, options) => (await e()).writeTable(sql, tables, options),
    writeUserQuery: async (sql, tables, options) => (await e()).writeUserQuery(sql, tables, options),
    describe: async (t) => (await e()).describe(t),
    readColumns: async (t, cols, options) => (await e()).readColumns(t, cols, options),
    writeColumns: async (cols) => (await e()).writeColumns(cols),
    readCsv: async (path, options) => (await capability('readCsv'))(path, options),
    readSqlite: async (path, query) => (await capability('readSqlite'))(path, query),
    readParquet: async (path) => (await capability('readParquet'))(path),
    interrupt: () => running?.interrupt?.(),
    // An engine that never started wrote nothing.
    writtenHash: (path) => running?.writtenHash?.(path),
    runCode: async (code, table, options) => (await capability('runCode'))(code, table, options),
  };
}
