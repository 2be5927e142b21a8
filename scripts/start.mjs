// `npm start`: the desktop app when Electron's binary is installed, the browser version otherwise
// (Electron's postinstall downloads its binary; offline machines do not get one).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureBuilt, root, serveWeb } from './web.mjs';

/**
 * Where the Electron binary is, or null. Deliberately not `require('electron')`: that tries to
 * download a missing binary, which hangs or fails on an offline machine.
 */
function electronBinary() {
  const pkg = join(root, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const rel = readFileSync(pathFile, 'utf8').trim();
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH || join(pkg, 'dist');
  const bin = join(dist, rel);
  return existsSync(bin) ? bin : null;
}

const args = process.argv.slice(2);
const electron = electronBinary();
ensureBuilt();
if (electron) {
  const cwd = process.env.INIT_CWD && existsSync(process.env.INIT_CWD) ? process.env.INIT_CWD : process.cwd();
  const child = spawn(electron, [root, ...args.map((a) => (a.startsWith('-') ? a : resolve(cwd, a)))], { cwd: root, stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
} else {
  process.stderr.write("Electron's binary is not installed (it could not be fetched offline), so Pipewright opens in your browser instead:\n");
  serveWeb(args);
}
