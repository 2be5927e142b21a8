// `npm run dist [-- --linux|--win|--mac ...]`: desktop packages with electron-builder.
// Native modules (better-sqlite3) are rebuilt for Electron's ABI here and only here — never in
// postinstall, because the CLI and the tests run the same node_modules on plain Node.js. The
// Node build of each addon is put back afterwards, so `npm test` keeps working after packaging.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, root } from './web.mjs';

const NODE_ADDONS = ['node_modules/better-sqlite3/build/Release/better_sqlite3.node'];

function run(cmd, args, what) {
  process.stderr.write(`${what}…\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  return r.status === 0;
}

const builder = join(root, 'node_modules', 'electron-builder', 'cli.js');
if (!existsSync(builder)) {
  process.stderr.write('electron-builder is not installed: run `npm install` (dev dependencies) first\n');
  process.exit(1);
}

ensureBuilt();
const backup = mkdtempSync(join(tmpdir(), 'pipewright-addons-'));
const saved = NODE_ADDONS.filter((f) => existsSync(join(root, f)));
saved.forEach((f, i) => copyFileSync(join(root, f), join(backup, String(i))));
let ok;
try {
  ok =
    run(process.execPath, [builder, 'install-app-deps'], "Rebuilding native modules for Electron's ABI") &&
    run(process.execPath, [builder, '--config', 'electron-builder.yml', '--publish', 'never', ...process.argv.slice(2)], 'Packaging with electron-builder');
} finally {
  saved.forEach((f, i) => copyFileSync(join(backup, String(i)), join(root, f)));
  rmSync(backup, { recursive: true, force: true });
}
if (ok) process.stderr.write('Packages are in release/\n');
process.exit(ok ? 0 : 1);
