import { z } from 'zod';
import { defineNode } from '../types';

export default defineNode({
  type: 'data.sample',
  version: 1,
  title: 'Sample dataset',
  stage: 'data',
  description: 'A bundled real dataset (iris, breast_cancer, penguins) or a seeded synthetic classification table.',
  inputs: [],
  outputs: [{ name: 'table', kind: 'table' }],
  params: z.object({
    name: z.enum(['iris', 'breast_cancer', 'penguins', 'synthetic']).describe('which dataset'),
    rows: z.number().int().min(1).max(100_000_000).default(1000).describe('rows (synthetic only)'),
    features: z.number().int().min(1).max(10_000).default(20).describe('feature columns (synthetic only)'),
    seed: z.number().int().default(0).describe('random seed (synthetic only)'),
  }).strict(),
});
