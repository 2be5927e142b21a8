import { defineNode, type RunContext } from '../types';
import { asNodeError, checkAborted, describeInput, input, nodeError, requireColumns, scratchRef, tableOutput } from './common';
import { carryScaler } from './scaler';
import { mapColumns } from '../schema';
import spec from './split.params';

export default defineNode({
  ...spec,
  title: 'Train/test split',
  stage: 'features',
  description: 'Splits rows into a train and a test table, seeded, stratified by a column when asked.',
  inputs: [{ name: 'table', kind: 'table' }],
  outputs: [
    { name: 'train', kind: 'table' },
    { name: 'test', kind: 'table' },
  ],
  columnParams: ['stratifyBy'],
  schema: ({ inputs }) => ({ outputs: { train: mapColumns(inputs.table, (c) => c), test: mapColumns(inputs.table, (c) => c) } }),
  servingReplay: { mode: 'passthrough', ports: { train: 'table', test: 'table' } },
  async run({ inputs, params, ctx }) {
    const table = input(ctx, inputs, 'table');
    const info = await describeInput(ctx, table, 'table');
    const n = info.rows;
    // As scikit-learn's train_test_split: the test share is rounded up.
    const nTest = Math.ceil(params.testFraction * n);
    if (nTest < 1 || n - nTest < 1) {
      throw nodeError(ctx, `input "table" has ${n} row${n === 1 ? '' : 's'}: a split with testFraction ${params.testFraction} would leave ${n - nTest} for train and ${nTest} for test`);
    }
    const rand = ctx.random(params.seed);
    const isTest = new Float64Array(n);
    if (params.stratifyBy === undefined) {
      const order = shuffled(range(n), rand);
      for (let i = 0; i < nTest; i++) isTest[order[i]] = 1;
    } else {
      const column = params.stratifyBy;
      requireColumns(ctx, info, [column], 'stratifyBy');
      const [col] = await asNodeError(ctx, `cannot read column "${column}"`, () => ctx.data.readColumns(table, [column]));
      const groups = new Map<string, number[]>();
      for (let i = 0; i < n; i++) {
        const v = col.values[i];
        const key = v === null || (typeof v === 'number' && Number.isNaN(v)) ? '(missing)' : String(v);
        let g = groups.get(key);
        if (!g) groups.set(key, (g = []));
        g.push(i);
      }
      const keys = [...groups.keys()].sort(col.numeric ? (a, b) => Number(a) - Number(b) : undefined);
      for (const k of keys) {
        if (groups.get(k)!.length < 2) {
          throw nodeError(ctx, `stratifyBy: class "${k}" of column "${column}" has only 1 row; a stratified split needs at least 2 rows in every class (drop or merge that class, or split without stratifyBy)`, { column });
        }
      }
      const quotas = allocate(keys.map((k) => groups.get(k)!.length), nTest);
      keys.forEach((k, j) => {
        const order = shuffled(groups.get(k)!, rand);
        for (let i = 0; i < quotas[j]; i++) isTest[order[i]] = 1;
      });
    }
    checkAborted(ctx);
    const rows = new Float64Array(n);
    for (let i = 0; i < n; i++) rows[i] = i;
    const d = ctx.data;
    const flags = await asNodeError(ctx, 'split failed', () =>
      d.writeColumns([
        { name: 'r', type: 'BIGINT', numeric: true, values: rows },
        { name: 'test', type: 'BIGINT', numeric: true, values: isTest },
      ]),
    );
    // file_row_number is the row's position in the Parquet file: the same rows on every machine.
    const part = (test: 0 | 1) =>
      `SELECT t.* EXCLUDE (file_row_number) FROM read_parquet(${d.literal(table.path)}, file_row_number = true) t JOIN flags f ON f.r = t.file_row_number WHERE f.test = ${test} ORDER BY t.file_row_number`;
    const tables = { flags: scratchRef(flags) };
    const carried = await carryScaler(d, table, info.columns.map((c) => c.name));
    const train = await asNodeError(ctx, 'split failed', () => d.writeTable(part(0), tables, carried));
    const test = await asNodeError(ctx, 'split failed', () => d.writeTable(part(1), tables, carried));
    ctx.log('info', `train ${n - nTest} rows, test ${nTest} rows${params.stratifyBy ? `, stratified by ${params.stratifyBy}` : ''}`);
    return { train: tableOutput(train), test: tableOutput(test) };
  },
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Fisher-Yates with the node's seeded RNG; returns a new array. */
export function shuffled(items: readonly number[], rand: ReturnType<RunContext['random']>): number[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/**
 * Splits `total` test rows among classes in proportion to their sizes (largest remainder), so
 * each class's test count is within one row of its exact share; ties go to the earlier class.
 */
export function allocate(sizes: number[], total: number): number[] {
  const n = sizes.reduce((a, b) => a + b, 0);
  const exact = sizes.map((s) => (s * total) / n);
  const quotas = exact.map((e, i) => Math.min(sizes[i], Math.floor(e)));
  let left = total - quotas.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, frac: e - Math.floor(e) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    if (quotas[i] < sizes[i]) {
      quotas[i]++;
      left--;
    }
  }
  return quotas;
}
