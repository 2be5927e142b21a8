import { defineNode } from '../types';
import { linearConfig, linearParams } from './common';
import { runTrainer } from './trainer';

export default defineNode({
  type: 'train.logistic_regression',
  version: 1,
  title: 'Logistic regression',
  stage: 'train',
  description: 'Binary or multi-class (softmax) logistic regression, trained with Adam.',
  inputs: [{ name: 'train', kind: 'table' }],
  outputs: [{ name: 'model', kind: 'model' }],
  params: linearParams,
  columnParams: ['label'],
  usesCompute: true,
  trainer: { config: (p) => linearConfig('train.logistic_regression', 'classification', p) },
  run: ({ inputs, params, ctx }) => runTrainer(inputs, ctx, linearConfig('train.logistic_regression', 'classification', params)),
});
