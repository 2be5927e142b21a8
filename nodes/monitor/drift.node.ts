import { metricsDoc } from '../artifacts';
import { DEFAULT_THRESHOLD, DRIFT_TESTS, type DriftColumn, type DriftDistribution, type DriftMethod, type DriftReport } from '../../shared/drift';
import { formatNumber } from '../../shared/format';
import { asNodeError, checkAborted, describeInput, input, isNumericType, nodeError, requireColumns } from '../features/common';
import { defineNode, type ArtifactRef, type ColumnInfo, type RunContext } from '../types';
import { chiSquare, jensenShannon, ks2samp, meanStd, psiFromCounts, psiNumeric, searchSorted, sortedFinite, wasserstein, zTest } from './stats';
import spec from './drift.params';

/** Fewer non-null values than this in either table: "not enough data", never a number. */
const MIN_VALUES = 2;
/** Evidently's sample-size switch: up to this many reference values, tests; above, distances. */
const SMALL_SAMPLE = 1000;
/** A numeric column with at most this many distinct values over both tables is categorical. */
const MAX_NUMERIC_CATEGORIES = 5;
const HISTOGRAM_BINS = 20;
const CHART_CATEGORIES = 30;
/** numeric columns read into memory at a time (each a Float64Array per table) */
const BATCH = 8;

const DATASET_METRICS = ['driftedShare', 'driftedColumns', 'datasetDrift'];

interface Counts {
  categories: string[];
  reference: number[];
  current: number[];
}

type Verdict = Pick<DriftColumn, 'method' | 'statistic' | 'pValue' | 'threshold' | 'drifted' | 'status' | 'reason'>;

