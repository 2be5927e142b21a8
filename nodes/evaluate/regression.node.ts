import { defineNode } from '../types';
import { runEvaluate, scoreRegression } from './evaluate';
import { REGRESSION_METRICS } from '../schema';
import spec from './regression.params';

export default defineNode({
  ...spec,
  title: 'Evaluate regressor',
  stage: 'evaluate',
  description: 'MSE, RMSE, MAE and R² of a model on a test table (or, with no model connected, of the predictions the table holds).',
  inputs: [
    { name: 'model', kind: 'model', optional: true },
    { name: 'test', kind: 'table' },
  ],
  outputs: [{ name: 'metrics', kind: 'metrics' }],
  columnParams: ['label', 'prediction'],
  usesCompute: true,
  headlineMetrics: true,
  schema: () => ({ outputs: { metrics: { metrics: REGRESSION_METRICS } } }),
  metrics: { names: [...REGRESSION_METRICS] },
  run: async ({ inputs, params, ctx }) => ({ metrics: { kind: 'metrics', json: await runEvaluate(inputs, ctx, params.label, scoreRegression, { task: 'regression', prediction: params.prediction }) } }),
});
