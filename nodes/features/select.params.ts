import { z } from 'zod';
import { defineParams } from '../params';

export default defineParams({
  type: 'features.select',
  version: 1,
  params: z.object({
    columns: z.array(z.string().min(1)).min(1).optional().describe('columns to keep'),
    exclude: z.array(z.string().min(1)).optional().describe('columns to drop'),
  }).strict(),
  check: (p) =>
    (p.columns === undefined) === (p.exclude === undefined)
      ? [{ param: 'columns', message: 'set exactly one of columns or exclude' }]
      : [],
});
