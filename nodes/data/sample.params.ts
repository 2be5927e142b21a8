import { z } from 'zod';
import { defineParams } from '../params';

export default defineParams({
  type: 'data.sample',
  version: 1,
  params: z.object({
    name: z.enum(['iris', 'breast_cancer', 'penguins', 'synthetic']).describe('which dataset'),
    rows: z.number().int().min(1).max(100_000_000).default(1000).describe('rows (synthetic only)'),
    features: z.number().int().min(1).max(10_000).default(20).describe('feature columns (synthetic only)'),
    seed: z.number().int().default(0).describe('random seed (synthetic only)'),
  }).strict(),
});
