import { z } from 'zod';
import { defineNode } from '../types';
import { asNodeError, describeInput, input, nodeError, requireColumns, tableOutput } from './common';
import { carryScaler } from './scaler';
import { mapColumns } from '../schema';

/** More distinct values than this is almost always an id column given by mistake. */
const MAX_CATEGORIES = 1000;

export default defineNode({
  type: 'features.one_hot',
  version: 1,
  title: 'One-hot encode',
  stage: 'features',
  description: 'Turns each listed column into numeric 0/1 columns named <column>_<value>; the original is dropped.',
  inputs: [{ name: 'table', kind: 'table' }],
  outputs: [{ name: 'table', kind: 'table' }],
  params: z.object({
    columns: z.array(z.string().min(1)).min(1).describe('categorical columns to encode'),
  }).strict(),
  columnParams: ['columns'],
  // The new columns are named after the values, which only a run sees: said, not guessed.
  schema: ({ inputs, params }) => {
    const encoded = params.columns ?? [];
    const out = mapColumns(inputs.table, (cols) => cols.filter((c) => !encoded.includes(c.name)));
    if (out.columns && encoded.length) out.partial = `plus one 0/1 column per value of ${encoded.map((c) => `"${c}"`).join(', ')} (named after a run)`;
    return { outputs: { table: out } };
  },
  servingReplay: { mode: 'transform', ports: { table: 'table' }, fitted: 'the categories seen in its input, one 0/1 column each' },
  async run({ inputs, params, ctx }) {
    const table = input(ctx, inputs, 'table');
    const info = await describeInput(ctx, table, 'table', false);
    const d = ctx.data;
    const tables = { table };
    requireColumns(ctx, info, params.columns, 'columns');
    const encode = new Map<string, string[]>();
    for (const name of params.columns) {
      if (encode.has(name)) throw nodeError(ctx, `columns: "${name}" is listed twice`);
      const rows = await asNodeError(ctx, `cannot list the values of "${name}"`, () =>
        d.query(`SELECT DISTINCT CAST(${d.ident(name)} AS VARCHAR) AS v, ${d.ident(name)} AS o FROM "table" WHERE ${d.ident(name)} IS NOT NULL ORDER BY o LIMIT ${MAX_CATEGORIES + 1}`, tables),
      );
      if (rows.length > MAX_CATEGORIES) throw nodeError(ctx, `columns: "${name}" has more than ${MAX_CATEGORIES} distinct values; one-hot encoding it would add that many columns`, { column: name });
      encode.set(name, rows.map((r) => String(r.v)));
    }
    const kept = new Set(info.columns.map((c) => c.name).filter((n) => !encode.has(n)));
    const select: string[] = [];
    const produced = new Set<string>();
    for (const c of info.columns) {
      const values = encode.get(c.name);
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
