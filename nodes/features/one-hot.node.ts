import { z } from 'zod';
import { defineNode } from '../types';

export default defineNode({
  type: 'features.one_hot',
  version: 1,
  title: 'One-hot encode',
  stage: 'features',
  description: 'Turns each listed column into numeric 0/1 columns named <column>_<value>; the original is dropped.',
  inputs: [{ name: 'table', kind: 'table' }],
  outputs: [{ name: 'table', kind: 'table' }],
  params: z.object({
    columns: z.array(z.string().min(1)).min(1).describe('categorical columns to encode'),
  }).strict(),
  columnParams: ['columns'],
});
