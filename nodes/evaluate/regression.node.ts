import { z } from 'zod';
import { defineNode } from '../types';
import { runEvaluate, scoreRegression } from './evaluate';
import { REGRESSION_METRICS } from '../schema';

export default defineNode({
  type: 'evaluate.regression',
  version: 1,
  title: 'Evaluate regressor',
  stage: 'evaluate',
  description: 'MSE, RMSE, MAE and R² of a model on a test table (or, with no model connected, of the predictions the table holds).',
  inputs: [
    { name: 'model', kind: 'model', optional: true },
    { name: 'test', kind: 'table' },
  ],
  outputs: [{ name: 'metrics', kind: 'metrics' }],
  params: z.object({
    label: z.string().min(1).describe('the true target column'),
    prediction: z.string().min(1).optional().describe('without a model: the column of predictions the table holds (default prediction; data.predictions writes it)'),
  }).strict(),
  columnParams: ['label', 'prediction'],
  usesCompute: true,
  headlineMetrics: true,
  schema: () => ({ outputs: { metrics: { metrics: REGRESSION_METRICS } } }),
  metrics: { names: [...REGRESSION_METRICS] },
  run: async ({ inputs, params, ctx }) => ({ metrics: { kind: 'metrics', json: await runEvaluate(inputs, ctx, params.label, scoreRegression, { task: 'regression', prediction: params.prediction }) } }),
});
