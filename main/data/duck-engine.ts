/**
 * The DataEngine of nodes/types.ts on DuckDB (@duckdb/node-api).
 *
 * A table artifact is one Parquet file. Every call opens its own connection, so input tables can
 * be exposed as TEMP views under their port names without two concurrent calls seeing each
 * other's names. Parquet output is written with fixed options so the same rows give the same
 * bytes (artifacts are content-addressed; the cache depends on it).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { DuckDBDoubleVector, DuckDBInstance, type DuckDBConnection, type DuckDBVector } from '@duckdb/node-api';
import type { ArtifactRef, ColumnData, CsvReadOptions, DataEngine, TableInfo } from '../../nodes/types';
import { runCodeInWorker } from './code-runner';
import { ColumnSource } from './column-source';
import { describeCsvColumns, readCsvToParquet } from './csv-reader';
import { DigestMemo, hashWhileWritten } from './hash-while-written';
import { checkDataFile } from './data-file';
import { writeUserQuery as runUserQuery } from './sql-sandbox';
import { NUMERIC_PARQUET_OPTIONS, PARQUET_OPTIONS } from './parquet-options';
import { findResourcesDir } from './resources';
import { readSqliteColumns } from './sqlite-reader';
import { RELEASE_EVERY_CHUNKS, releaseReadChunks } from './release-native';

export interface DuckEngineOptions {
  /** where new Parquet files are written */
  tmpDir: string;
  /** bundled sample data (iris.csv, ...); found next to the app when omitted */
  resourcesDir?: string;
  /** DuckDB worker threads (default: all cores); at least 2, see createDataEngine */
  threads?: number;
  /** hash the tables it writes while writing them (default true; the csv bench times the write alone) */
  hashWritten?: boolean;
}

export type DuckDataEngine = DataEngine & {
  readCsv: NonNullable<DataEngine['readCsv']>;
  describeCsv: NonNullable<DataEngine['describeCsv']>;
  describeParquet: NonNullable<DataEngine['describeParquet']>;
  readSqlite: NonNullable<DataEngine['readSqlite']>;
  readParquet: NonNullable<DataEngine['readParquet']>;
  interrupt: NonNullable<DataEngine['interrupt']>;
  writtenHash: NonNullable<DataEngine['writtenHash']>;
  runCode: NonNullable<DataEngine['runCode']>;
  resourcesDir: string;
  close(): Promise<void>;
};

export { PARQUET_OPTIONS };

const NUMERIC_TYPES = new Set([
  'TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT',
  'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT',
  'FLOAT', 'DOUBLE', 'BOOLEAN',
]);
const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT']);

/** True for the DuckDB types that `readColumns` returns as a Float64Array. */
export function isNumericType(type: string): boolean {
  return NUMERIC_TYPES.has(type) || type.startsWith('DECIMAL');
}

/** readColumns materialises results up to this many values (64 MiB of doubles), else streams them. */
const MATERIALIZE_VALUES = 8_388_608;

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The table function that scans a table artifact's file. */
export function scanOf(path: string): string {
  return /\.csv$/i.test(path) ? `read_csv(${literal(path)})` : `read_parquet(${literal(path)})`;
}

/** Makes a value from DuckDB JSON-safe: BIGINT as a number when exact, dates as ISO text. */
export function jsonSafe(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = jsonSafe(x);
    return out;
  }
  return v;
}

