/** Every migration, in order. Append only: the last one's version is the schema this app writes. */
import { initial } from './0001-initial';
import { childExecutions } from './0002-child-executions';
import { artifactChunks } from './0003-artifact-chunks';
import { modelRegistry } from './0004-model-registry';
import { predictionLog } from './0005-prediction-log';
import { featureStore } from './0006-feature-store';
import { triggerQueue } from './0007-trigger-queue';
import type { Migration } from './types';

export type { Migration } from './types';

export const migrations: readonly Migration[] = [initial, childExecutions, artifactChunks, modelRegistry, predictionLog, featureStore, triggerQueue];

export const LATEST_VERSION = migrations[migrations.length - 1].version;
