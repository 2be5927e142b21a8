import { z } from 'zod';
import { defineParams } from '../params';

export default defineParams({
  type: 'features.standardize',
  version: 1,
  params: z.object({
    exclude: z.array(z.string().min(1)).default([]).describe('columns left as they are'),
  }).strict(),
});
