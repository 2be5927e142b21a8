import { defineNode, type ArtifactRef, type ColumnData, type RowColumn, type RunContext } from '../types';
import { asNodeError, describeInput, input, nodeError, requireColumns, tableOutput } from './common';
import { carryScaler } from './scaler';
import { mapColumns } from '../schema';
import spec from './one-hot.params';

/** More distinct values than this is almost always an id column given by mistake. */
const MAX_CATEGORIES = 1000;

export default defineNode({
  ...spec,
  title: 'One-hot encode',
  stage: 'features',
  description: 'Turns each listed column into numeric 0/1 columns named <column>_<value>; the original is dropped.',
  inputs: [{ name: 'table', kind: 'table' }],
  outputs: [{ name: 'table', kind: 'table' }],
  columnParams: ['columns'],
  // The new columns are named after the values, which only a run sees: said, not guessed.
  schema: ({ inputs, params }) => {
    const encoded = params.columns ?? [];
    const out = mapColumns(inputs.table, (cols) => cols.filter((c) => !encoded.includes(c.name)));
    if (out.columns && encoded.length) out.partial = `plus one 0/1 column per value of ${encoded.map((c) => `"${c}"`).join(', ')} (named after a run)`;
    return { outputs: { table: out } };
  },
  servingReplay: {
    mode: 'transform',
    ports: { table: 'table' },
    fitted: 'the categories seen in its input, one 0/1 column each',
    async capture({ params, inputs, ctx }) {
      const table = input(ctx, inputs, 'table');
      requireColumns(ctx, await describeInput(ctx, table, 'table', false), params.columns, 'columns');
      const encode = await fitCategories(ctx, table, params.columns);
      return { state: { columns: Object.fromEntries(encode) }, handlesNull: params.columns };
    },
    apply(state, table) {
      const encode = (state as { columns: Record<string, Category[]> }).columns;
      return table.flatMap((c): ColumnData[] => {
        const cats = Object.prototype.hasOwnProperty.call(encode, c.name) ? encode[c.name] : undefined;
        if (!cats) return [c];
        const n = c.values.length;
        return cats.map((cat) => {
          const out = new Float64Array(n);
          // As the run's SQL: the value's text equals the category's (a number compares as a number); null matches none.
          if (c.numeric) {
            const want = typeof cat.value === 'boolean' ? Number(cat.value) : Number(cat.value);
            for (let i = 0; i < n; i++) out[i] = c.values[i] === want ? 1 : 0;
          } else for (let i = 0; i < n; i++) out[i] = c.values[i] === cat.text ? 1 : 0;
          return { name: `${c.name}_${cat.text}`, type: 'DOUBLE', numeric: true, values: out };
        });
      });
    },
    compileRow(state, columns) {
      const encode = (state as { columns: Record<string, Category[]> }).columns;
      // per output column: the input it copies, or the input and the value that makes it 1
      const plan: { from: number; want?: number | string }[] = [];
      const out: RowColumn[] = [];
      columns.forEach((c, from) => {
        const cats = Object.prototype.hasOwnProperty.call(encode, c.name) ? encode[c.name] : undefined;
        if (!cats) {
          plan.push({ from });
          out.push(c);
          return;
        }
        for (const cat of cats) {
          plan.push({ from, want: c.numeric ? Number(cat.value) : cat.text });
          out.push({ name: `${c.name}_${cat.text}`, numeric: true });
        }
      });
      return {
        columns: out,
        run(input, output) {
          for (let j = 0; j < plan.length; j++) {
            const p = plan[j];
            output[j] = p.want === undefined ? input[p.from] : input[p.from] === p.want ? 1 : 0;
          }
        },
      };
    },
  },
  async run({ inputs, params, ctx }) {
    const table = input(ctx, inputs, 'table');
    const info = await describeInput(ctx, table, 'table', false);
    const d = ctx.data;
    const tables = { table };
    requireColumns(ctx, info, params.columns, 'columns');
    const encode = await fitCategories(ctx, table, params.columns);
    const kept = new Set(info.columns.map((c) => c.name).filter((n) => !encode.has(n)));
    const select: string[] = [];
    const produced = new Set<string>();
    for (const c of info.columns) {
      const values = encode.get(c.name)?.map((x) => x.text);
      if (!values) {
        select.push(d.ident(c.name));
        continue;
      }
      for (const v of values) {
        const out = `${c.name}_${v}`;
        if (kept.has(out) || produced.has(out)) throw nodeError(ctx, `columns: encoding "${c.name}" would make a column "${out}" that already exists`, { column: c.name });
        produced.add(out);
        // A null matches no value: all zeros for that row.
        select.push(`CAST(coalesce(CAST(${d.ident(c.name)} AS VARCHAR) = ${d.literal(v)}, false) AS DOUBLE) AS ${d.ident(out)}`);
      }
    }
    const carried = await carryScaler(d, table, [...kept]);
    const out = await asNodeError(ctx, 'one-hot encoding failed', () => d.writeTable(`SELECT ${select.join(', ')} FROM "table"`, tables, carried));
    return { table: tableOutput(out) };
  },
});

/** One category of an encoded column: its text (the new column's suffix) and its value as read. */
type Category = { text: string; value: number | string | boolean };

/** The categories of each column, as the run finds them (sorted by value, nulls never one). */
async function fitCategories(ctx: RunContext, table: ArtifactRef, columns: string[]): Promise<Map<string, Category[]>> {
  const d = ctx.data;
  const tables = { table };
  const encode = new Map<string, Category[]>();
  for (const name of columns) {
    if (encode.has(name)) throw nodeError(ctx, `columns: "${name}" is listed twice`);
    const rows = await asNodeError(ctx, `cannot list the values of "${name}"`, () =>
      d.query(`SELECT DISTINCT CAST(${d.ident(name)} AS VARCHAR) AS v, ${d.ident(name)} AS o FROM "table" WHERE ${d.ident(name)} IS NOT NULL ORDER BY o LIMIT ${MAX_CATEGORIES + 1}`, tables),
    );
    if (rows.length > MAX_CATEGORIES) throw nodeError(ctx, `columns: "${name}" has more than ${MAX_CATEGORIES} distinct values; one-hot encoding it would add that many columns`, { column: name });
    encode.set(
      name,
      rows.map((r) => ({ text: String(r.v), value: typeof r.o === 'bigint' ? Number(r.o) : typeof r.o === 'number' || typeof r.o === 'boolean' ? r.o : String(r.v) })),
    );
  }
  return encode;
}