export default defineNode({
  ...spec,
  title: 'Drift report',
  stage: 'monitor',
  description:
    "Compares each column of current with reference (Evidently's defaults: KS or z/chi-square tests up to 1,000 reference values, Wasserstein or Jensen–Shannon above) and reports which drifted.",
  inputs: [
    { name: 'reference', kind: 'table' },
    { name: 'current', kind: 'table' },
  ],
  outputs: [
    { name: 'report', kind: 'report' },
    { name: 'metrics', kind: 'metrics' },
  ],
  columnParams: ['columns'],
  headlineMetrics: true,
  metrics: { names: DATASET_METRICS, patterns: ['*.statistic', '*.pValue'] },
  schema: ({ inputs, params }) => {
    const ref = inputs.reference?.columns;
    const cur = new Set(inputs.current?.columns?.map((c) => c.name));
    const common = ref ? ref.filter((c) => cur.has(c.name)).map((c) => c.name) : [];
    const compared = params.columns ?? common;
    const metrics = [...DATASET_METRICS, ...compared.flatMap((c) => [`${c}.statistic`, `${c}.pValue`])];
    return { outputs: { report: {}, metrics: { metrics } }, choices: common.length ? { columns: common } : undefined };
  },
  async run({ inputs, params, ctx }) {
    const reference = input(ctx, inputs, 'reference');
    const current = input(ctx, inputs, 'current');
    const refInfo = await describeInput(ctx, reference, 'reference', false);
    const curInfo = await describeInput(ctx, current, 'current', false);
    const method = params.method === 'chi2' ? 'chisquare' : params.method;
    const columns = pickColumns(ctx, refInfo.columns, curInfo.columns, params.columns);

    const results = new Map<string, DriftColumn>();
    // An empty table (a window of logged requests with no traffic): every column says so.
    const empty = refInfo.rows === 0 ? 'the reference has' : curInfo.rows === 0 ? 'current has' : null;
    if (empty) {
      for (const [r, c] of columns) {
        const kind = isPlainNumber(r) && isPlainNumber(c) ? 'numeric' : 'categorical';
        results.set(r.name, { name: r.name, kind, referenceCount: 0, currentCount: 0, ...skipped('not_enough_data', `not enough data: ${empty} no rows`) });
      }
    }
    const live = empty ? [] : columns;
    const numeric = live.filter(([r, c]) => isPlainNumber(r) && isPlainNumber(c)).map(([r]) => r.name);
    const text = live.filter(([r, c]) => !(isPlainNumber(r) && isPlainNumber(c))).map(([r]) => r.name);
    let done = 0;
    const step = (): void => {
      checkAborted(ctx);
      ctx.progress(++done / columns.length, `${done}/${columns.length} columns`);
    };

    // DuckDB counts the categories and reads the next batch of numbers on its threads while this
    // one sorts and compares the batch it has: the two overlap rather than take turns.
    const counting = text.length ? Promise.all([countCategories(ctx, reference, text), countCategories(ctx, current, text)]) : null;
    counting?.catch(() => {}); // awaited below; a failure is reported there
    const read = (batch: string[]) => {
      const both = asNodeError(ctx, 'cannot read the tables', () => Promise.all([ctx.data.readColumns(reference, batch), ctx.data.readColumns(current, batch)]));
      both.catch(() => {}); // awaited in turn below
      return both;
    };
    let reading = numeric.length ? read(numeric.slice(0, BATCH)) : null;
    for (let i = 0; i < numeric.length; i += BATCH) {
      const batch = numeric.slice(i, i + BATCH);
      const [refCols, curCols] = await (reading as ReturnType<typeof read>);
      reading = i + BATCH < numeric.length ? read(numeric.slice(i + BATCH, i + 2 * BATCH)) : null;
      for (let j = 0; j < batch.length; j++) {
        const a = refCols[j].numeric ? sortedFinite(refCols[j].values as Float64Array) : new Float64Array(0);
        const b = curCols[j].numeric ? sortedFinite(curCols[j].values as Float64Array) : new Float64Array(0);
        results.set(batch[j], numericColumn(batch[j], a, b, method, params.threshold));
        step();
      }
    }
    if (counting) {
      const [refCounts, curCounts] = await counting;
      for (const name of text) {
        results.set(name, categoricalColumn(name, merge(refCounts.get(name), curCounts.get(name)), null, method, params.threshold));
        step();
      }
    }

    const ordered = columns.map(([r]) => results.get(r.name) as DriftColumn);
    const tested = ordered.filter((c) => c.status === 'ok');
    if (tested.length === 0) {
      const why = ordered.map((c) => `${c.name}: ${c.reason}`).join('; ');
      throw nodeError(ctx, `no column could be compared (${why})`);
    }
    const driftedColumns = tested.filter((c) => c.drifted).length;
    const driftedShare = driftedColumns / tested.length;
    const report: DriftReport = {
      format: 'pipewright-drift/v1',
      referenceRows: refInfo.rows,
      currentRows: curInfo.rows,
      driftShare: params.driftShare,
      driftedColumns,
      driftedShare,
      datasetDrift: driftedShare >= params.driftShare,
      columns: ordered,
    };
    const scalars: Record<string, number> = { driftedShare, driftedColumns, datasetDrift: report.datasetDrift ? 1 : 0 };
    for (const c of tested) {
      if (typeof c.statistic === 'number') scalars[`${c.name}.statistic`] = c.statistic;
      if (c.pValue !== undefined) scalars[`${c.name}.pValue`] = c.pValue;
    }
    for (const [k, v] of Object.entries(scalars)) ctx.metric(k, v);
    for (const c of ordered) if (c.status !== 'ok') ctx.log('warn', `${c.name}: ${c.reason}`);
    ctx.log('info', `${driftedColumns} of ${tested.length} columns drifted (${formatNumber(driftedShare * 100)}%; dataset drift at ${formatNumber(params.driftShare * 100)}%)`);
    return { report: { kind: 'report', json: report }, metrics: { kind: 'metrics', json: metricsDoc(scalars) } };
  },
});

/** BOOLEAN is numeric to readColumns, but categorical to drift (contract section 8). */
function isPlainNumber(c: ColumnInfo): boolean {
  return isNumericType(c.type) && c.type !== 'BOOLEAN';
}

function pickColumns(ctx: RunContext, ref: ColumnInfo[], cur: ColumnInfo[], wanted?: string[]): [ColumnInfo, ColumnInfo][] {
  if (wanted) {
    const r = requireColumns(ctx, { rows: 0, columns: ref }, wanted, 'columns', 'reference');
    const c = requireColumns(ctx, { rows: 0, columns: cur }, wanted, 'columns', 'current');
    return r.map((x, i) => [x, c[i]]);
  }
  const byName = new Map(cur.map((c) => [c.name, c]));
  const both = ref.filter((c) => byName.has(c.name)).map((c): [ColumnInfo, ColumnInfo] => [c, byName.get(c.name) as ColumnInfo]);
  if (both.length === 0) {
    const list = (cols: ColumnInfo[]): string => cols.map((c) => c.name).join(', ') || 'none';
    throw nodeError(ctx, `reference and current have no column in common (reference: ${list(ref)}; current: ${list(cur)})`);
  }
  return both;
}

