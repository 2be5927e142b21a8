import { z } from 'zod';
import { defineNode } from '../types';
import { asNodeError, input, tableOutput } from '../features/common';

export default defineNode({
  type: 'data.sql',
  version: 1,
  title: 'SQL transform',
  stage: 'data',
  description:
    'Transforms tables with one DuckDB query (SELECT, WITH … SELECT or VALUES); each input is a table named after its port. ' +
    'The query reads its input tables and nothing else: no files, URLs, extensions or settings.',
  inputs: [],
  variadicInputs: { kind: 'table', min: 1 },
  outputs: [{ name: 'table', kind: 'table' }],
  params: z.object({
    query: z.string().min(1).describe('one DuckDB query (SELECT, WITH … SELECT or VALUES); each input port is a table of that name'),
  }).strict(),
  codeParams: { query: 'sql' },
  async run({ inputs, params, ctx }) {
    const tables = Object.fromEntries(Object.keys(inputs).map((port) => [port, input(ctx, inputs, port)]));
    const out = await asNodeError(ctx, 'query failed', () => ctx.data.writeUserQuery(params.query, tables, { signal: ctx.signal }));
    return { table: tableOutput(out) };
  },
});
