import { z } from 'zod';
import { defineNode } from '../types';
import { asNodeError, nodeError, tableOutput } from '../features/common';

export default defineNode({
  type: 'data.parquet',
  version: 1,
  title: 'Parquet file',
  stage: 'data',
  description: 'Reads a Parquet file.',
  inputs: [],
  outputs: [{ name: 'table', kind: 'table' }],
  params: z.object({
    path: z.string().min(1).describe('Parquet file; relative paths resolve against the pipeline file'),
  }).strict(),
  readsFiles: ['path'],
  async run({ params, ctx }) {
    const path = ctx.resolvePath(params.path);
    // Re-encoded with the engine's fixed writer options: the artifact is then byte-stable
    // whatever tool wrote the source file.
    const out = await asNodeError(ctx, `cannot read ${path}`, async () => {
      try {
        return await ctx.data.writeTable(`SELECT * FROM read_parquet(${ctx.data.literal(path)})`);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (/No files found/i.test(msg)) throw nodeError(ctx, `file not found: ${path}`, { file: path });
        throw e;
      }
    });
    return { table: tableOutput(out) };
  },
});
