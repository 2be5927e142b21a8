import { defineNode } from '../types';
import { asNodeError, input, tableOutput } from '../features/common';
import spec from './sql.params';

export default defineNode({
  ...spec,
  title: 'SQL transform',
  stage: 'data',
  description:
    'Transforms tables with one DuckDB query (SELECT, WITH … SELECT or VALUES); each input is a table named after its port. ' +
    'The query reads its input tables and nothing else: no files, URLs, extensions or settings.',
  inputs: [],
  variadicInputs: { kind: 'table', min: 1 },
  outputs: [{ name: 'table', kind: 'table' }],
  codeParams: { query: 'sql' },
  async run({ inputs, params, ctx }) {
    const tables = Object.fromEntries(Object.keys(inputs).map((port) => [port, input(ctx, inputs, port)]));
    const out = await asNodeError(ctx, 'query failed', () => ctx.data.writeUserQuery(params.query, tables, { signal: ctx.signal }));
    return { table: tableOutput(out) };
  },
});
