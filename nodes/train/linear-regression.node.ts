import { defineNode } from '../types';
import { linearConfig } from './common';
import { runTrainer } from './trainer';
import spec from './linear-regression.params';

export default defineNode({
  ...spec,
  title: 'Linear regression',
  stage: 'train',
  description: 'Linear regression on a standardised target, trained with Adam; predictions in the original units.',
  inputs: [{ name: 'train', kind: 'table' }],
  outputs: [{ name: 'model', kind: 'model' }],
  columnParams: ['label'],
  usesCompute: true,
  trainer: { config: (p) => linearConfig('train.linear_regression', 'regression', p) },
  run: ({ inputs, params, ctx }) => runTrainer(inputs, ctx, linearConfig('train.linear_regression', 'regression', params)),
});
