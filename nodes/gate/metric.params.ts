import { z } from 'zod';
import { defineParams } from '../params';

export default defineParams({
  type: 'gate.metric',
  version: 1,
  params: z.object({
    metric: z.string().min(1).describe('metric name, e.g. accuracy'),
    min: z.number().optional().describe('lowest value that passes'),
    max: z.number().optional().describe('highest value that passes'),
  }).strict(),
  check: (p) => {
    if (p.min === undefined && p.max === undefined) return [{ param: 'min', message: 'set min, max or both' }];
    if (p.min !== undefined && p.max !== undefined && p.min > p.max) return [{ param: 'max', message: 'must be at least min' }];
    return [];
  },
});
