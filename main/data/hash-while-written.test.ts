import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_DIR, makeTestContext, type TestContext } from '../../test/helpers/node-context';
import { hashWhileWritten } from './hash-while-written';

const dir = mkdtempSync(join(tmpdir(), 'pw-hash-written-'));
const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');
const openFds = (): number => readdirSync('/proc/self/fd').length;
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hashWhileWritten', () => {
  it('hashes a file that grows over many turns of the event loop to the sha256 of its final bytes', async () => {
    const path = join(dir, 'grows.bin');
    let reads = 0;
    const { value, digest } = await hashWhileWritten(path, async () => {
      writeFileSync(path, '');
      for (let i = 0; i < 200; i++) {
        appendFileSync(path, Buffer.alloc(70_001, i));
        // Several turns: the reader catches up with the writer between appends.
        for (let t = 0; t < 3; t++) await turn();
        reads++;
      }
      return 'done';
    });
    expect(value).toBe('done');
    expect(reads).toBe(200);
    expect(digest?.hash).toBe(sha(path));
    expect(digest?.size).toBe(200n * 70_001n);
  });

  it('gives no digest when the file it read was replaced before the write ended', async () => {
    const path = join(dir, 'replaced.bin');
    const { digest } = await hashWhileWritten(path, async () => {
      writeFileSync(path, Buffer.alloc(1 << 20, 1));
      for (let t = 0; t < 5; t++) await turn();
      // A new file at the same path (what a failed fast read followed by the slow one does).
      writeFileSync(`${path}.new`, Buffer.alloc(1 << 20, 2));
      renameSync(`${path}.new`, path);
    });
    expect(digest).toBeNull();
  });

  it('gives no digest when the writer never created the file, and rejects as the write does without leaking a descriptor', async () => {
    expect((await hashWhileWritten(join(dir, 'never.bin'), async () => 1)).digest).toBeNull();
    const before = openFds();
    const path = join(dir, 'fails.bin');
    await expect(
      hashWhileWritten(path, async () => {
        writeFileSync(path, Buffer.alloc(3 << 20, 7));
        for (let t = 0; t < 5; t++) await turn();
        throw new Error('COPY failed: disk full');
      }),
    ).rejects.toThrow('COPY failed: disk full');
    expect(openFds()).toBe(before);
  });
});

describe("the data engine's digests of what it wrote", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await makeTestContext();
  });
  afterAll(() => ctx.cleanup());

  it('equal the sha256 of every table it writes: CSVs of numbers and of mixed columns, columns, query results', async () => {
    // 8 row groups of numbers across several of DuckDB's read buffers, written while hashed.
    const numbers = join(dir, 'numbers.csv');
    writeFileSync(numbers, `i,x,y\n${Array.from({ length: 240_000 }, (_, i) => `${i},${(i * 0.37).toFixed(4)},${i % 13}`).join('\n')}\n`);
    const paths = [
      await ctx.data.readCsv(numbers, { header: true, types: {} }),
      await ctx.data.readCsv(join(DATA_DIR, 'penguins.csv'), { header: true, types: {} }),
      await ctx.data.writeColumns([{ name: 'v', type: 'DOUBLE', numeric: true, values: new Float64Array(100_000).map((_, i) => i / 7) }]),
      await ctx.data.writeTable("SELECT range AS n, 'r' || range AS s FROM range(50000)"),
    ];
    for (const p of paths) {
      expect(ctx.data.writtenHash(p)).toBe(sha(p));
      // Given once: a second ask hashes the file again.
      expect(ctx.data.writtenHash(p)).toBeUndefined();
    }
  });

  it('are not given for a file changed after it was written, nor for a file it did not write', async () => {
    const grown = await ctx.data.writeTable('SELECT range AS n FROM range(1000)');
    appendFileSync(grown, 'x');
    expect(ctx.data.writtenHash(grown)).toBeUndefined();

    const replaced = await ctx.data.writeTable('SELECT range AS n FROM range(1000)');
    const other = await ctx.data.writeTable('SELECT range + 1 AS n FROM range(1000)');
    renameSync(other, replaced);
    expect(ctx.data.writtenHash(replaced)).toBeUndefined();

    const foreign = join(dir, 'foreign.parquet');
    writeFileSync(foreign, 'PAR1');
    expect(ctx.data.writtenHash(foreign)).toBeUndefined();
  });

  it('leave no file behind for a refused CSV', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, `a,b\n${Array.from({ length: 30_000 }, (_, i) => `${i},${i / 4}`).join('\n')}\n1,2,3\n`);
    const files = (): string[] => readdirSync(ctx.tmpDir).filter((f) => f.endsWith('.parquet'));
    const before = files();
    await expect(ctx.data.readCsv(bad, { header: true, types: {} })).rejects.toThrow(/bad\.csv, line 30002: ragged row/);
    expect(files()).toEqual(before);
  });
});
