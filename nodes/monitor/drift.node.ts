import { z } from 'zod';
import { defineNode } from '../types';

export default defineNode({
  type: 'monitor.drift',
  version: 1,
  title: 'Drift report',
  stage: 'monitor',
  description: 'Compares a current table with a reference per column (KS, PSI, chi-squared) and reports drift.',
  inputs: [
    { name: 'reference', kind: 'table' },
    { name: 'current', kind: 'table' },
  ],
  outputs: [{ name: 'report', kind: 'report' }],
  params: z.object({
    columns: z.array(z.string().min(1)).optional().describe('columns to compare; all when omitted'),
    method: z.enum(['auto', 'ks', 'psi', 'chi2', 'wasserstein']).default('auto').describe('test per column'),
    threshold: z.number().optional().describe('drift threshold; per method when omitted'),
  }).strict(),
  columnParams: ['columns'],
});
