import { createPredictionLogTables } from '../../serving/prediction-log';
import type { Migration } from './types';

/** The model server's prediction log and feedback labels (contract section 6); SQL in main/serving/prediction-log.ts. */
export const predictionLog: Migration = {
  version: 5,
  name: 'prediction-log',
  up(db) {
    createPredictionLogTables(db);
  },
};
