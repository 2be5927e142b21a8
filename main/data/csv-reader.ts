/**
 * data.csv on DuckDB's read_csv, made strict: the header is read and checked here
 * (csv-header.ts) and DuckDB gets its names and skips it, the dialect is fixed (delimiter from the
 * header line, RFC 4180 quotes) and strict_mode is on, so a ragged or mis-quoted row or a value
 * that does not fit its type fails with the file and line. A read is first copied to Parquet with
 * no rejects table (DuckDB throws at the first bad row; storing rejects costs the good files CPU);
 * only a failed read is read again with rejected rows stored, to name the first bad row's line,
 * column and value. When DuckDB's sniffer itself gives up (a broken quote throws before any row
 * is read), a second all-VARCHAR scan without sniffing finds the line.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, statSync, unlinkSync } from 'node:fs';
import { totalmem } from 'node:os';
import type { DuckDBConnection } from '@duckdb/node-api';
import { NodeError, type CsvReadOptions } from '../../nodes/types';
import { readCsvHeader } from './csv-header';
import { isNumericType } from '../../nodes/features/common';
import { PARQUET_OPTIONS, parquetOptionsFor } from './parquet-options';

const q = (s: string): string => `'${s.replace(/'/g, "''")}'`;

function structLiteral(entries: [string, string][]): string {
  return `{${entries.map(([k, v]) => `${q(k)}: ${q(v)}`).join(', ')}}`;
}

/**
 * DuckDB's `line` counts records, so a quoted field with a newline in it shifts every later
 * line number; the physical line (what an editor shows) is one more than the newlines before
 * the record's first byte.
 */
export function physicalLine(path: string, bytePosition: number): number {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    let pos = 0;
    let newlines = 0;
    while (pos < bytePosition) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, bytePosition - pos), pos);
      if (n <= 0) break;
      for (let i = 0; i < n; i++) if (buf[i] === 0x0a) newlines++;
      pos += n;
    }
    return newlines + 1;
  } finally {
    closeSync(fd);
  }
}

interface Reject {
  line: number;
  column: string | null;
  errorType: string;
  message: string;
  csvLine: string | null;
}

async function firstReject(c: DuckDBConnection, table: string, path: string): Promise<{ first: Reject; count: number } | null> {
  const r = await c.runAndReadAll(
    `SELECT line, line_byte_position, column_name, error_type, error_message, csv_line, count(*) OVER () AS n FROM ${table} ORDER BY line, column_idx LIMIT 1`,
  );
  const rows = r.getRowObjectsJS();
  if (rows.length === 0) return null;
  const row = rows[0];
  return {
    first: {
      line: row.line_byte_position === null ? Number(row.line) : Math.max(Number(row.line), physicalLine(path, Number(row.line_byte_position))),
      column: row.column_name === null ? null : String(row.column_name),
      errorType: String(row.error_type),
      message: String(row.error_message),
      csvLine: row.csv_line === null ? null : String(row.csv_line),
    },
    count: Number(row.n),
  };
}

function rejectError(path: string, r: { first: Reject; count: number }, declared: Record<string, string>, detected: Map<string, string>): NodeError {
  const { first, count } = r;
  let what: string;
  if (first.errorType === 'CAST' && first.column !== null) {
    const declaredType = declared[first.column];
    what = first.message;
    if (!declaredType) {
      const guessed = detected.get(first.column);
      what += ` (${guessed ? `the type ${guessed}` : 'its type'} was detected from the first rows; declare the column's type in params.types)`;
    }
  } else if (first.errorType === 'MISSING COLUMNS' || first.errorType === 'TOO MANY COLUMNS') {
    what = `ragged row: ${first.message.replace(/^Expected Number of Columns: (\d+) Found: (\d+)$/, 'expected $1 fields, found $2')}`;
  } else if (first.errorType === 'UNQUOTED VALUE') {
    what = `mis-quoted value: ${first.message}`;
  } else {
    what = first.message;
  }
  const excerpt = first.csvLine ? `: ${first.csvLine.length > 120 ? `${first.csvLine.slice(0, 120)}…` : first.csvLine}` : '';
  const more = count > 1 ? ` (${count - 1} more bad row${count > 2 ? 's' : ''} after it)` : '';
  return new NodeError(`${path}, line ${first.line}: ${what}${excerpt}${more}`, {
    file: path,
    line: first.line,
    column: first.column ?? undefined,
  });
}

/**
 * DuckDB reads a CSV in buffers of 16 × max_line_size (32 MB) by default, each one fresh memory:
 * on a 176 MB file its page faults cost about a third of the parse (0.35 of 1.1 CPU-s) and 100 MB
 * of peak RSS. 4 MiB buffers parse the same rows; max_line_size stays DuckDB's default (2 MiB), so
 * a longer line fails as before (a bigger buffer alone would raise it). Row groups of the Parquet
 * written from the scan follow its batches, so these two fix the artifact's bytes too.
 */
const CSV_BUFFERS = `buffer_size = ${4 << 20}, max_line_size = ${2 << 20}`;

