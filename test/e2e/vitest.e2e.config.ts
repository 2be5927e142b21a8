import { defineConfig } from 'vitest/config';

// Browser tests share one server (started by run-e2e.mjs) and run one file at a time: they
// drive a real Chromium on a 2-core machine, and screenshots are numbered in order.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    pool: 'forks',
    maxWorkers: 1,
  },
});
