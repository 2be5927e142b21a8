/**
 * The Runs page's reads (issue 14): every run as one compact table, 2–10 runs compared, a
 * pipeline's versions with the runs that used them, and what each retention policy would free.
 * Like history.ts, set-wide queries only: never one query per run.
 */
import { statSync, existsSync } from 'node:fs';
import { asMetricsDoc } from '../../shared/artifacts';
import type { CompareResult, GcOverview, RunsTable, VersionInfo } from '../../shared/history';
import type { RunStatus } from '../../shared/run';
import { registry } from '../../nodes/registry';
import { diffRuns, findRun, HistoryNotFound, planGc } from './history';
import type { PipelineVersionRow, ProjectStore } from './project-store';
import { parseJson } from './rows';

/** The node types whose scalars sum up a run (evaluate.*): the same rule as ProjectStore.headlineMetrics. */
function headlineTypes(): string[] {
  // registry.list(), not catalog(): the catalogue converts every type's params to JSON Schema (15 ms).
  return registry.list().filter((d) => d.headlineMetrics).map((d) => d.type);
}

/** Which column of `runs` records how a run was started, once the trigger queue (migration 0007) adds it. */
function triggerColumn(store: ProjectStore): string | null {
  const cols = store.db.prepare('PRAGMA table_info(runs)').all() as { name: string }[];
  return cols.find((c) => c.name === 'trigger' || c.name === 'trigger_kind')?.name ?? null;
}

/**
 * Every run (or the newest `limit`: the page's first paint), newest first, in a fixed number of
 * queries whatever the count. What makes 10,000 runs cheap: names and version hashes are looked up
 * once per pipeline and version (not joined onto every run), equal params texts are parsed once,
 * and the scalars come one row per execution with a column per metric (SQLite pivots them), not
 * one row per value.
 */
