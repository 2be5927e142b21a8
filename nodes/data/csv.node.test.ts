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

  it('fails a header that names a column twice, also when only the case differs', async () => {
    const e = await failure({ path: write('dupe.csv', 'a,b,a\n1,2,3\n') });
    expect(e.message).toMatch(/dupe\.csv, line 1, column 5: the header names column "a" twice \(fields 1 and 3\)$/);
    expect(e.details).toMatchObject({ line: 1, columnNumber: 5, column: 'a' });
    // DuckDB compares names ignoring ASCII case and would call the second one "name_1"
    const c = await failure({ path: write('dupe-case.csv', 'id,Name,"name"\n1,2,3\n') });
    expect(c.message).toMatch(/dupe-case\.csv, line 1, column 9: the header names column "Name" and "name" .* twice \(fields 2 and 3\)/);
  });

  // Header bytes that are not UTF-8: DuckDB used to drop the header line silently and name the
  // columns after the first data row.
  it('fails a header with an invalid UTF-8 byte at its line and column', async () => {
    const p = join(ctx.tmpDir, 'latin1.csv');
    writeFileSync(p, Buffer.concat([Buffer.from('id,caf'), Buffer.from([0xe9]), Buffer.from(',n\n1,2,3\n4,5,6\n')]));
    const e = await failure({ path: p });
    expect(e.message).toMatch(/latin1\.csv, line 1, column 7: the header is not valid UTF-8 \(byte 0xE9 at byte 7 of the file\)/);
    expect(e.details).toMatchObject({ file: p, line: 1, columnNumber: 7 });
    // after a BOM and multi-byte characters, the column counts characters, not bytes
    const q = join(ctx.tmpDir, 'bom-bad.csv');
    writeFileSync(q, Buffer.concat([Buffer.from('\ufeffé,"ü'), Buffer.from([0xc3, 0x28]), Buffer.from('"\n1,2\n')]));
    expect((await failure({ path: q })).message).toMatch(/bom-bad\.csv, line 1, column 5: the header is not valid UTF-8 \(byte 0xC3 at byte 10 /);
  });

  it('fails an empty header name instead of calling it column1', async () => {
    const e = await failure({ path: write('noname.csv', 'a,,c\n1,2,3\n') });
    expect(e.message).toMatch(/noname\.csv, line 1, column 3: header field 2 is empty: every column needs a name$/);
    expect(e.details).toMatchObject({ line: 1, columnNumber: 3 });
    expect((await failure({ path: write('trailing.csv', 'a;b;\n1;2;3\n') })).message).toMatch(/trailing\.csv, line 1, column 5: header field 3 is empty/);
    expect((await failure({ path: write('blank.csv', 'a,"  "\n1,2\n') })).message).toMatch(/blank\.csv, line 1, column 3: header field 2 is empty/);
  });

  it('fails a header line over 1 MiB at once, located, not as a false duplicate', async () => {
    const names = Array.from({ length: 160_000 }, (_, i) => `col${i}`);
    const p = write('wide.csv', `${names.join(',')}\n${names.map((_, i) => i).join(',')}\n`);
    const e = await failure({ path: p });
    expect(e.message).toMatch(/wide\.csv, line 1, column 1048577: the header line is longer than 1 MiB/);
  });

  it('checks a long header for repeated names in linear time', async () => {
    // 100,000 distinct names (under 1 MiB), then a repeat: the old check was quadratic.
    const names = Array.from({ length: 100_000 }, (_, i) => `c${i}`);
    const p = write('long-dupe.csv', `${names.join(',')},c5\n`);
    const t0 = performance.now();
    const e = await failure({ path: p });
    // generous for a loaded machine: the quadratic check took minutes here (bench/csv.bench.ts times it)
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(e.message).toMatch(/long-dupe\.csv, line 1, column \d+: the header names column "c5" twice \(fields 6 and 100001\)/);
  });

  it('fails broken quoting in the header at its column', async () => {
    expect((await failure({ path: write('hq1.csv', 'a,"b\nc",d\n1,2,3\n') })).message).toMatch(/hq1\.csv, line 1, column 5: header field 2 holds a line break/);
    expect((await failure({ path: write('hq0.csv', 'a,"b\n1,2\n') })).message).toMatch(/hq0\.csv, line 1, column 3: header field 2 opens a quote that is never closed/);
    expect((await failure({ path: write('cr.csv', 'a,b\r1,2\r') })).message).toMatch(/cr\.csv, line 1, column 4: header field 2 holds a line break/);
    expect((await failure({ path: write('hq2.csv', 'a,"b"x,c\n1,2,3\n') })).message).toMatch(/hq2\.csv, line 1, column 6: header field 2 has text after its closing quote/);
    expect((await failure({ path: write('hq3.csv', 'a,b"c\n1,2\n') })).message).toMatch(/hq3\.csv, line 1, column 4: header field 2 has a quote inside an unquoted name/);
  });

  it('reads quoted header names, a BOM and CRLF line ends as written', async () => {
    const p = write('quoted-head.csv', '\ufeff"x, y","say ""hi""",Ünï\r\n1,2,3\r\n4,5,6\r\n');
    const t = await outputArtifact((await runNode(csv, ctx, {}, { path: p })).table, ctx);
    expect((t.meta.columns as { name: string }[]).map((c) => c.name)).toEqual(['x, y', 'say "hi"', 'Ünï']);
    expect(t.meta.rows).toBe(2);
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

  it('reads, and locates a bad row, many read buffers deep; a line over 2 MiB still fails', async () => {
    // 12 MB: three of DuckDB's 4 MiB read buffers (csv-reader.ts), so rows cross buffer edges.
    const rows = 300_000;
    const body = Array.from({ length: rows }, (_, i) => `${i},${(i * 0.37).toFixed(4)},${(i % 997) * 1.5},label-${i % 7}`);
    const good = write('deep.csv', `i,x,y,s\n${body.join('\n')}\n`);
    const t = await outputArtifact((await runNode(csv, ctx, {}, { path: good })).table, ctx);
    expect(t.meta.rows).toBe(rows);
    const [sum] = await ctx.data.query('SELECT sum(i) AS si, count(DISTINCT s) AS ns, max(x) AS mx FROM t', { t });
    expect(sum).toEqual({ si: (rows * (rows - 1)) / 2, ns: 7, mx: Number(((rows - 1) * 0.37).toFixed(4)) });
    const ragged = [...body];
    ragged[250_000] = '250000,1.5';
    const e = await failure({ path: write('deep-ragged.csv', `i,x,y,s\n${ragged.join('\n')}\n`) });
    expect(e.message).toMatch(/deep-ragged\.csv, line 250002: ragged row: expected 4 fields, found 2: 250000,1\.5/);
    const badValue = [...body];
    badValue[280_000] = '280000,oops,1,a';
    expect((await failure({ path: write('deep-value.csv', `i,x,y,s\n${badValue.join('\n')}\n`) })).details).toMatchObject({ line: 280002, column: 'x' });
    const long = write('long-line.csv', `a,b\n1,${'x'.repeat(3 << 20)}\n2,y\n`);
    expect((await failure({ path: long })).message).toMatch(/long-line\.csv/);
  });

  it('reads a header-only file as a table with no rows', async () => {
    const t = await outputArtifact((await runNode(csv, ctx, {}, { path: write('head.csv', 'a,b\n') })).table, ctx);
    expect(t.meta.rows).toBe(0);
  });
});
