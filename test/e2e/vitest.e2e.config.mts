import { defineConfig } from 'vitest/config';

// Browser tests share one server (started by run-e2e.mjs) and run one file at a time: they
// drive a real Chromium on a 2-core machine, and screenshots are numbered in order.
// They wait on state (selectors, app flags, texts), never on time; the limits below only bound a
// wait that would otherwise hang, and are generous because CI machines are slow and shared.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 240_000,
    expect: { poll: { timeout: 60_000, interval: 100 } },
    fileParallelism: false,
    pool: 'forks',
    maxWorkers: 1,
  },
});
