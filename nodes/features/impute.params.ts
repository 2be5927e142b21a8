import { z } from 'zod';
import { defineParams } from '../params';

export default defineParams({
  type: 'features.impute',
  version: 1,
  params: z.object({
    strategy: z.enum(['mean', 'median', 'most_frequent', 'constant']).default('mean').describe('how to fill'),
    value: z.union([z.number(), z.string()]).optional().describe('the fill value, for strategy constant'),
    columns: z.array(z.string().min(1)).optional().describe('columns to fill; all with missing values when omitted'),
  }).strict(),
  check: (p) => (p.strategy === 'constant' && p.value === undefined ? [{ param: 'value', message: 'required when strategy is constant' }] : []),
});
