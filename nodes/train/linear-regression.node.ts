import { defineNode } from '../types';
import { linearConfig, linearParams } from './common';
import { runTrainer } from './trainer';

export default defineNode({
  type: 'train.linear_regression',
  version: 1,
  title: 'Linear regression',
  stage: 'train',
  description: 'Linear regression on a standardised target, trained with Adam; predictions in the original units.',
  inputs: [{ name: 'train', kind: 'table' }],
  outputs: [{ name: 'model', kind: 'model' }],
  params: linearParams,
  columnParams: ['label'],
  usesCompute: true,
  trainer: { config: (p) => linearConfig('train.linear_regression', 'regression', p) },
  run: ({ inputs, params, ctx }) => runTrainer(inputs, ctx, linearConfig('train.linear_regression', 'regression', params)),
});
