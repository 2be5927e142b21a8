import { z } from 'zod';
import { defineNode } from '../types';

export default defineNode({
  type: 'features.split',
  version: 1,
  title: 'Train/test split',
  stage: 'features',
  description: 'Splits rows into a train and a test table, seeded, stratified by a column when asked.',
  inputs: [{ name: 'table', kind: 'table' }],
  outputs: [
    { name: 'train', kind: 'table' },
    { name: 'test', kind: 'table' },
  ],
  params: z.object({
    testFraction: z.number().gt(0).lt(1).default(0.2).describe('share of rows in the test table'),
    seed: z.number().int().default(0).describe('random seed'),
    stratifyBy: z.string().min(1).optional().describe('keep this column’s class shares equal in both tables'),
  }).strict(),
  columnParams: ['stratifyBy'],
});