export async function createDataEngine(opts: DuckEngineOptions): Promise<DuckDataEngine> {
  mkdirSync(opts.tmpDir, { recursive: true });
  // With one thread DuckDB writes Parquet through its sequential COPY, which cuts row groups at
  // other places than the parallel (batch) COPY used with two or more. Bytes must not depend on
  // the machine's core count, so a single-core machine still gets two threads.
  const threads = Math.max(2, opts.threads ?? availableParallelism());
  const config: Record<string, string> = {
    threads: String(threads),
    // An in-memory database spills to `.tmp` in the current folder by default: keep it in ours.
    temp_directory: join(opts.tmpDir, '.duckdb-spill'),
    // DuckDB keeps the bytes of every file it reads in an external file cache, bounded only by its
    // memory limit (80% of RAM). Every run writes new Parquet files, so a long-lived app (a
    // server open for days, `pipewright watch`) grew about 1.25 MB a run without a plateau.
    enable_external_file_cache: 'false',
    // DuckDB's allocator (jemalloc) keeps the pages a query freed until it allocates again, so
    // after reading a 1M-row CSV the process kept 40-80 MB it no longer used while the next node
    // (training) ran. Its background thread returns them within about a second.
    allocator_background_threads: 'true',
  };
  const instance = await DuckDBInstance.create(':memory:', config);
  const open = new Set<DuckDBConnection>();
  /** connections of data.sql's own instances (see sql-sandbox.ts): interrupted with the rest */
  const sandboxed = new Set<DuckDBConnection>();
  let closed = false;
  let counter = 0;
  const resourcesDir = opts.resourcesDir ?? findResourcesDir();

  const columnSource = new ColumnSource();
  const digests = new DigestMemo();
  /** Runs a COPY that writes `out` (DuckDB only appends to it), hashing the file as it is written. */
  const written = async (out: string, copy: () => Promise<unknown>): Promise<string> => {
    if (opts.hashWritten === false) {
      await copy();
      return out;
    }
    const { digest } = await hashWhileWritten(out, copy);
    digests.remember(out, digest);
    return out;
  };
  const newPath = (): string => join(opts.tmpDir, `t-${++counter}-${randomUUID()}.parquet`);

  async function withConnection<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (closed) throw new Error('the data engine is closed');
    const c = await instance.connect();
    open.add(c);
    try {
      return await fn(c);
    } finally {
      open.delete(c);
      c.closeSync();
    }
  }

  async function exposeTables(c: DuckDBConnection, tables: Record<string, ArtifactRef> | undefined): Promise<void> {
    for (const [name, ref] of Object.entries(tables ?? {})) {
      await c.run(`CREATE OR REPLACE TEMP VIEW ${ident(name)} AS SELECT * FROM ${scanOf(ref.path)}`);
    }
  }

  async function copyTo(c: DuckDBConnection, sql: string, metadata?: Record<string, string>, options = PARQUET_OPTIONS): Promise<string> {
    const out = newPath();
    const entries = Object.entries(metadata ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const kv = entries.length ? `, KV_METADATA {${entries.map(([k, v]) => `${ident(k)}: ${literal(v)}`).join(', ')}}` : '';
    return written(out, () => c.run(`COPY (${stripSemicolon(sql)}) TO ${literal(out)} (${options}${kv})`));
  }

  async function describeWith(c: DuckDBConnection, path: string): Promise<TableInfo> {
    const cols = await c.runAndReadAll(`DESCRIBE SELECT * FROM ${scanOf(path)}`);
    const columns = cols.getRowObjectsJS().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    const count = await c.runAndReadAll(`SELECT count(*) AS n FROM ${scanOf(path)}`);
    return { rows: Number(count.getRowsJS()[0][0]), columns };
  }

  const engine: DuckDataEngine = {
    resourcesDir,
    ident,
    literal,

    query: (sql, tables) =>
      withConnection(async (c) => {
        await exposeTables(c, tables);
        const reader = await c.runAndReadAll(sql);
        return reader.getRowObjectsJS().map((row) => jsonSafe(row) as Record<string, unknown>);
      }),

    writeTable: (sql, tables, options) =>
      withConnection(async (c) => {
        await exposeTables(c, tables);
        return copyTo(c, sql, options?.metadata);
      }),

    writeUserQuery: async (sql, tables, options) => {
      if (closed) throw new Error('the data engine is closed');
      const signal = options?.signal;
      if (signal?.aborted) throw new Error('cancelled');
      let conn: DuckDBConnection | null = null;
      // Interrupting is repeated until the call ends: a cancel that lands between two
      // statements, or before the query's connection exists, must still stop the next one.
      let interrupting: NodeJS.Timeout | null = null;
      const onAbort = (): void => {
        conn?.interrupt();
        interrupting ??= setInterval(() => conn?.interrupt(), 50);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const out = newPath();
      try {
        await runUserQuery(sql, Object.fromEntries(Object.entries(tables).map(([name, ref]) => [name, ref.path])), out, {
          threads,
          spillDir: join(opts.tmpDir, `.sql-spill-${++counter}-${randomUUID()}`),
          scanOf,
          ident,
          literal,
          copyOptions: PARQUET_OPTIONS,
          onConnection: (c) => {
            if (conn) sandboxed.delete(conn);
            conn = c;
            if (c) sandboxed.add(c);
          },
        });
        return out;
      } catch (e) {
        rmSync(out, { force: true });
        throw e;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        if (interrupting) clearInterval(interrupting);
      }
    },

    describe: (table) => withConnection((c) => describeWith(c, table.path)),

    readColumns: (table, names, options) =>
      withConnection(async (c) => {
        const info = await describeWith(c, table.path);
        const byName = new Map(info.columns.map((col) => [col.name, col]));
        const wanted = (names ?? info.columns.map((col) => col.name)).map((n) => {
          const col = byName.get(n);
          if (!col) throw new Error(`no column "${n}" in the table (columns: ${info.columns.map((x) => x.name).join(', ')})`);
          return col;
        });
        if (wanted.length === 0) return [];
        const select = wanted
          .map((col) => `CAST(${ident(col.name)} AS ${isNumericType(col.type) ? 'DOUBLE' : 'VARCHAR'})`)
          .join(', ');
        const into = options?.into ?? [];
        const out: ColumnData[] = wanted.map((col, j) =>
          isNumericType(col.type)
            ? { name: col.name, type: col.type, numeric: true, values: reuse(into[j], info.rows, col.name) }
            : { name: col.name, type: col.type, numeric: false, values: new Array<string | null>(info.rows) },
        );
        const sql = `SELECT ${select} FROM ${scanOf(table.path)}`;
        // A result of up to MATERIALIZE_VALUES values is made whole on DuckDB's threads, so the
        // query runs while this thread does other work (monitor.drift sorts one batch of columns
        // while the next is read); a bigger one is streamed, so memory stays bounded.
        // (fetchChunk, not getChunk: the C API's result_get_chunk costs this thread about 1 ms a
        // chunk, fetch_chunk runs on DuckDB's side.)
        // A caller that reads into its own arrays is bounding memory: it gets the streamed read.
        const streamed = info.rows * wanted.length > MATERIALIZE_VALUES || options?.into !== undefined;
        const result = streamed ? await c.stream(sql) : await c.run(sql);
        let offset = 0;
        let chunks = 0;
        for (;;) {
          const chunk = await result.fetchChunk();
          if (!chunk || chunk.rowCount === 0) break;
          const n = chunk.rowCount;
          for (let j = 0; j < out.length; j++) {
            const vec = chunk.getColumnVector(j);
            const target = out[j];
            if (target.numeric) {
              if (!readDoubles(vec, target.values, offset, n)) {
                const values = target.values;
                for (let i = 0; i < n; i++) {
                  const v = vec.getItem(i) as number | null;
                  values[offset + i] = v === null ? NaN : v;
                }
              }
            } else {
              const values = target.values;
              for (let i = 0; i < n; i++) values[offset + i] = vec.getItem(i) as string | null;
            }
          }
          offset += n;
          if (streamed && ++chunks % RELEASE_EVERY_CHUNKS === 0) releaseReadChunks();
        }
        if (offset !== info.rows) throw new Error(`read ${offset} rows, expected ${info.rows}`);
        return out;
      }),

    writeColumns: (columns) =>
      withConnection(async (c) => {
        const rows = columns.length ? columns[0].values.length : 0;
        const seen = new Set<string>();
        for (const col of columns) {
          if (col.values.length !== rows) throw new Error(`column "${col.name}" has ${col.values.length} values, expected ${rows}`);
          if (seen.has(col.name)) throw new Error(`column "${col.name}" appears twice`);
          seen.add(col.name);
        }
        if (columns.length === 0) throw new Error('a table needs at least one column');
        return columnSource.with(c, columns, async (from) => {
          const select = columns.map((col) => `${castBack(col)} AS ${ident(col.name)}`).join(', ');
          // Numbers only (castBack keeps a number column a number): plain and uncompressed (parquet-options.ts).
          const options = columns.every((col) => col.numeric) ? NUMERIC_PARQUET_OPTIONS : PARQUET_OPTIONS;
          try {
            return await copyTo(c, `SELECT ${select} FROM ${from}`, undefined, options);
          } catch {
            // A declared type the values no longer fit (text in a DATE column): keep the values.
            return await copyTo(c, `SELECT * FROM ${from}`, undefined, options);
          }
        });
      }),

    readCsv: async (path, options: CsvReadOptions) => {
      checkDataFile(path, 'CSV');
      return withConnection((c) => {
        const out = newPath();
        return written(out, () => readCsvToParquet(c, path, options, out));
      });
    },

    describeCsv: async (path, options: CsvReadOptions) => {
      checkDataFile(path, 'CSV');
      return withConnection((c) => describeCsvColumns(c, path, options));
    },

    describeParquet: async (path) => {
      checkDataFile(path, 'Parquet');
      return withConnection(async (c) => {
        const r = await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${literal(path)})`);
        return r.getRowObjectsJS().map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
      });
    },

    readParquet: async (path) => {
      checkDataFile(path, 'Parquet');
      return withConnection((c) => copyTo(c, `SELECT * FROM read_parquet(${literal(path)})`));
    },

    readSqlite: async (path, query) => engine.writeColumns(readSqliteColumns(path, query)),

    runCode: async (code, table, options) => {
      const result = await runCodeInWorker(code, await engine.readColumns(table), options);
      return { path: await engine.writeColumns(result.columns), logs: result.logs };
    },

    writtenHash: (path) => digests.take(path),

    interrupt() {
      for (const c of open) c.interrupt();
      for (const c of sandboxed) c.interrupt();
    },

    async close() {
      if (closed) return;
      closed = true;
      // A data.sql instance closes itself when its statement ends: end the statement.
      for (const c of sandboxed) c.interrupt();
      for (const c of open) c.closeSync();
      open.clear();
      instance.closeSync();
    },
  };
  return engine;
}

/**
 * The node-api's DOUBLE vector keeps its values in a Float64Array (`items`) and its null mask
 * in 64-bit words (`validity.data`, null when there are no nulls). Copying those wholesale is
 * many times faster than a getItem call per value. They are private fields, so this checks the
 * shapes and returns false (the caller then goes value by value) if a future version changes them.
 */
interface DoubleVectorInternals {
  items?: unknown;
  validity?: { data?: unknown; offset?: unknown; setItemValid?: (i: number, valid: boolean) => void };
}

/** The array a numeric column is read into: the caller's, when it has the table's length. */
function reuse(into: Float64Array | undefined, rows: number, name: string): Float64Array {
  if (!into) return new Float64Array(rows);
  if (into.length !== rows) throw new Error(`column "${name}" has ${rows} values, the array given for it ${into.length}`);
  return into;
}

function readDoubles(vec: DuckDBVector, target: Float64Array, offset: number, n: number): boolean {
  if (!(vec instanceof DuckDBDoubleVector)) return false;
  const inner = vec as unknown as DoubleVectorInternals;
  const items = inner.items;
  const validity = inner.validity;
  if (!(items instanceof Float64Array) || items.length < n || !validity || validity.offset !== 0) return false;
  const data = validity.data;
  if (data !== null && !(data instanceof BigUint64Array)) return false;
  target.set(n === items.length ? items : items.subarray(0, n), offset);
  if (data) {
    // Little-endian halves of each 64-bit word: bit b of row i is in word i >> 5.
    const words = new Uint32Array(data.buffer, data.byteOffset, data.length * 2);
    for (let w = 0; w * 32 < n; w++) {
      const bits = words[w];
      if (bits === 0xffffffff) continue;
      for (let b = 0; b < 32 && w * 32 + b < n; b++) if ((bits & (1 << b)) === 0) target[offset + w * 32 + b] = NaN;
    }
  }
  return true;
}

function stripSemicolon(sql: string): string {
  return sql.trim().replace(/;+\s*$/, '');
}

/** Restores a column's declared type when its values still fit it exactly. */
function castBack(col: ColumnData): string {
  const name = ident(col.name);
  if (col.numeric) {
    const values = col.values;
    if (col.type === 'DOUBLE') return name;
    const fits = (ok: (v: number) => boolean): boolean => {
      for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]) && !ok(values[i])) return false;
      return true;
    };
    if (col.type === 'BOOLEAN' && fits((v) => v === 0 || v === 1)) return `CAST(${name} AS BOOLEAN)`;
    if (INTEGER_TYPES.has(col.type) && fits(Number.isSafeInteger)) return `CAST(${name} AS ${col.type})`;
    if (col.type === 'FLOAT') return `CAST(${name} AS FLOAT)`;
    return name;
  }
  if (col.type === 'VARCHAR' || isNumericType(col.type) || !/^[A-Z][A-Z0-9_ ]*(\([0-9, ]+\))?$/.test(col.type)) return name;
  return `CAST(${name} AS ${col.type})`;
}