function notEnough(a: number, b: number): string | null {
  if (a === 0) return 'every reference value is null';
  if (b === 0) return 'every current value is null';
  if (a < MIN_VALUES) return `not enough data: the reference has ${a} non-null value (at least ${MIN_VALUES} needed)`;
  if (b < MIN_VALUES) return `not enough data: current has ${b} non-null value (at least ${MIN_VALUES} needed)`;
  return null;
}

function skipped(status: DriftColumn['status'], reason: string): Verdict {
  return { status, reason, drifted: false };
}

/** A numeric column: sorted non-null values of both tables. */
function numericColumn(name: string, a: Float64Array, b: Float64Array, param: DriftMethod | 'auto', threshold?: number): DriftColumn {
  const base = { name, referenceCount: a.length, currentCount: b.length };
  const short = notEnough(a.length, b.length);
  if (short) return { ...base, kind: 'numeric', ...skipped('not_enough_data', short) };
  const counts = fewDistinct(a, b);
  if (counts) return categoricalColumn(name, counts, { a, b }, param, threshold);
  const method = param === 'auto' ? (a.length <= SMALL_SAMPLE ? 'ks' : 'wasserstein') : param;
  const distribution = histogram(a, b);
  const verdict =
    method === 'ks' || method === 'wasserstein'
      ? numericTest(method, a, b, threshold)
      : method === 'psi'
        ? judge(method, psiNumeric(a, b), undefined, threshold)
        : skipped('not_applicable', `${method} compares categories; this column has more than ${MAX_NUMERIC_CATEGORIES} distinct numbers (use ks, wasserstein or psi)`);
  return { ...base, kind: 'numeric', ...verdict, distribution };
}

function numericTest(method: 'ks' | 'wasserstein', a: Float64Array, b: Float64Array, threshold?: number): Verdict {
  if (method === 'wasserstein') return judge(method, wasserstein(a, b) / Math.max(meanStd(a).std, 0.001), undefined, threshold);
  const r = ks2samp(a, b);
  return judge(method, r.statistic, r.pValue, threshold);
}

/** A categorical column (text, boolean, or at most 5 distinct numbers, then with the values). */
function categoricalColumn(name: string, counts: Counts, values: { a: Float64Array; b: Float64Array } | null, param: DriftMethod | 'auto', threshold?: number): DriftColumn {
  const nr = sum(counts.reference);
  const nc = sum(counts.current);
  const base = { name, kind: 'categorical' as const, referenceCount: nr, currentCount: nc };
  const short = notEnough(nr, nc);
  if (short) return { ...base, ...skipped('not_enough_data', short) };
  const k = counts.categories.length;
  const method = param === 'auto' ? (nr > SMALL_SAMPLE ? 'jensenshannon' : k <= 2 ? 'ztest' : 'chisquare') : param;
  const distribution = categoryChart(counts);
  let verdict: Verdict;
  if (method === 'ztest') {
    if (k > 2) verdict = skipped('not_applicable', `ztest compares two categories; this column has ${k}`);
    else if (k === 1) verdict = judge(method, 0, 1, threshold);
    else {
      const r = zTest(counts.reference[0], nr, counts.current[0], nc);
      verdict = judge(method, r.statistic, r.pValue, threshold);
    }
  } else if (method === 'chisquare') {
    const r = chiSquare(counts.reference, counts.current);
    verdict = r
      ? judge(method, r.statistic, r.pValue, threshold)
      : { status: 'ok', method, statistic: null, pValue: 0, threshold: threshold ?? DEFAULT_THRESHOLD.chisquare, drifted: true, reason: 'a category of current is absent from the reference' };
  } else if (method === 'jensenshannon') {
    verdict = judge(method, jensenShannon(counts.reference, counts.current), undefined, threshold);
  } else if (method === 'psi') {
    verdict = judge(method, psiFromCounts(counts.reference, counts.current), undefined, threshold);
  } else if (values) {
    // ks or wasserstein on a numeric column with few distinct values: on the numbers themselves.
    const { a, b } = values;
    verdict = numericTest(method, a, b, threshold);
  } else {
    verdict = skipped('not_applicable', `${method} needs numbers; this column is ${k === 0 ? 'empty' : 'text or boolean'}`);
  }
  return { ...base, ...verdict, distribution };
}

