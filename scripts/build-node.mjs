// Bundles the Node side (CLI, engine worker, web server, Electron main and preload) with esbuild.
// Dependencies stay external: they are resolved from node_modules at run time.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const entries = {
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
const entryPoints = Object.fromEntries(Object.entries(entries).filter(([, src]) => existsSync(join(root, src))));
let build;
try {
  ({ build } = await import('esbuild'));
} catch {
  // A production install (npm ci --omit=dev) has no esbuild: use the prebuilt dist/ when it is there.
  if (existsSync(join(root, 'dist', 'cli.cjs'))) process.exit(0);
  console.error('esbuild is not installed and dist/ is not built: run `npm install` first');
  process.exit(1);
}
const started = Date.now();
await build({
  absWorkingDir: root,
  entryPoints,
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  define: { __PIPEWRIGHT_VERSION__: JSON.stringify(pkg.version) },
});
console.error(`built ${Object.keys(entryPoints).join(', ')} in ${Date.now() - started} ms`);
