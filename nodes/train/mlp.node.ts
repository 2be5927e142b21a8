import { defineNode } from '../types';
import { mlpConfig, mlpParams } from './common';
import { runTrainer } from './trainer';

export default defineNode({
  type: 'train.mlp',
  version: 1,
  title: 'Neural network (MLP)',
  stage: 'train',
  description: 'A multi-layer perceptron for binary, multi-class or regression tasks.',
  inputs: [{ name: 'train', kind: 'table' }],
  outputs: [{ name: 'model', kind: 'model' }],
  params: mlpParams,
  columnParams: ['label'],
  usesCompute: true,
  trainer: { config: mlpConfig },
  run: ({ inputs, params, ctx }) => runTrainer(inputs, ctx, mlpConfig(params)),
});