export function runsTable(store: ProjectStore, limit?: number): RunsTable {
  const db = store.db;
  const trig = triggerColumn(store);
  const rows = db
    .prepare(`SELECT id, status, pipeline_id, pipeline_version_id, started_at, duration_ms, params${trig ? `, "${trig}"` : ''} FROM runs ORDER BY id DESC LIMIT ?`)
    .raw()
    .all(limit ?? -1) as [number, RunStatus, number, number | null, string, number | null, string, unknown?][];
  const all = limit === undefined || rows.length < limit ? rows.length : (db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
  // Only the listed runs' scalars (ids are newest first: the last is the smallest).
  const from = rows.length ? rows[rows.length - 1][0] : 0;
  const names = new Map((db.prepare('SELECT id, name FROM pipelines').raw().all() as [number, string][]).map(([id, name]) => [id, name]));
  const hashes = new Map(
    (db.prepare('SELECT id, substr(hash, 1, 8) FROM pipeline_versions WHERE id IN (SELECT DISTINCT pipeline_version_id FROM runs WHERE id >= ?)').raw().all(from) as [number, string][]).map(([id, h]) => [id, h]),
  );
  const n = rows.length;
  const t: RunsTable = {
    total: n,
    all,
    id: new Array<number>(n),
    status: new Array<RunStatus>(n),
    pipeline: new Array<string>(n),
    version: new Array<string>(n),
    versionId: new Array<number | null>(n),
    trigger: new Array<string>(n),
    startedAt: new Array<string>(n),
    durationMs: new Array<number | null>(n),
    metrics: {},
    params: {},
    metricKeys: [],
    paramKeys: [],
  };
  const index = new Map<number, number>();
  const parsed = new Map<string, [string, unknown][]>();
  for (let i = 0; i < n; i++) {
    const [id, status, pid, vid, started, duration, params, trigger] = rows[i];
    index.set(id, i);
    t.id[i] = id;
    t.status[i] = status;
    t.pipeline[i] = names.get(pid) ?? '';
    t.version[i] = vid === null ? '' : (hashes.get(vid) ?? '');
    t.versionId[i] = vid;
    t.trigger[i] = typeof trigger === 'string' && trigger ? trigger : 'manual';
    t.startedAt[i] = started;
    t.durationMs[i] = duration;
    if (params === '{}') continue;
    let entries = parsed.get(params);
    if (!entries) parsed.set(params, (entries = Object.entries(parseJson(params))));
    for (const [k, v] of entries) (t.params[k] ??= new Array<unknown>(n).fill(null))[i] = v;
  }
  const types = headlineTypes();
  const marks = types.map(() => '?').join(', ') || "''";
  const metricKeys = new Set<string>();
  // `where` picks the executions whose scalars are shown; `args` are its parameters.
  const put = (where: string, args: unknown[]): void => {
    const scalars = `node_executions e JOIN metrics m ON m.execution_id = e.id WHERE m.step IS NULL AND e.run_id >= ? AND ${where}`;
    const keys = (db.prepare(`SELECT DISTINCT m.key FROM ${scalars}`).pluck().all(from, ...args) as string[]).sort();
    if (!keys.length) return;
    // One row per execution, in execution order (a later node wins a name clash), one column per key.
    const cols = keys.map(() => 'max(CASE m.key WHEN ? THEN m.value END)').join(', ');
    const found = db.prepare(`SELECT e.run_id, ${cols} FROM ${scalars} GROUP BY e.id ORDER BY e.id`).raw().all(...keys, from, ...args) as (number | null)[][];
    const columns = keys.map((k) => (t.metrics[k] ??= new Array<number | null>(n).fill(null)));
    const seen = keys.map(() => false);
    for (const row of found) {
      const i = index.get(row[0] as number);
      if (i === undefined) continue;
      for (let k = 0; k < keys.length; k++) {
        const v = row[k + 1];
        if (v === null) continue;
        columns[k][i] = v;
        seen[k] = true;
      }
    }
    keys.forEach((k, j) => seen[j] && metricKeys.add(k));
  };
  put(`e.type IN (${marks})`, types);
  // Runs without an evaluate node show every node's scalars.
  put(`e.run_id NOT IN (SELECT run_id FROM node_executions WHERE type IN (${marks}) AND run_id >= ?)`, [...types, from]);
  for (const k of Object.keys(t.metrics)) if (!metricKeys.has(k)) delete t.metrics[k];
  t.metricKeys = [...metricKeys].sort();
  t.paramKeys = Object.keys(t.params).sort();
  return t;
}

export const COMPARE_MAX = 10;
const CURVE_POINTS = 1000;

/** Every `stride`-th point so at most `max` are drawn, always with the last one. */
function thin(points: [number, number][], max = CURVE_POINTS): [number, number][] {
  if (points.length <= max) return points;
  const stride = Math.ceil(points.length / max);
  const out = points.filter((_, i) => i % stride === 0);
  if (out[out.length - 1] !== points[points.length - 1]) out.push(points[points.length - 1]);
  return out;
}

/**
 * 2–10 runs side by side: the params that differ, every scalar metric per run, each run's diff
 * against the first, the training curves (a cached node's are those of the execution it reused)
 * and the confusion matrices of the evaluate nodes.
 */
export function compareRuns(store: ProjectStore, ids: string[]): CompareResult {
  if (ids.length < 2 || ids.length > COMPARE_MAX) throw new HistoryNotFound(`compare takes 2 to ${COMPARE_MAX} runs, not ${ids.length}`);
  const runs = ids.map((id) => findRun(store, id));
  const db = store.db;
  const n = runs.length;
  const stVersion = db.prepare('SELECT hash, text FROM pipeline_versions WHERE id = ?');
  const texts: (string | null)[] = [];
  const out: CompareResult = { runs: [], params: {}, metrics: {}, diffs: [], curves: {}, confusion: {}, texts };
  for (const r of runs) {
    const v = r.pipelineVersionId === null ? undefined : (stVersion.get(r.pipelineVersionId) as { hash: string; text: string } | undefined);
    texts.push(v?.text ?? null);
    out.runs.push({ id: String(r.id), status: r.status, pipeline: r.pipeline, version: v ? v.hash.slice(0, 8) : '', startedAt: r.startedAt, durationMs: r.durationMs });
  }
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  for (const k of keys) {
    const vals = runs.map((r) => (k in r.params ? r.params[k] : null));
    const first = JSON.stringify(vals[0]);
    if (vals.some((v) => JSON.stringify(v) !== first)) out.params[k] = vals;
  }

  const stExecs = db.prepare('SELECT id, node_id, type, cached, reused_from FROM node_executions WHERE run_id = ? ORDER BY id');
  const stScalars = db.prepare('SELECT key, value FROM metrics WHERE execution_id = ? AND step IS NULL ORDER BY rowid');
  const stSeries = db.prepare('SELECT key, step, value FROM metrics WHERE execution_id = ? AND step IS NOT NULL ORDER BY key, step');
  const stMetricsOut = db.prepare("SELECT a.hash FROM execution_outputs o JOIN artifacts a ON a.hash = o.artifact_hash WHERE o.execution_id = ? AND a.kind = 'metrics'");
  runs.forEach((r, i) => {
    for (const e of stExecs.all(r.id) as { id: number; node_id: string; type: string; cached: number; reused_from: number | null }[]) {
      for (const m of stScalars.all(e.id) as { key: string; value: number | null }[]) {
        const k = `${e.node_id}.${m.key}`;
        (out.metrics[k] ??= Array<number | null>(n).fill(null))[i] = m.value;
      }
      const source = e.cached === 1 && e.reused_from !== null ? e.reused_from : e.id;
      const series = new Map<string, [number, number][]>();
      for (const p of stSeries.iterate(source) as Iterable<{ key: string; step: number; value: number | null }>) {
        if (p.value === null) continue;
        let s = series.get(p.key);
        if (!s) series.set(p.key, (s = []));
        s.push([p.step, p.value]);
      }
      for (const [key, pts] of series) {
        const perNode = (out.curves[e.node_id] ??= {});
        (perNode[key] ??= Array.from({ length: n }, () => []))[i] = thin(pts);
      }
      if (registry.get(e.type)?.headlineMetrics) {
        const h = stMetricsOut.get(e.id) as { hash: string } | undefined;
        const doc = h ? asMetricsDoc(safeJson(store, h.hash)) : null;
        const cm = doc?.matrices?.confusion;
        if (cm) (out.confusion[e.node_id] ??= Array(n).fill(null))[i] = { labels: cm.labels.map(String), values: cm.values };
      }
    }
  });
  out.diffs = runs.map((r) => diffRuns(store, String(runs[0].id), String(r.id)));
  return out;
}

function safeJson(store: ProjectStore, hash: string): unknown {
  try {
    return store.artifactJson(hash);
  } catch {
    return null;
  }
}

/** A pipeline's versions, newest first, each with the runs that used it. */
export function pipelineVersions(store: ProjectStore, pipeline: string): VersionInfo[] {
  const pid = store.db.prepare('SELECT id FROM pipelines WHERE name = ?').get(pipeline) as { id: number } | undefined;
  if (!pid) throw new HistoryNotFound(`pipeline ${pipeline} does not exist in ${store.path}`);
  const versions = store.db.prepare('SELECT id, hash, created_at FROM pipeline_versions WHERE pipeline_id = ? ORDER BY id DESC').all(pid.id) as {
    id: number;
    hash: string;
    created_at: string;
  }[];
  const runs = new Map<number, string[]>();
  for (const r of store.db.prepare('SELECT id, pipeline_version_id AS v FROM runs WHERE pipeline_id = ? AND pipeline_version_id IS NOT NULL ORDER BY id DESC').iterate(pid.id) as Iterable<{
    id: number;
    v: number;
  }>) {
    const list = runs.get(r.v) ?? [];
    if (list.length < 20) list.push(String(r.id));
    runs.set(r.v, list);
  }
  return versions.map((v) => ({ id: String(v.id), hash: v.hash, createdAt: v.created_at, runs: runs.get(v.id) ?? [] }));
}

/** One stored version by id. */
export function pipelineVersion(store: ProjectStore, id: string): { id: string; pipeline: string; hash: string; createdAt: string; text: string } {
  const n = /^\d{1,15}$/.test(id) ? Number(id) : NaN;
  const v = Number.isSafeInteger(n)
    ? (store.db
        .prepare('SELECT v.id, p.name AS pipeline, v.hash, v.created_at AS createdAt, v.text FROM pipeline_versions v JOIN pipelines p ON p.id = v.pipeline_id WHERE v.id = ?')
        .get(n) as { id: number; pipeline: string; hash: string; createdAt: string; text: string } | undefined)
    : undefined;
  if (!v) throw new HistoryNotFound(`pipeline version ${id} does not exist in ${store.path}`);
  return { ...v, id: String(v.id) };
}

export const PIPELINE_NAME = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Renames a pipeline with all its versions and runs (the next save, under the new name, files
 * there). Refuses a bad or taken name, or a pipeline that does not exist, changing nothing.
 */
export function renamePipeline(store: ProjectStore, from: string, to: string): void {
  if (!PIPELINE_NAME.test(to) || to.length > 200) throw new HistoryNotFound(`${to}: a pipeline name is lowercase letters, digits and dashes, starting with a letter or digit`);
  store.transaction(() => {
    const taken = store.db.prepare('SELECT 1 FROM pipelines WHERE name = ?').get(to);
    if (taken) throw new HistoryNotFound(`the project already has a pipeline "${to}"`);
    const r = store.db.prepare('UPDATE pipelines SET name = ? WHERE name = ?').run(to, from);
    if (r.changes !== 1) throw new HistoryNotFound(`pipeline ${from} does not exist in ${store.path}`);
    store.db.prepare('UPDATE project_meta SET key = ? WHERE key = ?').run(`current:${to}`, `current:${from}`);
  });
}

export const GC_POLICIES: readonly (number | null)[] = [null, 10, 5, 3, 1];

/** What each retention policy would delete and free, without deleting anything. */
export function gcOverview(store: ProjectStore, policies: readonly (number | null)[] = GC_POLICIES): GcOverview {
  let running: GcOverview['running'] = [];
  const plans = policies.map((keepLast) => {
    const { hashes: _h, running: r, ...plan } = planGc(store, keepLast ?? undefined);
    running = r;
    return { keepLast, ...plan };
  });
  const fileBytes = [store.path, `${store.path}-wal`].reduce((s, f) => s + (existsSync(f) ? statSync(f).size : 0), 0);
  return { policies: plans, running, fileBytes };
}


/** VACUUM and truncate the WAL after gc; null when done, else why not (another connection reading). */
export function compactProject(store: ProjectStore): string | null {
  try {
    store.db.exec('VACUUM');
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * The version a pipeline is "at". Normally its newest; saving a text an older version already has
 * (restoring it) makes that older version current until a newer version is stored. Kept as
 * `current:<pipeline>` in project_meta with the newest id it was set against.
 */
export function currentVersion(store: ProjectStore, pipeline?: string): PipelineVersionRow | null {
  const latest = store.latestPipelineVersion(pipeline);
  if (!latest) return null;
  const mark = store.getMeta(`current:${latest.pipeline}`);
  if (!mark) return latest;
  try {
    const m = JSON.parse(mark) as { version?: unknown; newest?: unknown };
    if (m.newest !== latest.id || typeof m.version !== 'number' || m.version === latest.id) return latest;
    const v = pipelineVersion(store, String(m.version));
    return { id: Number(v.id), pipeline: v.pipeline, hash: v.hash, text: v.text, createdAt: v.createdAt };
  } catch {
    return latest;
  }
}

/** After a save: a text stored before becomes the pipeline's current version (see currentVersion). */
export function markSaved(store: ProjectStore, saved: { version: PipelineVersionRow; created: boolean }): void {
  const key = `current:${saved.version.pipeline}`;
  const latest = store.latestPipelineVersion(saved.version.pipeline);
  if (saved.created || !latest || latest.id === saved.version.id) {
    if (store.getMeta(key) !== null) store.db.prepare('DELETE FROM project_meta WHERE key = ?').run(key);
    return;
  }
  store.setMeta(key, JSON.stringify({ version: saved.version.id, newest: latest.id }));
}

/** Registered model versions, newest first (at most 500): where the Lineage view starts from a model. */
export function modelVersions(store: ProjectStore): { name: string; version: number; run: string | null; node: string | null; createdAt: string }[] {
  const rows = store.db
    .prepare(
      `SELECT m.name, v.version, v.run_id, v.node_id, v.created_at FROM model_versions v JOIN registered_models m ON m.id = v.model_id
       ORDER BY v.created_at DESC, v.id DESC LIMIT 500`,
    )
    .all() as { name: string; version: number; run_id: number | null; node_id: string | null; created_at: string }[];
  return rows.map((r) => ({ name: r.name, version: r.version, run: r.run_id === null ? null : String(r.run_id), node: r.node_id, createdAt: r.created_at }));
}
