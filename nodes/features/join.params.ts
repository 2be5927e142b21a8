import { z } from 'zod';
import { defineParams } from '../params';

const names = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export default defineParams({
  type: 'features.join',
  version: 1,
  params: z.object({
    entity: names.optional().describe("labels' entity column(s), in the order of each view's entity columns (default: the views' own names)"),
    timestamp: z.string().min(1).describe("labels' time column"),
  }).strict(),
});
