import { z } from 'zod';
import { defineParams } from '../params';

export default defineParams({
  type: 'data.sql',
  version: 1,
  params: z.object({
    query: z.string().min(1).describe('one DuckDB query (SELECT, WITH … SELECT or VALUES); each input port is a table of that name'),
  }).strict(),
});
