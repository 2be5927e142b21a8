import { z } from 'zod';
import { defineParams } from '../params';

export default defineParams({
  type: 'data.parquet',
  version: 1,
  params: z.object({
    path: z.string().min(1).describe('Parquet file; relative paths resolve against the pipeline file'),
  }).strict(),
});
