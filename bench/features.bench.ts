/**
 * The feature store at scale (issue 12): the point-in-time join of 1,000,000 label rows against
 * 10,000,000 feature rows of 100,000 entities (seeded generator below: every entity has 100 rows
 * with a created time; 10% of the labels' entities have no rows), in a child process so its peak
 * RSS is its own, beside pandas `merge_asof` on the same data in the same run (both times exclude
 * reading the files into memory for pandas; ours includes reading Parquet and writing the result).
 * Then the online store: materialising the view, and `/get-online-features` for 100 entities (p99).
 * Targets: join < 30 s and < 4 GB; lookup p99 < 5 ms.
 *
 * Run: npm run bench -- features        (FEATURES_BENCH_SCALE=0.1 for a tenth of the rows)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataEngine } from '../main/data/duck-engine';
import { openProject } from '../main/store/project-store';
import { materializeView } from '../main/features/materialize';
import { getOnlineFeatures } from '../main/features/online';
import { recordView } from '../main/features/store';
import { readView } from '../nodes/features/feature-view';
import type { ArtifactRef } from '../nodes/types';

const scale = Number(process.env.FEATURES_BENCH_SCALE ?? '1');
const ENTITIES = Math.round(100_000 * scale);
const PER_ENTITY = 100;
const LABELS = Math.round(1_000_000 * scale);
const BASE = 1_704_067_200; // 2024-01-01
const STEP = 315_360; // 3.65 days: 100 rows an entity span a year

const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');
const mb = (kb: number): string => `${(kb / 1024).toFixed(0)} MB`;

function pythonWithPandas(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(py, ['-c', 'import pandas'], { stdio: 'ignore', timeout: 120_000 });
      return py;
    } catch {
      // next
    }
  }
  return null;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-features-'));
  const engine = await createDataEngine({ tmpDir: dir });
  try {
    console.log(`cores ${cpus().length}, load average ${load()}; ${LABELS} label rows x ${ENTITIES * PER_ENTITY} feature rows (${ENTITIES} entities)`);
    const t0 = performance.now();
    // Seeded: DuckDB's hash() of the row number is the same on every machine and run.
    const featureSql = `SELECT i % ${ENTITIES} AS driver,
        make_timestamp((${BASE} + (i // ${ENTITIES}) * ${STEP} + CAST(hash(i, 1) % 300000 AS BIGINT)) * 1000000) AS ts,
        make_timestamp((${BASE} + (i // ${ENTITIES}) * ${STEP} + CAST(hash(i, 1) % 300000 AS BIGINT) + CAST(hash(i, 2) % 600 AS BIGINT)) * 1000000) AS created,
        (CAST(hash(i, 3) % 1000000 AS BIGINT)) / 1000.0 AS speed, CAST(CAST(hash(i, 4) % 50 AS BIGINT) AS INTEGER) AS trips, (CAST(hash(i, 5) % 10000 AS BIGINT)) / 100.0 AS rating
      FROM range(${ENTITIES * PER_ENTITY}) r(i)`;
    const labelSql = `SELECT CAST(hash(j, 7) % ${Math.round(ENTITIES * 1.1)} AS BIGINT) AS driver,
        make_timestamp((${BASE} + CAST(hash(j, 8) % ${PER_ENTITY * STEP} AS BIGINT)) * 1000000) AS label_time, hash(j, 9) % 2 = 0 AS label
      FROM range(${LABELS}) r(j)`;
    const features: ArtifactRef = { kind: 'table', path: await engine.writeTable(featureSql), hash: '', meta: {} };
    const labels: ArtifactRef = { kind: 'table', path: await engine.writeTable(labelSql), hash: '', meta: {} };
    console.log(`generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // features.view (validation: duplicates, time parse, stats) and features.join, each in a child process
    const child = (step: string, args: string[]): { ms: number; maxRssKb: number; out: Record<string, unknown> } => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', join('bench', 'features-child.ts'), step, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (r.status !== 0) throw new Error(`${step} failed: ${r.stderr}`);
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; maxRssKb: number; out: Record<string, unknown> };
    };
    const view = child('view', [features.path, join(dir, 'view')]);
    console.log(`features.view (validate ${ENTITIES * PER_ENTITY} rows, write the view): ${(view.ms / 1000).toFixed(1)} s, peak RSS ${mb(view.maxRssKb)}`);
    const viewPath = String(view.out.path);
    const joined = child('join', [labels.path, viewPath, join(dir, 'join')]);
    console.log(`features.join (point-in-time, TTL 30d, created-time tie-break): ${(joined.ms / 1000).toFixed(1)} s, peak RSS ${mb(joined.maxRssKb)}, ${String(joined.out.found)}; load average ${load()}`);

    const py = pythonWithPandas();
    if (py) {
      await engine.writeTable(`SELECT 1`); // keeps the engine warm; pandas reads CSV (no pyarrow on Debian's python3-pandas)
      const lcsv = join(dir, 'labels.csv');
      const vcsv = join(dir, 'view.csv');
      await engine.query(`COPY (SELECT driver, epoch_us(label_time) AS t, label FROM read_parquet(${engine.literal(labels.path)})) TO ${engine.literal(lcsv)} (HEADER)`);
      await engine.query(`COPY (SELECT driver, epoch_us(ts) AS t, epoch_us(created) AS c, speed, trips, rating FROM read_parquet(${engine.literal(viewPath)})) TO ${engine.literal(vcsv)} (HEADER)`);
      const script = `
import json, resource, sys, time, pandas as pd
l = pd.read_csv(sys.argv[1]); v = pd.read_csv(sys.argv[2])
l['t'] = pd.to_datetime(l['t'], unit='us'); v['t'] = pd.to_datetime(v['t'], unit='us'); v['c'] = pd.to_datetime(v['c'], unit='us')
l['row'] = range(len(l))
t0 = time.perf_counter()
vs = v.sort_values(['t', 'c'], kind='mergesort')
ls = l.sort_values('t', kind='mergesort')
m = pd.merge_asof(ls, vs.drop(columns=['c']), on='t', by='driver', direction='backward', tolerance=pd.Timedelta(days=30))
m = m.sort_values('row')
ms = (time.perf_counter() - t0) * 1000
print(json.dumps({'ms': ms, 'maxRssKb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, 'found': int(m['speed'].notna().sum())}))
`;
      const r = spawnSync(py, ['-c', script, lcsv, vcsv], { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (r.status !== 0) console.log(`pandas failed: ${r.stderr.split('\n').slice(-3).join(' ')}`);
      else {
        const p = JSON.parse(r.stdout.trim()) as { ms: number; maxRssKb: number; found: number };
        console.log(`pandas merge_asof (sort, join, restore order; files already in memory): ${(p.ms / 1000).toFixed(1)} s, peak RSS ${mb(p.maxRssKb)} (incl. the loaded frames), ${p.found} rows found`);
        console.log(`ratio: pandas / pipewright ${(p.ms / joined.ms).toFixed(2)}x time, ${(p.maxRssKb / joined.maxRssKb).toFixed(2)}x peak RSS`);
      }
    } else console.log('pandas: not installed (apt-get install python3-pandas), no comparison');

    // the online store: materialise the view, then lookups of 100 entities
    const store = openProject(join(dir, 'bench.pwproj'), { create: true });
    try {
      const ref: ArtifactRef = { kind: 'table', path: viewPath, hash: '', meta: {} };
      const doc = (await readView(engine, ref))!;
      recordView(store, { definition: doc, artifactHash: null, runId: null, nodeId: null, rows: null, entities: null, eventTimeMin: null, eventTimeMax: null });
      let t = performance.now();
      const m = await materializeView(store, engine, ref, Date.UTC(2025, 0, 1), { runId: null, nodeId: null });
      console.log(`features.materialize: ${m.rowsRead} rows read, ${m.entitiesWritten} entities written in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      t = performance.now();
      const again = await materializeView(store, engine, ref, Date.UTC(2025, 0, 1), { runId: null, nodeId: null });
      console.log(`  again (incremental, nothing newer): ${again.rowsRead} rows read in ${(performance.now() - t).toFixed(0)} ms`);
      let seed = 12345;
      const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      const times: number[] = [];
      for (let i = 0; i < 1100; i++) {
        const ids = Array.from({ length: 100 }, () => Math.floor(rnd() * ENTITIES * 1.1));
        const s = performance.now();
        getOnlineFeatures(store, { features: ['driver_stats:speed', 'driver_stats:trips', 'driver_stats:rating'], entities: { driver: ids } }, Date.UTC(2025, 0, 1));
        if (i >= 100) times.push(performance.now() - s);
      }
      times.sort((a, b) => a - b);
      const q = (p: number): string => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(2);
      console.log(`online lookup, 100 entities x 3 features (${times.length} requests): p50 ${q(0.5)} ms, p99 ${q(0.99)} ms (target < 5 ms); load average ${load()}`);
    } finally {
      store.close();
    }
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
