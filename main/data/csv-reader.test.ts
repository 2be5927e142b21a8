import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsvToParquet } from './csv-reader';

const dir = mkdtempSync(join(tmpdir(), 'pw-csv-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readCsvToParquet', () => {
  it("bounds DuckDB memory only while it copies: the engine's limit is back after a read and after a refused file", async () => {
    const inst = await DuckDBInstance.create(':memory:', { threads: '2' });
    const c = await inst.connect();
    const limit = async (): Promise<string> => String((await c.runAndReadAll("SELECT current_setting('memory_limit') AS m")).getRowObjectsJS()[0].m);
    try {
      const before = await limit();
      const out = join(dir, 'penguins.parquet');
      await readCsvToParquet(c, join(__dirname, '../../../shared/data/penguins.csv'), { header: true, types: {} }, out);
      const rows = await c.runAndReadAll(`SELECT count(*) AS n FROM read_parquet('${out}')`);
      expect(Number(rows.getRowObjectsJS()[0].n)).toBe(344);
      expect(await limit()).toBe(before);
      await expect(readCsvToParquet(c, join(__dirname, '../../../shared/data/penguins.csv'), { header: true, types: { bill_length_mm: 'INTEGER' } }, join(dir, 'bad.parquet'))).rejects.toThrow(/penguins\.csv/);
      expect(await limit()).toBe(before);
    } finally {
      c.closeSync();
      inst.closeSync();
    }
  });
});
