import { z } from 'zod';
import { DRIFT_METHODS } from '../../shared/drift';
import { defineParams } from '../params';

const METHODS = ['auto', ...DRIFT_METHODS, 'chi2'] as const;

export default defineParams({
  type: 'monitor.drift',
  version: 1,
  params: z.object({
    columns: z.array(z.string().min(1)).min(1).optional().describe('columns to compare; every column both tables have when omitted'),
    method: z.enum(METHODS).default('auto').describe('test per column; auto picks by column kind and reference size (chi2 is read as chisquare)'),
    threshold: z.number().positive().optional().describe('drift bound of an explicit method (p-value for tests, distance otherwise)'),
    driftShare: z.number().min(0).max(1).default(0.5).describe('the dataset drifts when at least this share of columns drift'),
  }).strict(),
  check: (p) => (p.threshold !== undefined && p.method === 'auto' ? [{ param: 'threshold', message: 'needs an explicit method (auto uses each test’s own bound)' }] : []),
});
