import { z } from 'zod';
import { defineParams } from '../params';

export default defineParams({
  type: 'features.code',
  version: 1,
  params: z.object({
    code: z.string().min(1).describe('JavaScript: a function (table) => table'),
    timeoutMs: z.number().int().min(1).max(3_600_000).default(10_000).describe('time limit in milliseconds (wall clock, async work included)'),
  }).strict(),
});
