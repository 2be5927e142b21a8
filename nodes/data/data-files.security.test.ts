/**
 * The data file nodes (data.csv, data.parquet, data.sqlite) against paths a shared pipeline
 * could name: a named pipe or a device would block a read forever in native code, so each is
 * refused before it is opened, with the file in the error; and data.sqlite stays read-only
 * whatever its query says (the file's bytes are unchanged, nothing is created beside it).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_DIR, makeSqliteFile, makeTestContext, outputArtifact, runNode, type TestContext } from '../../test/helpers/node-context';
import { NodeError } from '../types';
import csv from './csv.node';
import parquet from './parquet.node';
import sqlite from './sqlite.node';

const posix = process.platform !== 'win32';
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

let dir: string;
let ctx: TestContext;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-data-files-'));
  ctx = await makeTestContext({ nodeId: 'load', baseDir: dir });
});

afterAll(async () => {
  await ctx.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a node that must fail; returns its NodeError. */
async function failure(run: Promise<unknown>): Promise<NodeError> {
  const e = await run.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(NodeError);
  return e as NodeError;
}

const nodes = [
  { name: 'data.csv', run: (path: string) => runNode(csv, ctx, {}, { path }), kind: 'CSV' },
  { name: 'data.parquet', run: (path: string) => runNode(parquet, ctx, {}, { path }), kind: 'Parquet' },
  { name: 'data.sqlite', run: (path: string) => runNode(sqlite, ctx, {}, { path, query: 'SELECT 1 AS x' }), kind: 'SQLite' },
];

describe.runIf(posix)('data file nodes read regular files only', () => {
  it.each(nodes)('$name refuses a named pipe at once, located at the file', { timeout: 15_000 }, async ({ run, kind }) => {
    const fifo = join(dir, `pipe-${kind}`);
    execFileSync('mkfifo', [fifo]);
    // Nothing ever writes to the pipe: opening it to read would block forever.
    const e = await failure(run(fifo));
    expect(e.message).toBe(`load: ${fifo} is a named pipe (FIFO), not a ${kind} file: only regular files are read`);
    expect(e.details?.file).toBe(fifo);
  });

  it.each(nodes)('$name refuses a symlink to a device, and a folder', async ({ run, kind }) => {
    const link = join(dir, `stdin-${kind}`);
    symlinkSync('/dev/zero', link);
    const dev = await failure(run(link));
    expect(dev.message).toBe(`load: ${link} is a device, not a ${kind} file: only regular files are read`);
    const folder = join(dir, `folder-${kind}`);
    mkdirSync(folder);
    expect((await failure(run(folder))).message).toBe(`load: ${folder} is a folder, not a ${kind} file`);
    expect((await failure(run(join(dir, 'missing')))).message).toBe(`load: file not found: ${join(dir, 'missing')}`);
  });

  it('still follows a symlink to a regular file', async () => {
    const link = join(dir, 'iris-link.csv');
    symlinkSync(join(DATA_DIR, 'iris.csv'), link);
    const t = await outputArtifact((await runNode(csv, ctx, {}, { path: link })).table, ctx);
    expect(t.meta.rows).toBe(150);
  });
});

describe('a cancel reaches the engine', () => {
  it("interrupt() stops a long statement on the engine's own connections (what a cancelled data.csv or data.parquet gets)", async () => {
    const started = Date.now();
    const long = ctx.data.writeTable('SELECT sum(hash(range)) AS h FROM range(100000000000)');
    const timer = setInterval(() => ctx.data.interrupt(), 100);
    try {
      await expect(long).rejects.toThrow(/interrupt/i);
    } finally {
      clearInterval(timer);
    }
    expect(Date.now() - started).toBeLessThan(30_000);
    // The engine is still usable afterwards.
    expect(await ctx.data.query('SELECT 42 AS x')).toEqual([{ x: 42 }]);
  });
});

describe('data.sqlite stays read-only', () => {
  let db: string;
  let before: string;
  beforeAll(() => {
    db = makeSqliteFile(join(dir, 'shop.sqlite'), 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)', [
      { sql: 'INSERT INTO t VALUES (?, ?)', rows: [[1, 'a'], [2, 'b']] },
    ]);
    before = sha256(db);
  });

  const attempts: [string, RegExp][] = [
    ["INSERT INTO t VALUES (3, 'c')", /returns no rows \(it must be a SELECT\)/],
    ["INSERT INTO t VALUES (3, 'c') RETURNING *", /readonly database/],
    ['DELETE FROM t RETURNING id', /readonly database/],
    ["UPDATE t SET name = 'x' RETURNING id", /readonly database/],
    ['DROP TABLE t', /returns no rows/],
    ['CREATE TABLE u AS SELECT * FROM t', /returns no rows/],
    ["ATTACH DATABASE 'ATTACHED' AS x", /returns no rows/],
    ["VACUUM INTO 'VACUUMED'", /returns no rows/],
    ['PRAGMA journal_mode = WAL', /readonly|returns no rows|journal/i],
    ["SELECT load_extension('/tmp/nothing.so')", /not authorized/],
    ["SELECT writefile('WRITTEN', 'x')", /no such function: writefile/],
    ["SELECT readfile('/etc/passwd')", /no such function: readfile/],
    ['SELECT 1; DROP TABLE t', /more than one statement/],
  ];

  it.each(attempts)('%s is refused and changes nothing', async (query, message) => {
    const targets = ['ATTACHED', 'VACUUMED', 'WRITTEN'].map((n) => join(dir, n));
    const q = query.replace(/'(ATTACHED|VACUUMED|WRITTEN)'/, (_m, n: string) => `'${join(dir, n)}'`);
    let error: unknown = null;
    const out = await runNode(sqlite, ctx, {}, { path: db, query: q }).catch((e: unknown) => {
      error = e;
      return null;
    });
    // PRAGMA journal_mode answers a row without switching a read-only file: allowed, harmless.
    if (out) expect(query).toMatch(/^PRAGMA journal_mode/);
    else expect(String((error as Error).message)).toMatch(message);
    expect(sha256(db)).toBe(before);
    for (const t of targets) expect(existsSync(t)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('shop.sqlite'))).toEqual(['shop.sqlite']);
  });
});
