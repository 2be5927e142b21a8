import { defineNode, type RunContext, type TableInfo } from '../types';
import { asNodeError, describeInput, input, nodeError, requireColumns, tableOutput } from './common';
import { carryScaler } from './scaler';
import { mapColumns } from '../schema';
import spec from './select.params';

export default defineNode({
  ...spec,
  title: 'Select columns',
  stage: 'features',
  description: 'Keeps the listed columns, or drops the excluded ones (exactly one of the two).',
  inputs: [{ name: 'table', kind: 'table' }],
  outputs: [{ name: 'table', kind: 'table' }],
  columnParams: ['columns', 'exclude'],
  schema: ({ inputs, params }) => ({
    outputs: {
      table: mapColumns(inputs.table, (cols) =>
        params.columns ? params.columns.flatMap((n) => cols.filter((c) => c.name === n)) : cols.filter((c) => !(params.exclude ?? []).includes(c.name)),
      ),
    },
  }),
  servingReplay: {
    mode: 'transform',
    ports: { table: 'table' },
    async capture({ params, inputs, ctx }) {
      const info = await describeInput(ctx, input(ctx, inputs, 'table'), 'table', false);
      return { state: { keep: keptColumns(ctx, info, params) } };
    },
    apply(state, table) {
      const byName = new Map(table.map((c) => [c.name, c]));
      // A kept column that serving does not carry (the label) is simply not there.
      return (state as { keep: string[] }).keep.flatMap((n) => byName.get(n) ?? []);
    },
    compileRow(state, columns) {
      // as apply's Map: a name given twice is its last column
      const at = new Map(columns.map((c, i) => [c.name, i]));
      const picks = (state as { keep: string[] }).keep.flatMap((n) => at.get(n) ?? []);
      return {
        columns: picks.map((i) => columns[i]),
        run(input, output) {
          for (let j = 0; j < picks.length; j++) output[j] = input[picks[j]];
        },
      };
    },
  },
  async run({ inputs, params, ctx }) {
    const table = input(ctx, inputs, 'table');
    const info = await describeInput(ctx, table, 'table', false);
    const d = ctx.data;
    const keep = keptColumns(ctx, info, params);
    const carried = await carryScaler(d, table, keep);
    const out = await asNodeError(ctx, 'select failed', () => d.writeTable(`SELECT ${keep.map((n) => d.ident(n)).join(', ')} FROM "table"`, { table }, carried));
    return { table: tableOutput(out) };
  },
});

function keptColumns(ctx: RunContext, info: TableInfo, params: { columns?: string[]; exclude?: string[] }): string[] {
  let keep: string[];
  if (params.columns) {
    requireColumns(ctx, info, params.columns, 'columns');
    keep = params.columns;
  } else {
    const drop = new Set(params.exclude ?? []);
    requireColumns(ctx, info, [...drop], 'exclude');
    keep = info.columns.map((c) => c.name).filter((n) => !drop.has(n));
    if (keep.length === 0) throw nodeError(ctx, 'exclude: every column would be dropped');
  }
  const dupes = keep.filter((n, i) => keep.indexOf(n) !== i);
  if (dupes.length) throw nodeError(ctx, `columns: "${dupes[0]}" is listed twice`);
  return keep;
}
