import { defineNode } from '../types';
import { mlpConfig } from './common';
import { runTrainer } from './trainer';
import spec from './mlp.params';

export default defineNode({
  ...spec,
  title: 'Neural network (MLP)',
  stage: 'train',
  description: 'A multi-layer perceptron for binary, multi-class or regression tasks.',
  inputs: [{ name: 'train', kind: 'table' }],
  outputs: [{ name: 'model', kind: 'model' }],
  columnParams: ['label'],
  usesCompute: true,
  trainer: { config: mlpConfig },
  run: ({ inputs, params, ctx }) => runTrainer(inputs, ctx, mlpConfig(params)),
});
