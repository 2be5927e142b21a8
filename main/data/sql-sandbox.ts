/**
 * SQL from a pipeline file (data.sql) is written by whoever wrote that file: a colleague's
 * repository, a CI checkout. It runs on a DuckDB instance of its own, never on the engine's:
 *
 * - in memory, with extensions neither installed nor loaded on demand and no persistent secrets;
 * - each input table is a view over its artifact file, and `allowed_paths` names exactly those
 *   files before external access is switched off, so the query reads its inputs and nothing
 *   else: no other file, folder listing, URL, database or environment variable;
 * - the configuration is then locked, so the query cannot switch any of it back;
 * - the text must be exactly one statement, as DuckDB itself splits and classifies it
 *   (extractStatements + the prepared statement's type), and only a query (SELECT,
 *   WITH … SELECT, VALUES, FROM …, DESCRIBE/SUMMARIZE) is accepted;
 * - it then runs as the bound parameter of a prepared statement of ours,
 *   `COPY (SELECT * FROM query($1)) TO <artifact>`: DuckDB's query() function takes the text as
 *   a value and accepts a single SELECT only. The text is never pasted into another statement,
 *   and the artifact file is the one path this instance may write, named before the lock.
 *   (Streaming the rows back through an appender took 5x the engine's own COPY on a
 *   1,000,000-row table; this takes 1.9x, start-up included: `npm run bench -- sql`.)
 *
 * Splitting and preparing the text can already act (parsing IMPORT DATABASE reads a file,
 * preparing EXPORT DATABASE creates its folder): that is why the lock comes first and the
 * statement type is checked after it, on the locked instance.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { DuckDBInstance, StatementType, type DuckDBConnection } from '@duckdb/node-api';
import { NodeError } from '../../nodes/types';

/** What the query's instance is started with and locked at; checked after locking. */
export const SANDBOX_SETTINGS: Readonly<Record<string, string>> = {
  enable_external_access: 'false',
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
  allow_community_extensions: 'false',
  allow_persistent_secrets: 'false',
  lock_configuration: 'true',
};

export interface SandboxOptions {
  /** DuckDB threads for the query (two or more: Parquet bytes depend on it, see duck-engine) */
  threads: number;
  /** a folder of its own for spilling (removed afterwards) */
  spillDir: string;
  /** the table function that scans an input file (read_parquet(...) or read_csv(...)) */
  scanOf(path: string): string;
  ident(name: string): string;
  literal(value: string): string;
  /** the COPY options of every table artifact (PARQUET_OPTIONS) */
  copyOptions: string;
  /** told the query's connection as soon as it exists (so a cancel can interrupt it), and null before it closes */
  onConnection?(c: DuckDBConnection | null): void;
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0];
}

/** What DuckDB calls the statement, in words a user knows. */
function statementName(type: StatementType): string {
  const name = StatementType[type] ?? String(type);
  return name.replace(/_STATEMENT$/, '').replace(/_/g, ' ');
}

/**
 * Runs `sql` on a locked instance that sees `tables` (name -> artifact file) and writes its rows
 * to the Parquet file `out`. Throws a NodeError that says what was refused; the caller adds the
 * node's name.
 */
export async function writeUserQuery(sql: string, tables: Record<string, string>, out: string, opts: SandboxOptions): Promise<void> {
  mkdirSync(opts.spillDir, { recursive: true });
  let instance: DuckDBInstance | null = null;
  let c: DuckDBConnection | null = null;
  const names = Object.keys(tables);
  try {
    const { enable_external_access: _access, lock_configuration: _lock, ...atStart } = SANDBOX_SETTINGS;
    instance = await DuckDBInstance.create(':memory:', { ...atStart, threads: String(opts.threads), temp_directory: opts.spillDir });
    c = await instance.connect();
    opts.onConnection?.(c);
    for (const name of names) await c.run(`CREATE VIEW ${opts.ident(name)} AS SELECT * FROM ${opts.scanOf(tables[name])}`);
    // allowed_paths cannot be given at start (the C API refuses list settings) and cannot be
    // changed once external access is off: so this order, then the lock.
    const paths = [...Object.values(tables), out];
    await c.run(`SET allowed_paths = [${paths.map(opts.literal).join(', ')}]`);
    await c.run('SET enable_external_access = false');
    await c.run('SET lock_configuration = true');
    await verifyLocked(c);

    let extracted;
    try {
      extracted = await c.extractStatements(sql);
    } catch (e) {
      const msg = firstLine(e).replace(/^Failed to extract statements: /, '');
      // DuckDB answers text with no statement at all (blank, only comments) with a bare error.
      if (msg === 'Error in native callback') throw new NodeError('the query holds no SQL statement');
      // Parsing can act too: IMPORT DATABASE reads its folder's schema.sql while it is parsed.
      throw new NodeError(/^Parser Error/i.test(msg) ? `the query does not parse: ${msg}` : refusal(msg, names));
    }
    if (extracted.count !== 1) {
      throw new NodeError(`the query must be exactly one statement (a SELECT, WITH … SELECT or VALUES); it has ${extracted.count}`);
    }
    let prepared;
    try {
      prepared = await extracted.prepare(0);
    } catch (e) {
      throw new NodeError(refusal(firstLine(e), names));
    }
    try {
      if (prepared.statementType !== StatementType.SELECT) {
        throw new NodeError(`only a query (SELECT, WITH … SELECT or VALUES) can run here, not ${statementName(prepared.statementType)}`);
      }
      if (prepared.parameterCount > 0) throw new NodeError('the query has parameters ($1 or ?) that nothing fills');
    } finally {
      prepared.destroySync();
    }
    const copy = await c.prepare(`COPY (SELECT * FROM query($1)) TO ${opts.literal(out)} (${opts.copyOptions})`);
    try {
      copy.bindVarchar(1, sql);
      await copy.run();
    } catch (e) {
      throw new NodeError(refusal(firstLine(e), names));
    } finally {
      copy.destroySync();
    }
  } finally {
    opts.onConnection?.(null);
    c?.closeSync();
    instance?.closeSync();
    rmSync(opts.spillDir, { recursive: true, force: true });
  }
}

/** A permission error says what the query may read; any other error is DuckDB's own first line. */
export function refusal(msg: string, tables: string[]): string {
  if (/^Permission Error/i.test(msg)) {
    return `refused: the query may read only its input tables (${tables.join(', ')}), nothing else: ${msg.replace(/^Permission Error: /, '')}`;
  }
  return `query failed: ${msg}`;
}

async function verifyLocked(c: DuckDBConnection): Promise<void> {
  const keys = Object.keys(SANDBOX_SETTINGS);
  const rows = (await c.runAndReadAll(`SELECT name, value FROM duckdb_settings() WHERE name IN (${keys.map((k) => `'${k}'`).join(', ')})`)).getRowObjectsJS();
  const got = new Map(rows.map((r) => [String(r.name), String(r.value)]));
  for (const k of keys) {
    if (got.get(k) !== SANDBOX_SETTINGS[k]) throw new Error(`the SQL sandbox did not take ${k} = ${SANDBOX_SETTINGS[k]} (it is ${got.get(k) ?? 'missing'})`);
  }
}
