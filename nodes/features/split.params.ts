import { z } from 'zod';
import { defineParams } from '../params';

export default defineParams({
  type: 'features.split',
  version: 1,
  params: z.object({
    testFraction: z.number().gt(0).lt(1).default(0.2).describe('share of rows in the test table'),
    seed: z.number().int().default(0).describe('random seed'),
    stratifyBy: z.string().min(1).optional().describe('keep this column’s class shares equal in both tables'),
  }).strict(),
});
