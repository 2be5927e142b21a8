import { z } from 'zod';
import { defineNode } from '../types';
import { runEvaluate, scoreClassification } from './evaluate';
import { CLASSIFICATION_METRICS } from '../schema';

export default defineNode({
  type: 'evaluate.classification',
  version: 1,
  title: 'Evaluate classifier',
  stage: 'evaluate',
  description: 'Accuracy, precision, recall, F1, ROC AUC and log loss on a test table; the confusion matrix and ROC curve.',
  inputs: [
    { name: 'model', kind: 'model' },
    { name: 'test', kind: 'table' },
  ],
  outputs: [{ name: 'metrics', kind: 'metrics' }],
  params: z.object({ label: z.string().min(1).describe('the true label column') }).strict(),
  columnParams: ['label'],
  usesCompute: true,
  headlineMetrics: true,
  schema: () => ({ outputs: { metrics: { metrics: CLASSIFICATION_METRICS } } }),
  metrics: { names: [...CLASSIFICATION_METRICS] },
  run: async ({ inputs, params, ctx }) => ({ metrics: { kind: 'metrics', json: await runEvaluate(inputs, ctx, params.label, scoreClassification) } }),
});
