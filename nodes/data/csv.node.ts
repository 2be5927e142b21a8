import { defineNode } from '../types';
import { asNodeError, nodeError, tableOutput } from '../features/common';
import { fileColumns } from '../schema';
import spec from './csv.params';

export default defineNode({
  ...spec,
  title: 'CSV file',
  stage: 'data',
  description: 'Reads a CSV file. Never guesses silently: a header that is not UTF-8 or has an empty or repeated name, a ragged row, or a value that does not fit its declared type fails with the file and line.',
  inputs: [],
  outputs: [{ name: 'table', kind: 'table' }],
  readsFiles: ['path'],
  fileExtensions: ['.csv', '.tsv'],
  schema: ({ params, ctx }) =>
    fileColumns(ctx, params.path, (abs) => ctx.data.describeCsv?.(abs, { delimiter: params.delimiter, header: params.header ?? true, types: params.types ?? {} })),
  async run({ params, ctx }) {
    const path = ctx.resolvePath(params.path);
    const readCsv = ctx.data.readCsv;
    if (!readCsv) throw nodeError(ctx, 'this data engine cannot read CSV files');
    const out = await asNodeError(ctx, `cannot read ${path}`, () =>
      readCsv(path, { delimiter: params.delimiter, header: params.header, types: params.types }),
    );
    return { table: tableOutput(out) };
  },
});
