import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsvLocatingErrors, readCsvToParquet } from './csv-reader';

const dir = mkdtempSync(join(tmpdir(), 'pw-csv-reader-'));
const penguins = join(__dirname, '../../../shared/data/penguins.csv');
const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('readCsvToParquet', () => {
  let inst: DuckDBInstance;
  let c: DuckDBConnection;
  beforeAll(async () => {
    inst = await DuckDBInstance.create(':memory:', { threads: '2' });
    c = await inst.connect();
  });
  afterAll(() => {
    c.closeSync();
    inst.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  it("bounds DuckDB memory only while it copies: the engine's limit is back after a read and after a refused file", async () => {
    const limit = async (): Promise<string> => String((await c.runAndReadAll("SELECT current_setting('memory_limit') AS m")).getRowObjectsJS()[0].m);
    const before = await limit();
    const out = join(dir, 'penguins.parquet');
    await readCsvToParquet(c, penguins, { header: true, types: {} }, out);
    const rows = await c.runAndReadAll(`SELECT count(*) AS n FROM read_parquet('${out}')`);
    expect(Number(rows.getRowObjectsJS()[0].n)).toBe(344);
    expect(await limit()).toBe(before);
    await expect(readCsvToParquet(c, penguins, { header: true, types: { bill_length_mm: 'INTEGER' } }, join(dir, 'bad.parquet'))).rejects.toThrow(/penguins\.csv/);
    expect(await limit()).toBe(before);
  });

  it('writes the same bytes as the locating read (rejects stored) for good files, across read buffers', async () => {
    // 12 MB of mixed columns: three of DuckDB's 4 MiB read buffers, several row groups.
    const body = Array.from({ length: 300_000 }, (_, i) => `${i},${(i * 0.37).toFixed(4)},label-${i % 7},${i % 3 === 0 ? '' : i % 11}`);
    const big = join(dir, 'big.csv');
    writeFileSync(big, `i,x,s,n\n${body.join('\n')}\n`);
    // numbers only (nulls and booleans too): the fast read takes the sniffed types and does not sniff again
    const numbers = join(dir, 'big-numbers.csv');
    writeFileSync(numbers, `i,x,n,b\n${Array.from({ length: 300_000 }, (_, i) => `${i},${(i * 0.37).toFixed(4)},${i % 3 === 0 ? '' : i % 11},${i % 2 === 0}`).join('\n')}\n`);
    const cases: [string, Record<string, string>][] = [[penguins, {}], [big, {}], [big, { n: 'DOUBLE', i: 'VARCHAR' }], [numbers, {}], [numbers, { i: 'DOUBLE', n: 'INTEGER' }]];
    for (const [file, types] of cases) {
      const fast = join(dir, 'fast.parquet');
      const slow = join(dir, 'slow.parquet');
      await readCsvToParquet(c, file, { header: true, types }, fast);
      await readCsvLocatingErrors(c, file, { header: true, types }, slow);
      expect(sha(fast)).toBe(sha(slow));
      rmSync(fast);
      rmSync(slow);
    }
  });

  it('writes an all-number table plain and uncompressed, a table with text compressed (parquet-options.ts)', async () => {
    const codecs = async (file: string): Promise<string[]> =>
      (await c.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${file}') ORDER BY 1`)).getRowObjectsJS().map((r) => String(r.compression));
    const numbers = join(dir, 'numbers.csv');
    writeFileSync(numbers, `a,b,c\n${Array.from({ length: 1000 }, (_, i) => `${i},${i / 7},${i % 2 === 0}`).join('\n')}\n`);
    const out = join(dir, 'numbers.parquet');
    await readCsvToParquet(c, numbers, { header: true, types: {} }, out);
    expect(await codecs(out)).toEqual(['UNCOMPRESSED']);
    const [sums] = (await c.runAndReadAll(`SELECT sum(a)::BIGINT AS a, count(*) FILTER (WHERE c) AS t FROM read_parquet('${out}')`)).getRowObjectsJS();
    expect(sums).toEqual({ a: 499500n, t: 500n });
    // one column declared text: the whole table is compressed
    const mixed = join(dir, 'mixed.parquet');
    await readCsvToParquet(c, numbers, { header: true, types: { b: 'VARCHAR' } }, mixed);
    expect(await codecs(mixed)).toEqual(['SNAPPY']);
    const withText = join(dir, 'penguins-codec.parquet');
    await readCsvToParquet(c, penguins, { header: true, types: {} }, withText);
    expect(await codecs(withText)).toEqual(['SNAPPY']);
  });

  it('leaves no Parquet file behind when it refuses a file, and still names the line and column', async () => {
    const cases: [string, string, RegExp][] = [
      ['ragged.csv', 'a,b\n1,2\n3\n4,5\n', /ragged\.csv, line 3: ragged row: expected 2 fields, found 1/],
      ['text.csv', `a,b\n${Array.from({ length: 30_000 }, (_, i) => `${i},${i}`).join('\n')}\n30000,x\n`, /text\.csv, line 30002: .*column "b".*"x"/],
      ['quote.csv', 'a,b\n1,2\n3,"4\n5,6\n', /quote\.csv, line 3: mis-quoted value/],
      // numbers only, the bad row past the sniffer's sample: the read without a second sniff is as strict
      ['late-ragged.csv', `a,b\n${Array.from({ length: 30_000 }, (_, i) => `${i},${i / 4}`).join('\n')}\n1,2,3\n`, /late-ragged\.csv, line 30002: ragged row: expected 2 fields, found 3/],
      ['late-text.csv', `a,b\n${Array.from({ length: 30_000 }, (_, i) => `${i},${i / 4}`).join('\n')}\n7,\n8,x\n`, /late-text\.csv, line 30003: .*column "b".*"x"/],
    ];
    for (const [name, text, message] of cases) {
      const file = join(dir, name);
      writeFileSync(file, text);
      const out = join(dir, `${name}.parquet`);
      await expect(readCsvToParquet(c, file, { header: true, types: {} }, out)).rejects.toThrow(message);
      expect(existsSync(out)).toBe(false);
    }
  });
});
