import { z } from 'zod';
import { defineParams } from '../params';
import { parseInstant } from './time-text';

export default defineParams({
  type: 'features.materialize',
  version: 1,
  params: z.object({
    asOf: z.string().min(1).optional().describe('ISO 8601 time (no zone: UTC); default: now'),
  }).strict(),
  check: (p) => (p.asOf !== undefined && parseInstant(p.asOf) === null ? [{ param: 'asOf', message: `must be an ISO 8601 time such as 2024-01-31 12:00:00 or 2024-01-31T12:00:00Z (got ${JSON.stringify(p.asOf)})` }] : []),
});
