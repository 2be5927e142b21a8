import { defineNode } from '../types';
import { linearConfig } from './common';
import { runTrainer } from './trainer';
import spec from './logistic-regression.params';

export default defineNode({
  ...spec,
  title: 'Logistic regression',
  stage: 'train',
  description: 'Binary or multi-class (softmax) logistic regression, trained with Adam.',
  inputs: [{ name: 'train', kind: 'table' }],
  outputs: [{ name: 'model', kind: 'model' }],
  columnParams: ['label'],
  usesCompute: true,
  trainer: { config: (p) => linearConfig('train.logistic_regression', 'classification', p) },
  run: ({ inputs, params, ctx }) => runTrainer(inputs, ctx, linearConfig('train.logistic_regression', 'classification', params)),
});