/** The checks and dialect every read of `path` shares: the header read here, DuckDB told the rest. */
function csvDialect(path: string, options: CsvReadOptions) {
  if (!existsSync(path)) throw new NodeError(`file not found: ${path}`, { file: path });
  const st = statSync(path);
  if (st.isDirectory()) throw new NodeError(`${path} is a folder, not a CSV file`, { file: path });
  if (st.size === 0) throw new NodeError(`${path} is empty (not even a header line)`, { file: path, line: 1 });
  // The header is ours to read (csv-header.ts): DuckDB gets the names and skips the line.
  const { delimiter: delim, names, empty } = readCsvHeader(path, st.size, options);
  const unknown = Object.keys(options.types).filter((k) => !names.includes(k));
  if (unknown.length) {
    throw new NodeError(`${path}: params.types names column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} that the file does not have (columns: ${names.join(', ')})`, { file: path });
  }
  const layout = `header = false, skip = ${options.header ? 1 : 0}, delim = ${q(delim)}, quote = '"', escape = '"', strict_mode = true, ${CSV_BUFFERS}`;
  const typesArg = Object.keys(options.types).length ? `, types = ${structLiteral(Object.entries(options.types))}` : '';
  return { names, empty, layout, typesArg, dialect: `${layout}, names = [${names.map(q).join(', ')}]` };
}

/**
 * The columns a read would give, rows unread: the same header checks, then DuckDB's DESCRIBE of
 * the same read_csv (its sniffer looks at a sample of rows, as the full read does).
 */
export async function describeCsvColumns(c: DuckDBConnection, path: string, options: CsvReadOptions): Promise<{ name: string; type: string }[]> {
  const d = csvDialect(path, options);
  if (d.empty) return d.names.map((n) => ({ name: n, type: options.types[n] ?? 'VARCHAR' }));
  try {
    return await sniffedColumns(c, path, d);
  } catch (e) {
    throw new NodeError(`${path}: ${(e as Error).message.split('\n')[0]}`, { file: path });
  }
}

/** DuckDB's DESCRIBE of the strict read (its sniffer reads a sample of rows; throws what it throws). */
async function sniffedColumns(c: DuckDBConnection, path: string, d: Dialect): Promise<{ name: string; type: string }[]> {
  const r = await c.runAndReadAll(`DESCRIBE SELECT * FROM read_csv(${q(path)}, ${d.dialect}${d.typesArg})`);
  return r.getRowObjectsJS().map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
}

/** The artifact's writer options, from the column types DuckDB's sniffer gives the read (parquet-options.ts). */
async function csvParquetOptions(c: DuckDBConnection, path: string, d: Dialect): Promise<string> {
  return parquetOptionsFor((await sniffedColumns(c, path, d)).map((col) => col.type), isNumericType);
}

/**
 * The fast read's table expression and writer options. Its columns are sniffed once: a table of
 * numbers only is then read with those types and no second sniff (numbers have no format to
 * detect; the same bytes as the sniffing read, csv-reader.test.ts); any other keeps the sniffing
 * read, which also detects date and time formats.
 */
async function fastScan(c: DuckDBConnection, path: string, d: Dialect): Promise<{ scan: string; parquet: string }> {
  const columns = await sniffedColumns(c, path, d);
  const types = columns.map((col) => col.type);
  const parquet = parquetOptionsFor(types, isNumericType);
  if (types.length > 0 && types.every(isNumericType)) {
    return { scan: `read_csv(${q(path)}, auto_detect = false, ${d.layout}, columns = ${structLiteral(columns.map((col) => [col.name, col.type]))})`, parquet };
  }
  return { scan: `read_csv(${q(path)}, ${d.dialect}${d.typesArg})`, parquet };
}

/**
 * DuckDB's order-preserving parallel COPY keeps read batches in memory until they can be written
 * in order, up to its memory limit (80% of RAM by default): a 176 MB CSV took about 350 MB.
 * Bounded while the CSV is copied it writes the same bytes in less. The bound must leave room for
 * a second writer thread: DuckDB's batch COPY lets one more thread encode row groups only while its
 * reservation holds 4 MiB per column for it, and under 256 MiB it gave the 21-column bench table
 * one thread, so the whole Parquet write (about 60% of the node's CPU) ran on one core. 256 MiB
 * plus 6 MiB a column (382 MiB for 21) gives it two. A table too wide to copy within the bound
 * (DuckDB's "Out of Memory Error") is copied again without it. The limit is the instance's
 * (restored after): a worker runs one node at a time.
 */
export function csvCopyMemoryMiB(columns: number): number {
  // never above DuckDB's own default (80% of RAM): a very wide table on a small machine
  return Math.min(256 + 6 * columns, Math.floor((totalmem() / 2 ** 20) * 0.8));
}

