import { defineParams } from '../params';
import { mlpParams } from './trainer-params';

export default defineParams({
  type: 'train.mlp',
  version: 1,
  params: mlpParams,
});
