import { defineNode, type ArtifactRef, type RunContext, type TableInfo } from '../types';
import { asNodeError, describeInput, input, isNumericType, nodeError, requireColumns, tableOutput } from './common';
import { carryScaler } from './scaler';
import { asDouble, mapColumns } from '../schema';
import { formatNumber } from '../../shared/format';
import spec from './impute.params';

export default defineNode({
  ...spec,
  title: 'Impute missing values',
  stage: 'features',
  description: 'Fills missing values with the mean, median, most frequent value or a constant.',
  inputs: [{ name: 'table', kind: 'table' }],
  outputs: [{ name: 'table', kind: 'table' }],
  columnParams: ['columns'],
  // A mean or median fills with a fraction: a listed numeric column becomes DOUBLE. (Unlisted,
  // only the columns with missing values are filled, which only the data can tell.)
  schema: ({ inputs, params }) => ({
    outputs: {
      table: mapColumns(inputs.table, (cols) =>
        cols.map((c) => ((params.strategy ?? 'mean') !== 'most_frequent' && params.strategy !== 'constant' && params.columns?.includes(c.name) ? asDouble(c) : c)),
      ),
    },
  }),
  servingReplay: {
    mode: 'transform',
    ports: { table: 'table' },
    fitted: 'fill values (mean, median, most frequent) computed on its input; the model records them',
    async capture({ params, inputs, ctx }) {
      const table = input(ctx, inputs, 'table');
      const fills = await fitFills(ctx, table, await describeInput(ctx, table, 'table'), params);
      return { state: { fills: Object.fromEntries([...fills].map(([n, f]) => [n, f.value])) }, handlesNull: [...fills.keys()] };
    },
    apply(state, table) {
      const fills = (state as { fills: Record<string, number | string | boolean> }).fills;
      return table.map((c) => {
        if (!Object.prototype.hasOwnProperty.call(fills, c.name)) return c;
        const f = fills[c.name];
        if (c.numeric) {
          const fill = typeof f === 'boolean' ? Number(f) : Number(f);
          return { ...c, values: c.values.map((v) => (Number.isNaN(v) ? fill : v)) };
        }
        return { ...c, values: c.values.map((v) => v ?? String(f)) };
      });
    },
    compileRow(state, columns) {
      const fills = (state as { fills: Record<string, number | string | boolean> }).fills;
      // per column: its fill as apply uses it (a number for a numeric column, else text), or none
      const plan = columns.map((c) => (Object.prototype.hasOwnProperty.call(fills, c.name) ? (c.numeric ? Number(fills[c.name]) : String(fills[c.name])) : undefined));
      return {
        columns: [...columns],
        run(input, output) {
          for (let i = 0; i < plan.length; i++) {
            const v = input[i];
            const f = plan[i];
            output[i] = f === undefined ? v : typeof f === 'number' ? (Number.isNaN(v) ? f : v) : (v ?? f);
          }
        },
      };
    },
  },
  async run({ inputs, params, ctx }) {
    const table = input(ctx, inputs, 'table');
    const info = await describeInput(ctx, table, 'table');
    const d = ctx.data;
    const tables = { table };
    const fills = await fitFills(ctx, table, info, params);
    const select = info.columns
      .map((c) => (fills.has(c.name) ? `coalesce(${d.ident(c.name)}, ${fills.get(c.name)!.sql}) AS ${d.ident(c.name)}` : d.ident(c.name)))
      .join(', ');
    const carried = await carryScaler(d, table, info.columns.map((c) => c.name));
    const out = await asNodeError(ctx, 'impute failed', () => d.writeTable(`SELECT ${select} FROM "table"`, tables, carried));
    return { table: tableOutput(out) };
  },
});

type ImputeParams = { strategy: 'mean' | 'median' | 'most_frequent' | 'constant'; value?: number | string; columns?: string[] };
/** A column's fill: the SQL the run uses and the value serving uses (numbers, text or yes/no). */
type Fill = { sql: string; value: number | string | boolean };

/** The fill value of each column to impute, fitted on the input as the run does. */
async function fitFills(ctx: RunContext, table: ArtifactRef, info: TableInfo, params: ImputeParams): Promise<Map<string, Fill>> {
  const d = ctx.data;
  const tables = { table };
  const listed = params.columns !== undefined;
  let targets = listed ? requireColumns(ctx, info, params.columns ?? [], 'columns') : info.columns;
  if (!listed) {
    // Only columns that have missing values (scikit-learn fills every column; filling none is the same thing for the rest).
    const counts = await asNodeError(ctx, 'cannot count missing values', () =>
      d.query(`SELECT ${info.columns.map((c, i) => `count(*) - count(${d.ident(c.name)}) AS m${i}`).join(', ')} FROM "table"`, tables),
    );
    targets = info.columns.filter((_, i) => Number(counts[0][`m${i}`]) > 0);
  }
  const numericStrategy = params.strategy === 'mean' || params.strategy === 'median';
  const fills = new Map<string, Fill>();
  for (const col of targets) {
    const numeric = isNumericType(col.type);
    const name = d.ident(col.name);
    if (numericStrategy && !numeric) {
      if (listed) throw nodeError(ctx, `columns: "${col.name}" is ${col.type}, and strategy ${params.strategy} needs numbers (use most_frequent or constant)`, { column: col.name });
      ctx.log('warn', `column "${col.name}" (${col.type}) has missing values but strategy ${params.strategy} needs numbers; left as it is`);
      continue;
    }
    if (params.strategy === 'constant') {
      const v = params.value;
      if (v === undefined) throw nodeError(ctx, 'value: required when strategy is constant');
      if (numeric && typeof v !== 'number') throw nodeError(ctx, `value: "${v}" is text but column "${col.name}" is ${col.type}`, { column: col.name });
      fills.set(col.name, numeric ? { sql: `CAST(${Number(v)} AS DOUBLE)`, value: Number(v) } : { sql: d.literal(String(v)), value: String(v) });
      continue;
    }
    let sql: string;
    if (params.strategy === 'mean') sql = `SELECT avg(CAST(${name} AS DOUBLE)) AS v FROM "table"`;
    else if (params.strategy === 'median') sql = `SELECT median(CAST(${name} AS DOUBLE)) AS v FROM "table"`;
    // Ties go to the smallest value, as in scikit-learn's SimpleImputer.
    else sql = `SELECT ${name} AS v, count(*) AS n FROM "table" WHERE ${name} IS NOT NULL GROUP BY ${name} ORDER BY n DESC, ${name} ASC LIMIT 1`;
    const rows = await asNodeError(ctx, `cannot compute the ${params.strategy} of "${col.name}"`, () => d.query(sql, tables));
    const v = rows[0]?.v;
    if (v === null || v === undefined) throw nodeError(ctx, `column "${col.name}" has no values at all, so there is no ${params.strategy} to fill it with`, { column: col.name });
    ctx.log('info', `${col.name}: missing values filled with ${params.strategy} ${typeof v === 'number' ? formatNumber(v) : JSON.stringify(v)}`);
    // most_frequent keeps the column's type; a mean or median of integers is fractional.
    fills.set(
      col.name,
      params.strategy === 'most_frequent'
        ? { sql: `CAST(${d.literal(String(v))} AS ${col.type})`, value: typeof v === 'bigint' ? Number(v) : (v as number | string | boolean) }
        : { sql: `CAST(${Number(v)} AS DOUBLE)`, value: Number(v) },
    );
  }
  return fills;
}
