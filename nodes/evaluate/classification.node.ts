import { z } from 'zod';
import { defineNode } from '../types';
import { runEvaluate, scoreClassification } from './evaluate';
import { CLASSIFICATION_METRICS } from '../schema';

export default defineNode({
  type: 'evaluate.classification',
  version: 1,
  title: 'Evaluate classifier',
  stage: 'evaluate',
  description: 'Accuracy, precision, recall, F1, ROC AUC and log loss of a model on a test table (or, with no model connected, of the predictions the table holds, e.g. logged requests with their attached labels); the confusion matrix and ROC curve.',
  inputs: [
    { name: 'model', kind: 'model', optional: true },
    { name: 'test', kind: 'table' },
  ],
  outputs: [{ name: 'metrics', kind: 'metrics' }],
  params: z.object({
    label: z.string().min(1).describe('the true label column'),
    prediction: z.string().min(1).optional().describe('without a model: the column of predictions the table holds (default prediction; data.predictions writes it)'),
  }).strict(),
  columnParams: ['label', 'prediction'],
  usesCompute: true,
  headlineMetrics: true,
  schema: () => ({ outputs: { metrics: { metrics: CLASSIFICATION_METRICS } } }),
  metrics: { names: [...CLASSIFICATION_METRICS] },
  run: async ({ inputs, params, ctx }) => ({ metrics: { kind: 'metrics', json: await runEvaluate(inputs, ctx, params.label, scoreClassification, { task: 'classification', prediction: params.prediction }) } }),
});
