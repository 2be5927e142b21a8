import { createTriggerTables } from '../../watch/queue';
import type { Migration } from './types';

/** What started each run, and the durable queue of fired triggers (contract section 8); SQL in main/watch/queue.ts. */
export const triggerQueue: Migration = {
  version: 7,
  name: 'trigger-queue',
  up(db) {
    createTriggerTables(db);
  },
};
