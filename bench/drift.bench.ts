/**
 * monitor.drift on 1,000,000 current × 1,000,000 reference rows × 50 columns (25 numeric, 25
 * categorical; Wasserstein and Jensen–Shannon, the defaults above 1,000 reference values),
 * beside scipy 1.10 computing the same statistics on the same data in the same run (its time
 * counts the statistics only, not reading the files). Target: < 10 s on 2 cores.
 *
 * Run: npm run bench -- drift
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataEngine } from '../main/data/duck-engine';
import drift from '../nodes/monitor/drift.node';
import type { ArtifactRef, RunContext } from '../nodes/types';
import { seededRandom } from '../shared/random';
import { pythonWithVersion } from '../test/helpers/python';

const ROWS = 1_000_000;
const NUMERIC = 25;
const CATEGORICAL = 25;

const SCIPY = `
import sys, time, numpy as np, pandas as pd
from scipy import stats
from scipy.spatial import distance
ref = pd.read_csv(sys.argv[1]); cur = pd.read_csv(sys.argv[2])
t = time.perf_counter(); c = time.process_time()
for col in ref.columns:
    a = ref[col].dropna(); b = cur[col].dropna()
    if col.startswith('n'):
        stats.wasserstein_distance(a, b) / max(np.std(a), 0.001)
    else:
        cats = sorted(set(a) | set(b)); ra = a.value_counts(); cb = b.value_counts()
        distance.jensenshannon([ra.get(k, 0) for k in cats], [cb.get(k, 0) for k in cats])
print(time.perf_counter() - t, time.process_time() - c)
`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-drift-'));
  const engine = await createDataEngine({ tmpDir: dir });
  try {
    const cols = (shift: number): string =>
      [
        ...Array.from({ length: NUMERIC }, (_, i) => `(random() + random() + random()) * ${i + 1} + ${shift * (i % 3)} AS n${i}`),
        ...Array.from({ length: CATEGORICAL }, (_, i) => `CAST(floor(random() * ${4 + (i % 8)} + ${shift} * random()) AS INTEGER)::VARCHAR || 'k' AS c${i}`),
      ].join(', ');
    const table = async (shift: number): Promise<ArtifactRef> => {
      await engine.query(`SELECT setseed(${shift === 0 ? 0.1 : 0.2})`);
      return { kind: 'table', path: await engine.writeTable(`SELECT ${cols(shift)} FROM range(${ROWS})`), hash: '', meta: {} };
    };
    const reference = await table(0);
    const current = await table(0.5);
    const ctx: RunContext = {
      nodeId: 'drift', signal: new AbortController().signal, progress: () => {}, log: () => {}, metric: () => {},
      random: seededRandom, tmpDir: dir, resolvePath: (p) => p, data: engine, compute: () => Promise.reject(new Error('no compute')),
    };
    console.log(`cores ${cpus().length}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    // CPU seconds of this process (DuckDB's threads included) say more than wall time on a shared machine.
    const cpu = (): number => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    };
    const t = performance.now();
    const c0 = cpu();
    const out = await drift.run!({ inputs: { reference, current }, params: drift.params.parse({}), ctx });
    const ms = performance.now() - t;
    const cpuS = cpu() - c0;
    const scalars = (out.metrics as { json: { scalars: Record<string, number> } }).json.scalars;
    console.log(`monitor.drift ${ROWS.toLocaleString('en')} x ${ROWS.toLocaleString('en')} rows x ${NUMERIC + CATEGORICAL} columns: ${(ms / 1000).toFixed(2)} s (target < 10 s), ${cpuS.toFixed(2)} CPU s; ${scalars.driftedColumns} columns drifted`);
    const py = pythonWithVersion('scipy', '1.10');
    if (!py) {
      console.log('scipy 1.10 not installed (python3-scipy): no comparison');
      return;
    }
    const csv = async (ref: ArtifactRef, name: string): Promise<string> => {
      const path = join(dir, name);
      await engine.query(`COPY (SELECT * FROM read_parquet(${engine.literal(ref.path)})) TO ${engine.literal(path)} (HEADER)`);
      return path;
    };
    const [a, b] = [await csv(reference, 'ref.csv'), await csv(current, 'cur.csv')];
    const [scipyS, scipyCpu] = execFileSync(py, ['-c', SCIPY, a, b], { encoding: 'utf8', timeout: 3_600_000 }).trim().split(/\s+/).map(Number);
    console.log(`scipy 1.10 (same statistics, files already read): ${scipyS.toFixed(2)} s, ${scipyCpu.toFixed(2)} CPU s; ratio scipy/pipewright ${(scipyS / (ms / 1000)).toFixed(2)}x wall, ${(scipyCpu / cpuS).toFixed(2)}x CPU`);
    console.log(`load average after ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
