import { defineParams } from '../params';
import { linearParams } from './trainer-params';

export default defineParams({
  type: 'train.logistic_regression',
  version: 1,
  params: linearParams,
});