async function copyBounded(c: DuckDBConnection, sql: string, columns: number, out: string): Promise<void> {
  const limit = async (): Promise<string> => String((await c.runAndReadAll("SELECT current_setting('memory_limit') AS m")).getRowObjectsJS()[0].m);
  const own = await limit();
  // The default (what the engine runs with) comes back exactly; a limit of its own as DuckDB shows it (to 0.1 GiB).
  const restore = async (): Promise<void> => {
    await c.run('RESET memory_limit');
    if ((await limit()) !== own) await c.run(`SET memory_limit = ${q(own)}`);
  };
  await c.run(`SET memory_limit = '${csvCopyMemoryMiB(columns)}MiB'`);
  try {
    await c.run(sql);
  } catch (e) {
    if (!/Out of Memory Error/i.test((e as Error).message)) throw e;
    await restore();
    // The failed COPY's partial file goes: the retry writes a new file, never over the old one's bytes
    // (a reader hashing the file as it is written relies on that: hash-while-written.ts).
    removeFile(out);
    await c.run(sql);
  } finally {
    await restore();
  }
}

type Dialect = ReturnType<typeof csvDialect>;

/** The strict scan a read copies to Parquet: `read_csv` with the dialect, rejected rows kept in a table. */
function strictScan(path: string, d: Dialect): { scan: string; rejectsTable: string } {
  const id = randomUUID().replace(/-/g, '');
  const rejectsScan = `__pw_rs_${id}`;
  const rejectsTable = `__pw_rt_${id}`;
  const rejects = `store_rejects = true, rejects_scan = ${q(rejectsScan)}, rejects_table = ${q(rejectsTable)}`;
  return { scan: `read_csv(${q(path)}, ${d.dialect}, ${rejects}${d.typesArg})`, rejectsTable };
}

/** The table expression a read of `path` parses (the csv bench times it into nothing: the floor). */
export function strictCsvScan(path: string, options: CsvReadOptions): string {
  return strictScan(path, csvDialect(path, options)).scan;
}

export async function readCsvToParquet(c: DuckDBConnection, path: string, options: CsvReadOptions, out: string): Promise<string> {
  const d = csvDialect(path, options);
  const { names, empty, layout } = d;
  if (empty) {
    // Nothing to sniff types from (DuckDB's sniffer refuses a file with no rows): declared or text.
    const types = names.map((n) => options.types[n] ?? 'VARCHAR');
    const columns = structLiteral(names.map((n, i) => [n, types[i]]));
    await c.run(`COPY (SELECT * FROM read_csv(${q(path)}, auto_detect = false, ${layout}, columns = ${columns})) TO ${q(out)} (${parquetOptionsFor(types, isNumericType)})`);
    return out;
  }
  // The fast path: the same strict read with no rejects table, so that DuckDB throws at the first
  // bad row instead of storing it. Any failure (a bad row, or one the sniffer stumbles on) reads
  // the file again the slow way below, which finds and locates the first bad row.
  try {
    const { scan, parquet } = await fastScan(c, path, d);
    await copyBounded(c, `COPY (SELECT * FROM ${scan}) TO ${q(out)} (${parquet})`, names.length, out);
    return out;
  } catch (e) {
    removeFile(out);
    if (isInterrupt(e)) throw e;
  }
  return readCsvLocatingErrors(c, path, options, out, d);
}

const isInterrupt = (e: unknown): boolean => /INTERRUPT/i.test((e as Error)?.message ?? '');

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // never written, or already gone: nothing to clean
  }
}

/**
 * The slow, locating read: rejected rows are stored, and the first one becomes the error. Also
 * writes a good file's Parquet (with the same bytes as the fast read: csv-reader.test.ts).
 */
export async function readCsvLocatingErrors(c: DuckDBConnection, path: string, options: CsvReadOptions, out: string, d: Dialect = csvDialect(path, options)): Promise<string> {
  const { names, layout } = d;
  const { scan, rejectsTable } = strictScan(path, d);
  // A file the strict sniffer refuses (a bad row in its sample) has rows to reject: it fails, whatever the options.
  const parquet = await csvParquetOptions(c, path, d).catch(() => PARQUET_OPTIONS);
  try {
    await copyBounded(c, `COPY (SELECT * FROM ${scan}) TO ${q(out)} (${parquet})`, names.length, out);
  } catch (e) {
    const diagnosed = await diagnose(c, path, names, layout).catch(() => null);
    if (diagnosed) throw rejectError(path, diagnosed, options.types, new Map());
    throw new NodeError(`${path}: ${(e as Error).message.split('\n')[0]}`, { file: path });
  }
  const bad = await firstReject(c, rejectsTable, path);
  if (bad) {
    const detected = new Map<string, string>();
    const described = await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${q(out)})`);
    for (const row of described.getRowObjectsJS()) detected.set(String(row.column_name), String(row.column_type));
    removeFile(out);
    throw rejectError(path, bad, options.types, detected);
  }
  return out;
}

/** Scans the file with no sniffing at all, every column as text, to find the first broken row. */
async function diagnose(c: DuckDBConnection, path: string, names: string[], layout: string) {
  const id = randomUUID().replace(/-/g, '');
  const table = `__pw_dt_${id}`;
  const columns = structLiteral(names.map((n) => [n, 'VARCHAR']));
  await c.run(
    `SELECT count(*) FROM read_csv(${q(path)}, auto_detect = false, ${layout}, columns = ${columns}, store_rejects = true, rejects_scan = ${q(`__pw_ds_${id}`)}, rejects_table = ${q(table)})`,
  );
  return firstReject(c, table, path);
}
