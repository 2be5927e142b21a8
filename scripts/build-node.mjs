// Bundles the Node side (CLI, engine worker, web server, Electron main and preload) with esbuild.
// Dependencies stay external: they are resolved from node_modules at run time.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { NODE_BUNDLE, NODE_ENTRIES } from './node-bundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const entryPoints = Object.fromEntries(Object.entries(NODE_ENTRIES).filter(([, src]) => existsSync(join(root, src))));
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
  ...NODE_BUNDLE,
  sourcemap: true,
  logLevel: 'warning',
  define: { __PIPEWRIGHT_VERSION__: JSON.stringify(pkg.version) },
});
console.error(`built ${Object.keys(entryPoints).join(', ')} in ${Date.now() - started} ms`);
