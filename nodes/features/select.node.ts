import { z } from 'zod';
import { defineNode } from '../types';

export default defineNode({
  type: 'features.select',
  version: 1,
  title: 'Select columns',
  stage: 'features',
  description: 'Keeps the listed columns, or drops the excluded ones (exactly one of the two).',
  inputs: [{ name: 'table', kind: 'table' }],
  outputs: [{ name: 'table', kind: 'table' }],
  params: z.object({
    columns: z.array(z.string().min(1)).min(1).optional().describe('columns to keep'),
    exclude: z.array(z.string().min(1)).optional().describe('columns to drop'),
  }).strict(),
  check: (p) =>
    (p.columns === undefined) === (p.exclude === undefined)
      ? [{ param: 'columns', message: 'set exactly one of columns or exclude' }]
      : [],
  columnParams: ['columns', 'exclude'],
});
