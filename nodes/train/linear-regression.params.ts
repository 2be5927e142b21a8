import { defineParams } from '../params';
import { linearParams } from './trainer-params';

export default defineParams({
  type: 'train.linear_regression',
  version: 1,
  params: linearParams,
});