function judge(method: DriftMethod, statistic: number, pValue: number | undefined, threshold?: number): Verdict {
  const bound = threshold ?? DEFAULT_THRESHOLD[method];
  if (!Number.isFinite(statistic) || (pValue !== undefined && !Number.isFinite(pValue))) {
    return skipped('not_applicable', `${method} gave no number on these values`);
  }
  if (DRIFT_TESTS.has(method)) return { status: 'ok', method, statistic, pValue, threshold: bound, drifted: (pValue as number) < bound };
  return { status: 'ok', method, statistic, threshold: bound, drifted: statistic > bound };
}

function sum(a: number[]): number {
  let s = 0;
  for (const x of a) s += x;
  return s;
}

/** Category counts when both sorted samples together hold at most 5 distinct numbers; else null. */
function fewDistinct(a: Float64Array, b: Float64Array): Counts | null {
  const values: number[] = [];
  for (const arr of [a, b]) {
    for (let i = 0; i < arr.length; ) {
      const v = arr[i];
      if (!values.includes(v)) {
        if (values.length === MAX_NUMERIC_CATEGORIES) return null;
        values.push(v);
      }
      i = searchSorted(arr, v, 'right');
    }
  }
  values.sort((x, y) => x - y);
  const count = (arr: Float64Array): number[] => values.map((v) => searchSorted(arr, v, 'right') - searchSorted(arr, v, 'left'));
  return { categories: values.map((v) => String(v)), reference: count(a), current: count(b) };
}

/** Counts per category of each text column, in DuckDB: one query per table. */
async function countCategories(ctx: RunContext, table: ArtifactRef, names: string[]): Promise<Map<string, Map<string, number>>> {
  const d = ctx.data;
  const parts = names.map((n, i) => `SELECT ${i} AS k, CAST(${d.ident(n)} AS VARCHAR) AS v, count(*) AS n FROM "t" WHERE ${d.ident(n)} IS NOT NULL GROUP BY 2`);
  const rows = await asNodeError(ctx, 'cannot count categories', () => d.query(parts.join(' UNION ALL '), { t: table }));
  const out = new Map(names.map((n) => [n, new Map<string, number>()]));
  for (const r of rows) out.get(names[Number(r.k)])?.set(String(r.v), Number(r.n));
  return out;
}

/** Both tables' counts over the union of categories, sorted (the z-test's "first category"). */
function merge(ref = new Map<string, number>(), cur = new Map<string, number>()): Counts {
  const categories = [...new Set([...ref.keys(), ...cur.keys()])].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return { categories, reference: categories.map((c) => ref.get(c) ?? 0), current: categories.map((c) => cur.get(c) ?? 0) };
}

function histogram(a: Float64Array, b: Float64Array): DriftDistribution {
  const lo = Math.min(a[0], b[0]);
  const hi = Math.max(a[a.length - 1], b[b.length - 1]);
  const bins = hi > lo ? HISTOGRAM_BINS : 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + ((hi - lo) * i) / bins));
  const count = (arr: Float64Array): number[] =>
    edges.slice(1).map((e, i) => (i === bins - 1 ? arr.length : searchSorted(arr, e, 'left')) - (i === 0 ? 0 : searchSorted(arr, edges[i], 'left')));
  return { type: 'histogram', edges, reference: count(a), current: count(b) };
}

function categoryChart(c: Counts): DriftDistribution {
  if (c.categories.length <= CHART_CATEGORIES) return { type: 'categories', ...c };
  const order = c.categories.map((_, i) => i).sort((i, j) => c.reference[j] + c.current[j] - (c.reference[i] + c.current[i]));
  const keep = order.slice(0, CHART_CATEGORIES);
  const rest = order.slice(CHART_CATEGORIES);
  return {
    type: 'categories',
    categories: keep.map((i) => c.categories[i]),
    reference: keep.map((i) => c.reference[i]),
    current: keep.map((i) => c.current[i]),
    other: { reference: sum(rest.map((i) => c.reference[i])), current: sum(rest.map((i) => c.current[i])) },
  };
}
