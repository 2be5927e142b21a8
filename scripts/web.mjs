// `npm run web [-- --port N] [-- --open FILE]`: builds what is missing or stale (the Node bundle,
// the renderer), then serves the editor on 127.0.0.1 and prints its URL with the launch token.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Newest modification time of the source files under `dirs` (tests excluded), 0 when none. */
function newestSource(dirs, files = []) {
  let newest = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) if (name !== 'node_modules' && !name.startsWith('.')) visit(join(p, name));
    } else if (!/\.test\.tsx?$/.test(p)) newest = Math.max(newest, st.mtimeMs);
  };
  for (const d of [...dirs, ...files]) visit(join(root, d));
  return newest;
}

function mtime(file) {
  return existsSync(join(root, file)) ? statSync(join(root, file)).mtimeMs : 0;
}

function run(cmd, args, what) {
  process.stderr.write(`${what}…\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`${what} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(r.status ?? 1);
  }
}

/** Rebuilds the Node bundle and the renderer when they are missing or older than their sources. */
export function ensureBuilt({ renderer = true } = {}) {
  const nodeSources = newestSource(['main', 'shared', 'nodes'], ['scripts/build-node.mjs', 'package.json']);
  const bundles = ['dist/cli.cjs', 'dist/web.cjs', 'dist/worker.cjs', 'dist/electron/main.cjs'].map(mtime);
  if (bundles.some((t) => t === 0 || t < nodeSources)) run(process.execPath, [join(root, 'scripts', 'build-node.mjs')], 'Building the Node side');

  if (!renderer) return;
  if (!existsSync(join(root, 'renderer', 'vite.config.mts'))) {
    process.stderr.write('renderer/vite.config.mts is missing: serving without the editor UI\n');
    return;
  }
  const uiSources = newestSource(['renderer', 'shared'], ['package.json']);
  const built = mtime('dist/renderer/index.html');
  if (built === 0 || built < uiSources) {
    const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
    if (!existsSync(vite)) {
      process.stderr.write('vite is not installed (a production install?): serving the prebuilt UI if there is one\n');
      return;
    }
    run(process.execPath, [vite, 'build', '--config', join('renderer', 'vite.config.mts'), '--logLevel', 'warn'], 'Building the editor UI');
  }
}

/** Runs the web server in the foreground; Ctrl+C stops it. */
export function serveWeb(args) {
  // npm runs scripts from the package folder; INIT_CWD is where the user typed the command, so
  // `npm run web -- --open my.pipeline.yaml` finds their file.
  const cwd = process.env.INIT_CWD && existsSync(process.env.INIT_CWD) ? process.env.INIT_CWD : process.cwd();
  const child = spawn(process.execPath, [join(root, 'dist', 'web.cjs'), ...args], { cwd, stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  ensureBuilt();
  serveWeb(process.argv.slice(2));
}
