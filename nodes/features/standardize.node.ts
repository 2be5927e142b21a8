import { z } from 'zod';
import { defineNode } from '../types';

export default defineNode({
  type: 'features.standardize',
  version: 1,
  title: 'Standardize',
  stage: 'features',
  description: 'Scales numeric columns to zero mean and unit variance, fitted on train only; a zero-variance column keeps scale 1.',
  inputs: [
    { name: 'train', kind: 'table' },
    { name: 'test', kind: 'table' },
  ],
  outputs: [
    { name: 'train', kind: 'table' },
    { name: 'test', kind: 'table' },
  ],
  params: z.object({
    exclude: z.array(z.string().min(1)).default([]).describe('columns left as they are'),
  }).strict(),
  columnParams: ['exclude'],
});
