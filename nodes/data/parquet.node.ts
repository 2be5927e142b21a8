import { defineNode } from '../types';
import { asNodeError, nodeError, tableOutput } from '../features/common';
import { fileColumns } from '../schema';
import spec from './parquet.params';

export default defineNode({
  ...spec,
  title: 'Parquet file',
  stage: 'data',
  description: 'Reads a Parquet file.',
  inputs: [],
  outputs: [{ name: 'table', kind: 'table' }],
  readsFiles: ['path'],
  fileExtensions: ['.parquet'],
  schema: ({ params, ctx }) => fileColumns(ctx, params.path, (abs) => ctx.data.describeParquet?.(abs)),
  async run({ params, ctx }) {
    const path = ctx.resolvePath(params.path);
    const readParquet = ctx.data.readParquet;
    if (!readParquet) throw nodeError(ctx, 'this data engine cannot read Parquet files');
    // Re-encoded with the engine's fixed writer options: the artifact is then byte-stable
    // whatever tool wrote the source file.
    const out = await asNodeError(ctx, `cannot read ${path}`, () => readParquet(path));
    return { table: tableOutput(out) };
  },
});
