import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_DIR, makeTestContext, outputArtifact, runNode, type TestContext } from '../../test/helpers/node-context';
import { NodeError } from '../types';
import csv from './csv.node';

describe('data.csv', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await makeTestContext({ nodeId: 'load' });
  });
  afterAll(() => ctx.cleanup());

  const write = (name: string, text: string) => {
    const p = join(ctx.tmpDir, name);
    writeFileSync(p, text);
    return p;
  };

  it('reads breast_cancer.csv relative to the pipeline folder', async () => {
    const out = await runNode(csv, ctx, {}, { path: 'breast_cancer.csv' });
    const t = await outputArtifact(out.table, ctx);
    expect(t.meta.rows).toBe(569);
    const cols = t.meta.columns as { name: string; type: string }[];
    expect(cols).toHaveLength(31);
    expect(cols[0]).toEqual({ name: 'mean_radius', type: 'DOUBLE' });
    expect(cols[30]).toEqual({ name: 'diagnosis', type: 'VARCHAR' });
    const [row] = await ctx.data.query('SELECT count(*) FILTER (WHERE diagnosis = \'malignant\') AS m, sum(mean_radius) AS s FROM t', { t });
    expect(row.m).toBe(212);
    expect(row.s as number).toBeCloseTo(8038.429, 3);
  });

  it('keeps missing values as nulls (penguins)', async () => {
    const out = await runNode(csv, ctx, {}, { path: join(DATA_DIR, 'penguins.csv') });
    const t = await outputArtifact(out.table, ctx);
    const [row] = await ctx.data.query('SELECT count(*) AS n, count(*) - count(body_mass_g) AS miss, count(*) - count(sex) AS sexmiss FROM t', { t });
    // 2 rows without measurements, 10 without sex (SOURCES.md: 18 missing values); one sex is '.', kept as text
    expect(row).toEqual({ n: 344, miss: 2, sexmiss: 10 });
  });

  it('honours declared types and a semicolon delimiter', async () => {
    const p = write('semi.csv', 'a;b;c\n1;2;x\n3;4;y\n');
    const out = await runNode(csv, ctx, {}, { path: p, types: { a: 'DOUBLE', b: 'VARCHAR' } });
    const t = await outputArtifact(out.table, ctx);
    expect(t.meta.columns).toEqual([
      { name: 'a', type: 'DOUBLE' },
      { name: 'b', type: 'VARCHAR' },
      { name: 'c', type: 'VARCHAR' },
    ]);
    const noHeader = write('nohead.csv', '1,2\n3,4\n');
    const t2 = await outputArtifact((await runNode(csv, ctx, {}, { path: noHeader, header: false })).table, ctx);
    expect(t2.meta.rows).toBe(2);
    expect((t2.meta.columns as { name: string }[]).map((c) => c.name)).toEqual(['column0', 'column1']);
  });

  it('is deterministic: the same file gives the same bytes', async () => {
    const a = await outputArtifact((await runNode(csv, ctx, {}, { path: 'iris.csv' })).table);
    const b = await outputArtifact((await runNode(csv, ctx, {}, { path: 'iris.csv' })).table);
    expect(a.path).not.toBe(b.path);
    expect(a.hash).toBe(b.hash);
  });

  const failure = async (params: Record<string, unknown>): Promise<NodeError> => {
    try {
      await runNode(csv, ctx, {}, params);
    } catch (e) {
      expect(e).toBeInstanceOf(NodeError);
      return e as NodeError;
    }
    throw new Error('the node did not fail');
  };

  it('fails a ragged row with the file and line', async () => {
    const p = write('ragged.csv', 'a,b,c\n1,2,3\n4,5,6\n7,8\n9,10,11\n');
    const e = await failure({ path: p });
    expect(e.message).toMatch(/^load: .*ragged\.csv, line 4: ragged row: expected 3 fields, found 2: 7,8$/);
    expect(e.details).toMatchObject({ file: p, line: 4 });
    const p2 = write('toolong.csv', 'a,b\n1,2\n3,4,5\n');
    expect((await failure({ path: p2 })).message).toMatch(/toolong\.csv, line 3: ragged row: expected 2 fields, found 3/);
  });

  it('counts physical lines when quoted fields hold newlines', async () => {
    const p = write('multiline.csv', 'a,b\n1,"x, y"\n2,"multi\nline"\n3,"q""uote"\n4,5,6\n');
    const e = await failure({ path: p });
    expect(e.message).toMatch(/multiline\.csv, line 6: ragged row: expected 2 fields, found 3: 4,5,6$/);
    const ok = write('multiline-ok.csv', 'a,b\n1,"x, y"\n2,"multi\nline"\n3,"q""uote"\n');
    const t = await outputArtifact((await runNode(csv, ctx, {}, { path: ok })).table, ctx);
    expect(await ctx.data.query('SELECT b FROM t', { t })).toEqual([{ b: 'x, y' }, { b: 'multi\nline' }, { b: 'q"uote' }]);
  });

  it('fails a header that names a column twice', async () => {
    const e = await failure({ path: write('dupe.csv', 'a,b,a\n1,2,3\n') });
    expect(e.message).toMatch(/dupe\.csv, line 1: the header names column "a" twice/);
  });

  it('fails a mis-quoted row with the file and line', async () => {
    const p = write('quote.csv', 'a,b\n1,2\n3,"4\n5,6\n');
    const e = await failure({ path: p });
    expect(e.message).toMatch(/quote\.csv, line 3: mis-quoted value/);
    expect(e.details?.line).toBe(3);
  });

  it('fails text in a column declared DOUBLE with the line and the column', async () => {
    const p = write('text.csv', 'a,b\n1,2\n3,4\n5,hello\n');
    const e = await failure({ path: p, types: { b: 'DOUBLE' } });
    expect(e.message).toMatch(/text\.csv, line 4: .*column "b".*"hello".*DOUBLE/);
    expect(e.details).toMatchObject({ line: 4, column: 'b' });
  });

  it('fails a value that does not fit the type detected from the first rows, saying how to fix it', async () => {
    const lines = ['a,b', ...Array.from({ length: 30000 }, (_, i) => `${i},${i}`), '30000,oops'];
    const p = write('late.csv', `${lines.join('\n')}\n`);
    const e = await failure({ path: p });
    expect(e.message).toMatch(/late\.csv, line 30002: .*"oops".*declare the column's type in params\.types/);
  });

  it('fails a missing file with its path, an empty file, and an unknown typed column', async () => {
    expect((await failure({ path: 'nope/missing.csv' })).message).toBe(`load: file not found: ${join(DATA_DIR, 'nope/missing.csv')}`);
    expect((await failure({ path: write('empty.csv', '') })).message).toMatch(/empty\.csv is empty/);
    expect((await failure({ path: 'iris.csv', types: { petal: 'DOUBLE' } })).message).toMatch(/params\.types names column "petal" that the file does not have/);
  });

  it('reads a header-only file as a table with no rows', async () => {
    const t = await outputArtifact((await runNode(csv, ctx, {}, { path: write('head.csv', 'a,b\n') })).table, ctx);
    expect(t.meta.rows).toBe(0);
  });
});
