/**
 * Where Pipewright keeps its own files. `PIPEWRIGHT_HOME` moves all of them (tests, portable
 * installs); otherwise the platform's config folder holds settings and ~/.pipewright the workspace.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PIPEWRIGHT_HOME) return resolve(env.PIPEWRIGHT_HOME);
  const home = homedir();
  if (process.platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Pipewright');
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'Pipewright');
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'pipewright');
}

/** The folder a first start fills with a ready-to-run example project. */
export function workspaceDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PIPEWRIGHT_HOME) return join(resolve(env.PIPEWRIGHT_HOME), 'workspace');
  return join(homedir(), '.pipewright', 'workspace');
}

/**
 * The app's root folder (the one holding package.json and resources/). Bundles live in dist/ and
 * dist/electron/, sources in main/api/: walk up from `from` until resources/ is found.
 */
export function findAppRoot(from: string): string | null {
  let dir = resolve(from);
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'resources', 'examples')) || existsSync(join(dir, 'resources', 'data'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/** The bundled resources/ folder: an override, a packaged app's extraResources, or the source tree. */
export function findResourcesDir(from: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.PIPEWRIGHT_RESOURCES && existsSync(env.PIPEWRIGHT_RESOURCES)) return resolve(env.PIPEWRIGHT_RESOURCES);
  // electron-builder copies resources/ beside app.asar (see extraResources in electron-builder.yml).
  const packaged = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  if (packaged && existsSync(join(packaged, 'resources'))) return join(packaged, 'resources');
  const root = findAppRoot(from);
  return root ? join(root, 'resources') : null;
}
