import { z } from 'zod';
import { defineNode } from '../types';

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
});
