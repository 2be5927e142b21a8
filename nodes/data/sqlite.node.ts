import { defineNode } from '../types';
import { asNodeError, nodeError, tableOutput } from '../features/common';
import spec from './sqlite.params';

export default defineNode({
  ...spec,
  title: 'SQLite query',
  stage: 'data',
  description: "Runs a query (SQLite's dialect) against a SQLite database file.",
  inputs: [],
  outputs: [{ name: 'table', kind: 'table' }],
  readsFiles: ['path'],
  fileExtensions: ['.sqlite', '.sqlite3', '.db'],
  codeParams: { query: 'sql' },
  async run({ params, ctx }) {
    const path = ctx.resolvePath(params.path);
    const readSqlite = ctx.data.readSqlite;
    if (!readSqlite) throw nodeError(ctx, 'this data engine cannot read SQLite files');
    const out = await asNodeError(ctx, `cannot query ${path}`, () => readSqlite(path, params.query));
    return { table: tableOutput(out) };
  },
});
