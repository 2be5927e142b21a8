/**
 * The bench CSV: 1,000,000 rows × 21 numeric columns (c0 the row number, c1…c20 uniform in
 * [0, 1000) with four decimals, seeded), generated once into .bench/. Read by the csv and
 * predict benches.
 */
import { createWriteStream, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../shared/random';

export const ROWS = 1_000_000;
export const COLS = 21;
const dir = join(__dirname, '..', '.bench');
export const BENCH_CSV = join(dir, `numeric-${ROWS}x${COLS}.csv`);
const file = BENCH_CSV;

export async function generateBenchCsv(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.tmp`;
  const out = createWriteStream(tmp);
  const rand = seededRandom(1);
  out.write(`${Array.from({ length: COLS }, (_, j) => `c${j}`).join(',')}\n`);
  const batch = 10_000;
  for (let start = 0; start < ROWS; start += batch) {
    let text = '';
    for (let i = start; i < start + batch; i++) {
      const row: string[] = [];
      for (let j = 0; j < COLS; j++) row.push(j === 0 ? String(i) : (rand() * 1000).toFixed(4));
      text += `${row.join(',')}\n`;
    }
    if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  renameSync(tmp, file);
}
