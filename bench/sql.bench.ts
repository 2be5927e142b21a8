/**
 * data.sql on its locked instance (sql-sandbox.ts: a DuckDB instance per query that can read
 * only the inputs, the text bound into COPY (SELECT * FROM query($1)) TO the artifact) against
 * the engine's own trusted path (writeTable: COPY (query) TO file) on the same query: the price
 * of the sandbox, for a small table (instance start-up dominates) and a 1,000,000-row table.
 *
 * Run: npx tsx bench/sql.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataEngine } from '../main/data/duck-engine';
import type { ArtifactRef } from '../nodes/types';

async function median(n: number, f: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-sql-'));
  const engine = await createDataEngine({ tmpDir: dir });
  try {
    const table = async (sql: string): Promise<ArtifactRef> => ({ kind: 'table', path: await engine.writeTable(sql), hash: '', meta: {} });
    const cases = [
      { label: '150 rows', t: await table('SELECT range AS id, range * 0.5 AS x FROM range(150)'), query: 'SELECT *, x * 2 AS y FROM t WHERE id > 10', n: 9 },
      {
        label: '1,000,000 rows x 4 cols',
        t: await table("SELECT range AS id, range * 0.5 AS x, CAST(range % 13 AS VARCHAR) AS g FROM range(1000000)"),
        query: 'SELECT *, x * 2 AS y FROM t',
        n: 5,
      },
    ];
    console.log(`cores ${cpus().length}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    for (const c of cases) {
      const trusted = await median(c.n, () => engine.writeTable(c.query, { t: c.t }));
      const sandboxed = await median(c.n, () => engine.writeUserQuery(c.query, { t: c.t }));
      console.log(`data.sql ${c.label}: sandboxed ${sandboxed.toFixed(1)} ms, trusted COPY ${trusted.toFixed(1)} ms, ratio ${(sandboxed / trusted).toFixed(2)}x`);
    }
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
