import { z } from 'zod';
import { defineNode } from '../types';

export default defineNode({
  type: 'features.impute',
  version: 1,
  title: 'Impute missing values',
  stage: 'features',
  description: 'Fills missing values with the mean, median, most frequent value or a constant.',
  inputs: [{ name: 'table', kind: 'table' }],
  outputs: [{ name: 'table', kind: 'table' }],
  params: z.object({
    strategy: z.enum(['mean', 'median', 'most_frequent', 'constant']).default('mean').describe('how to fill'),
    value: z.union([z.number(), z.string()]).optional().describe('the fill value, for strategy constant'),
    columns: z.array(z.string().min(1)).optional().describe('columns to fill; all with missing values when omitted'),
  }).strict(),
  check: (p) => (p.strategy === 'constant' && p.value === undefined ? [{ param: 'value', message: 'required when strategy is constant' }] : []),
  columnParams: ['columns'],
});
