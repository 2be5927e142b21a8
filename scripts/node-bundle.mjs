// What every esbuild bundle of the Node side shares: scripts/build-node.mjs (dist/), the CLI
// bundle of the tests that spawn `pipewright` (test/helpers/cli-bundle.ts) and the code bench's
// workers (bench/code.bench.ts). One CommonJS file per entry, dependencies left external (they
// are resolved from node_modules at run time).

/** The Node side's entry points: output name → source. */
export const NODE_ENTRIES = {
  cli: 'main/cli/main.ts',
  worker: 'main/engine/worker.ts',
  'code-worker': 'main/data/code-worker.ts',
  'trial-worker': 'main/compute/trial-worker.ts',
  'step-worker': 'main/compute/step-worker.ts',
  'log-writer': 'main/serving/log-writer.ts',
  'lease-writer': 'main/serving/lease-writer.ts',
  web: 'main/server/web-main.ts',
  'electron/main': 'main/electron/main.ts',
  'electron/preload': 'main/electron/preload.ts',
};

/** esbuild options for a bundle of some of those entries (add entryPoints, outdir, logLevel). */
export const NODE_BUNDLE = {
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
};
