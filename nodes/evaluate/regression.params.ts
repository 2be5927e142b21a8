import { z } from 'zod';
import { defineParams } from '../params';

export default defineParams({
  type: 'evaluate.regression',
  version: 1,
  params: z.object({
    label: z.string().min(1).describe('the true target column'),
    prediction: z.string().min(1).optional().describe('without a model: the column of predictions the table holds (default prediction; data.predictions writes it)'),
  }).strict(),
});
