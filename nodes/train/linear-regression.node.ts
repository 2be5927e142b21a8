import { defineNode } from '../types';
import { linearParams } from './common';

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
});
