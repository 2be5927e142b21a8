/**
 * data.sql as an attacker would write it (a pipeline file from a shared repository or CI): every
 * attempt must fail with an error naming the node, and each test proves the side effect did not
 * happen — no file written where the query pointed, no secret in an output or a message, no
 * request reaching a server, no extension fetched — while ordinary queries keep working.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_DIR, makeTestContext, outputArtifact, runNode, tableArtifact, type TestContext } from '../../test/helpers/node-context';
import type { ArtifactRef } from '../types';
import sql from './sql.node';

const MARKER = `PW-SECRET-${randomUUID()}`;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let dir: string;
let ctx: TestContext;
let iris: ArtifactRef;
let secretTxt: string;
let secretCsv: string;
let secretParquet: string;
let server: Server;
let requests = 0;
let url: string;
let extensionsBefore: string[];

/** Every file under a folder (relative paths), for before/after comparisons. */
function listTree(root: string): string[] {
  if (!existsSync(root)) return [];
  return (readdirSync(root, { recursive: true }) as string[]).sort();
}

const q = (query: string, inputs: Record<string, ArtifactRef> = { t: iris }) => runNode(sql, ctx, inputs, { query });

/** Runs an attack; it must fail naming the node, and its message must not carry the secret. */
async function refused(query: string, message: RegExp): Promise<string> {
  let error: Error | null = null;
  try {
    await q(query);
  } catch (e) {
    error = e as Error;
  }
  expect(error, `should have been refused: ${query}`).not.toBeNull();
  expect(error!.message).toMatch(/^sel: /);
  expect(error!.message).toMatch(message);
  expect(error!.message).not.toContain(MARKER);
  return error!.message;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-sql-attack-'));
  ctx = await makeTestContext({ nodeId: 'sel', baseDir: dir });
  iris = await tableArtifact(join(DATA_DIR, 'iris.csv'), ctx);
  secretTxt = join(dir, 'secret.txt');
  writeFileSync(secretTxt, `${MARKER}\n`);
  secretCsv = join(dir, 'secret.csv');
  writeFileSync(secretCsv, `token\n${MARKER}\n`);
  secretParquet = join(dir, 'secret.parquet');
  // Written by the trusted engine, as any other data file on the machine could be.
  await ctx.data.query(`COPY (SELECT ${ctx.data.literal(MARKER)} AS token) TO ${ctx.data.literal(secretParquet)} (FORMAT parquet)`);
  server = createServer((_req, res) => {
    requests++;
    res.end('a,b\n1,2\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  extensionsBefore = listTree(join(homedir(), '.duckdb', 'extensions'));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await ctx.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('data.sql runs exactly one query', () => {
  it('refuses the COPY break-out that pastes into COPY (<query>) TO …, and writes nothing', async () => {
    const out = join(dir, 'pwned.csv');
    const db = join(dir, 'pwned.db');
    await refused(`SELECT 1) TO '${out}' (FORMAT csv); ATTACH '${db}' AS x; COPY (SELECT * FROM t`, /query does not parse/);
    await refused(`SELECT * FROM t) TO '${out}' (FORMAT csv) --`, /query does not parse/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(db)).toBe(false);
  });

  it('refuses two statements, even when the first is a harmless SELECT', async () => {
    const out = join(dir, 'second.csv');
    await refused(`SELECT * FROM t; COPY (SELECT 1) TO '${out}'`, /exactly one statement.*it has 2/);
    await refused(`SELECT 1; SELECT 2`, /exactly one statement/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses blank and comment-only text', async () => {
    await refused('   ', /no SQL statement/);
    await refused('-- nothing here\n/* at all */', /no SQL statement/);
  });

  it('refuses every statement that is not a query: COPY, ATTACH, EXPORT, CREATE, INSERT, INSTALL, LOAD, SET, PRAGMA, CALL, …', async () => {
    const irisHash = sha256(readFileSync(iris.path));
    const targets = {
      copy: join(dir, 'copy.csv'),
      copyFrom: join(dir, 'copied-from'),
      attach: join(dir, 'attached.db'),
      export: join(dir, 'exported'),
      profile: join(dir, 'profile.json'),
      vacuum: join(dir, 'vacuumed.db'),
    };
    const only = (what: string) => new RegExp(`only a query \\(SELECT, WITH … SELECT or VALUES\\) can run here, not ${what}$`);
    const noAccess = /refused: the query may read only its input tables \(t\), nothing else: Cannot access (file|directory)/;
    const attempts: [string, RegExp][] = [
      // COPY TO is refused while it is bound (the path is not allowed), before its type is seen.
      [`COPY t TO '${targets.copy}' (FORMAT csv)`, noAccess],
      [`COPY (SELECT * FROM t) TO '${targets.copy}'`, noAccess],
      // The input's own file is readable, so binding passes: the statement type stops it.
      [`COPY (SELECT 1 AS x) TO '${iris.path}' (FORMAT parquet)`, only('COPY')],
      [`COPY t FROM '${secretCsv}'`, /query failed: Catalog Error: t is not an table/],
      [`ATTACH '${targets.attach}' AS a`, only('ATTACH')],
      [`ATTACH ':memory:' AS m`, only('ATTACH')],
      [`ATTACH '${iris.path}' AS i`, only('ATTACH')],
      [`DETACH memory`, only('DETACH')],
      [`EXPORT DATABASE '${targets.export}'`, noAccess],
      // IMPORT DATABASE reads the folder's schema.sql while DuckDB parses it: locked first.
      [`IMPORT DATABASE '${dir}'`, noAccess],
      [`CREATE TABLE x AS SELECT * FROM t`, only('CREATE')],
      [`CREATE MACRO m(a) AS a + 1`, only('CREATE')],
      [`CREATE SECRET s (TYPE s3, KEY_ID 'k', SECRET 'x')`, /query failed: .*exists in the httpfs extension/],
      [`CREATE PERSISTENT SECRET p (TYPE s3, KEY_ID 'k', SECRET 'x')`, /query failed: .*exists in the httpfs extension/],
      [`INSERT INTO t VALUES (1, 2, 3, 4, 'x')`, /query failed: Catalog Error: t is not an table/],
      [`INSTALL httpfs`, only('LOAD')],
      [`FORCE INSTALL httpfs`, only('LOAD')],
      [`LOAD httpfs`, only('LOAD')],
      [`SET enable_external_access = true`, only('SET')],
      [`SET lock_configuration = false`, only('SET')],
      [`RESET enable_external_access`, only('SET')],
      [`SET profiling_output = '${targets.profile}'`, only('SET')],
      [`PRAGMA enable_profiling = 'json'`, only('SET')],
      [`SET VARIABLE v = 1`, only('SET')],
      [`USE memory`, only('SET')],
      [`CALL pragma_version()`, only('CALL')],
      [`CHECKPOINT`, only('CALL')],
      [`VACUUM`, only('VACUUM')],
      [`EXPLAIN ANALYZE SELECT * FROM t`, only('EXPLAIN')],
      [`BEGIN TRANSACTION`, only('TRANSACTION')],
      [`DROP VIEW t`, only('DROP')],
      // A PIVOT without its values listed is two statements to DuckDB (CREATE TYPE, SELECT).
      [`PIVOT t ON species`, /exactly one statement.*it has 2/],
    ];
    for (const [query, message] of attempts) await refused(query, message);
    for (const [what, path] of Object.entries(targets)) expect(existsSync(path), `${what}: ${path}`).toBe(false);
    expect(sha256(readFileSync(iris.path))).toBe(irisHash);
  });

  it('refuses a query with parameters that nothing binds', async () => {
    await refused('SELECT * FROM t WHERE sepal_length > $1', /parameters/);
    await refused('SELECT ?', /parameters/);
  });
});

describe('data.sql reads its input tables and nothing else', () => {
  it('refuses to read any other file, by every table function and by a bare path', async () => {
    const input = iris.path;
    const attempts = [
      `SELECT * FROM read_text('${secretTxt}')`,
      `SELECT * FROM read_text('/etc/passwd')`,
      `SELECT * FROM read_text('/proc/self/environ')`,
      `SELECT * FROM read_blob('${secretTxt}')`,
      `SELECT * FROM read_csv('${secretCsv}')`,
      `SELECT * FROM read_csv_auto('${secretCsv}')`,
      `SELECT * FROM read_csv('${secretTxt}', columns = {'line': 'VARCHAR'}, header = false)`,
      `SELECT * FROM read_json('${secretTxt}')`,
      `SELECT * FROM read_parquet('${secretParquet}')`,
      `SELECT * FROM parquet_metadata('${secretParquet}')`,
      `SELECT * FROM parquet_schema('${secretParquet}')`,
      `SELECT * FROM parquet_kv_metadata('${secretParquet}')`,
      `SELECT * FROM sniff_csv('${secretCsv}')`,
      `SELECT * FROM glob('${dir}/*')`,
      `SELECT * FROM '${secretCsv}'`,
      `SELECT * FROM '${secretParquet}'`,
      `SELECT * FROM read_text('file://${secretTxt}')`,
      // the input file's own name as a way in
      `SELECT * FROM read_text('${input}/../${'x'}')`,
      `SELECT * FROM read_text(['${input}', '${secretTxt}'])`,
      `SELECT * FROM read_parquet('${dir}/*.parquet')`,
      // through the query() table function, which runs a SELECT of its own
      `SELECT * FROM query('SELECT * FROM read_text(''${secretTxt}'')')`,
      `WITH s AS (SELECT content FROM read_text('${secretTxt}')) SELECT t.*, s.content FROM t, s`,
    ];
    const failures: string[] = [];
    for (const query of attempts) {
      const message = await refused(query, /./);
      if (!/^sel: refused: the query may read only its input tables \(t\), nothing else: Cannot access file/.test(message)) failures.push(`${query} => ${message}`);
    }
    expect(failures).toEqual([]);
    // Reading a whole file through a scalar path is not a thing DuckDB offers either.
    await refused(`SELECT getenv('HOME') AS h`, /getenv does not exist/);
  });

  it('makes no request for a URL and fetches no extension', async () => {
    const before = requests;
    for (const query of [
      `SELECT * FROM read_csv('${url}/x.csv')`,
      `SELECT * FROM read_parquet('${url}/x.parquet')`,
      `SELECT * FROM read_text('${url}/x')`,
      `SELECT * FROM '${url}/x.csv'`,
      `SELECT * FROM read_parquet('s3://bucket/x.parquet')`,
      `SELECT * FROM read_json('https://127.0.0.1:1/x.json')`,
    ]) {
      await refused(query, /^sel: refused: the query may read only its input tables \(t\), nothing else: Cannot access file/);
    }
    expect(requests - before).toBe(0);
    expect(listTree(join(homedir(), '.duckdb', 'extensions'))).toEqual(extensionsBefore);
  });

  it('runs on an instance whose external access is off, extensions off and configuration locked', async () => {
    const out = await q(`SELECT current_setting('enable_external_access') AS access,
      current_setting('lock_configuration') AS locked,
      current_setting('autoload_known_extensions') AS autoload,
      current_setting('autoinstall_known_extensions') AS autoinstall,
      current_setting('allow_persistent_secrets') AS secrets,
      (SELECT count(*) FROM duckdb_databases() WHERE NOT internal) AS databases`);
    const [row] = await ctx.data.query('SELECT * FROM r', { r: await outputArtifact(out.table, ctx) });
    expect(row).toEqual({ access: false, locked: true, autoload: false, autoinstall: false, secrets: false, databases: 1 });
  });

  it('column names, struct fields and enum values that look like SQL stay data', async () => {
    const out = join(dir, 'ddl.csv');
    const quote = `x"); COPY (SELECT 1) TO '${out}'; --`;
    const field = `a" INTEGER); COPY (SELECT 1) TO '${out}'; --`;
    const member = `it's'); COPY (SELECT 1) TO '${out}'; --`;
    const { ident, literal } = ctx.data;
    const r = await q(`SELECT 1 AS ${ident(quote)}, {${literal(field)}: 1} AS s, ${literal(member)}::ENUM(${literal(member)}, 'b') AS e`);
    const t = await outputArtifact(r.table, ctx);
    expect((t.meta.columns as { name: string }[]).map((c) => c.name)).toEqual([quote, 's', 'e']);
    expect(existsSync(out)).toBe(false);
  });

  it('still runs ordinary queries: joins of ports, WITH, VALUES, FROM-first, types and duplicate names as before', async () => {
    const other = await tableArtifact(join(DATA_DIR, 'iris.csv'), ctx);
    const joined = await outputArtifact(
      (await q(`WITH s AS (SELECT species, avg(petal_length) AS m FROM a GROUP BY species)
        SELECT b.species, count(*) AS n, any_value(s.m) AS m FROM b JOIN s USING (species) GROUP BY b.species ORDER BY 1;`, { a: iris, b: other })).table,
      ctx,
    );
    expect(joined.meta.rows).toBe(3);
    const values = await outputArtifact((await q(`VALUES (1, 'a'), (2, 'b')`)).table, ctx);
    expect(await ctx.data.query('SELECT * FROM v', { v: values })).toEqual([{ col0: 1, col1: 'a' }, { col0: 2, col1: 'b' }]);
    const typed = await outputArtifact(
      (await q(`FROM t SELECT 3.25::DECIMAL(10,2) AS d, DATE '2020-01-02' AS day, [1, 2] AS l, {'k': 1} AS st, 'x'::ENUM('x', 'y') AS e, 1 AS a, 2 AS a LIMIT 1`)).table,
      ctx,
    );
    expect(typed.meta.columns).toEqual([
      { name: 'd', type: 'DECIMAL(10,2)' },
      { name: 'day', type: 'DATE' },
      { name: 'l', type: 'INTEGER[]' },
      { name: 'st', type: 'STRUCT(k INTEGER)' },
      // Parquet keeps an enum as its text, as COPY always did.
      { name: 'e', type: 'VARCHAR' },
      { name: 'a', type: 'INTEGER' },
      { name: 'a_1', type: 'INTEGER' },
    ]);
    const described = await outputArtifact((await q('DESCRIBE t')).table, ctx);
    expect(described.meta.rows).toBe(5);
    // The same bytes as the engine's own COPY of the same query: artifacts and caches unchanged.
    const ordered = 'SELECT species, sepal_length * 2 AS s FROM t ORDER BY ALL';
    const viaNode = await outputArtifact((await q(ordered)).table, ctx);
    expect(viaNode.hash).toBe(sha256(readFileSync(await ctx.data.writeTable(ordered, { t: iris }))));
  });

  it('leaves no spill folder of its instances behind', () => {
    expect(readdirSync(ctx.tmpDir).filter((f) => f.startsWith('.sql-spill-'))).toEqual([]);
  });

  it('never puts the secret into an output', async () => {
    // Every Parquet file the engine wrote during these attacks, decoded by the trusted engine.
    const files = listTree(ctx.tmpDir).filter((f) => f.endsWith('.parquet')).map((f) => join(ctx.tmpDir, f));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const rows = await ctx.data.query('SELECT * FROM f', { f: { kind: 'table', path: f, hash: '', meta: {} } });
      expect(JSON.stringify(rows)).not.toContain(MARKER);
    }
  });

  it.each([0, 30, 300])('a cancel %i ms after the start interrupts a long query', async (delay) => {
    const ac = new AbortController();
    const cancellable = await makeTestContext({ nodeId: 'long', signal: ac.signal, baseDir: dir });
    try {
      const started = Date.now();
      const run = runNode(sql, cancellable, { t: iris }, { query: 'SELECT sum(hash(range)) AS h FROM range(100000000000)' });
      // At 0 and 30 ms the query's instance is not even up: the cancel must still stop it.
      setTimeout(() => ac.abort(), delay);
      await expect(run).rejects.toThrow();
      // 1e11 hashes take many minutes; the interrupt ends the query within the test's life.
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await cancellable.cleanup();
    }
  });
});

describe('the trusted engine is untouched by the sandbox', () => {
  it('still reads files for nodes that build their own SQL', async () => {
    const [row] = await ctx.data.query(`SELECT token FROM read_parquet(${ctx.data.literal(secretParquet)})`);
    expect(row.token).toBe(MARKER);
  });
});
