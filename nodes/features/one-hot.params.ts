import { z } from 'zod';
import { defineParams } from '../params';

export default defineParams({
  type: 'features.one_hot',
  version: 1,
  params: z.object({
    columns: z.array(z.string().min(1)).min(1).describe('categorical columns to encode'),
  }).strict(),
});
