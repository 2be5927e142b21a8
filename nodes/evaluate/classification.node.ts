import { defineNode } from '../types';
import { runEvaluate, scoreClassification } from './evaluate';
import { CLASSIFICATION_METRICS } from '../schema';
import spec from './classification.params';

export default defineNode({
  ...spec,
  title: 'Evaluate classifier',
  stage: 'evaluate',
  description: 'Accuracy, precision, recall, F1, ROC AUC and log loss of a model on a test table (or, with no model connected, of the predictions the table holds, e.g. logged requests with their attached labels); the confusion matrix and ROC curve.',
  inputs: [
    { name: 'model', kind: 'model', optional: true },
    { name: 'test', kind: 'table' },
  ],
  outputs: [{ name: 'metrics', kind: 'metrics' }],
  columnParams: ['label', 'prediction'],
  usesCompute: true,
  headlineMetrics: true,
  schema: () => ({ outputs: { metrics: { metrics: CLASSIFICATION_METRICS } } }),
  metrics: { names: [...CLASSIFICATION_METRICS] },
  run: async ({ inputs, params, ctx }) => ({ metrics: { kind: 'metrics', json: await runEvaluate(inputs, ctx, params.label, scoreClassification, { task: 'classification', prediction: params.prediction }) } }),
});
