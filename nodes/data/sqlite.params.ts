import { z } from 'zod';
import { defineParams } from '../params';

export default defineParams({
  type: 'data.sqlite',
  version: 1,
  params: z.object({
    path: z.string().min(1).describe('SQLite database file'),
    query: z.string().min(1).describe('SQL in SQLite dialect'),
  }).strict(),
});
