import { z } from 'zod';
import { defineParams } from '../params';

export default defineParams({
  type: 'data.csv',
  version: 1,
  params: z.object({
    path: z.string().min(1).describe('CSV file; relative paths resolve against the pipeline file'),
    delimiter: z.string().min(1).max(1).optional().describe('field delimiter; detected when omitted'),
    header: z.boolean().default(true).describe('the first line holds the column names'),
    types: z.record(z.string(), z.string().min(1)).default({}).describe('column -> DuckDB type, e.g. {b: DOUBLE}'),
  }).strict(),
});
