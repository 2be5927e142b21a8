/**
 * Where Pipewright keeps its own files. `PIPEWRIGHT_HOME` moves all of them (tests, portable
 * installs); otherwise the platform's config folder holds settings and ~/.pipewright the workspace.
 */
import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

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

/** True when `path` is `folder` or inside it (both absolute, symlinks already resolved). */
export function isInside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The real file behind a pipeline file the user asked to open. A `.yaml` that is a symlink is
 * followed only to a `.yaml`/`.yml` file inside the link's own folder or inside one of
 * `openedFolders` (the workspace, the folders of the projects and files the app has open): a
 * shared repository's `demo.pipeline.yaml -> ~/.config/gh/hosts.yml` would otherwise show the
 * token in the editor and save it into the project file. Folders on the way are the user's own
 * layout and are taken as they are. Throws an Error saying why a link is refused; ENOENT passes
 * through as Node's own error.
 */
export function openedFileTarget(abs: string, openedFolders: readonly string[]): string {
  if (!lstatSync(abs).isSymbolicLink()) return abs;
  const real = realpathSync(abs);
  const roots = [dirname(abs), ...openedFolders].flatMap((f) => {
    try {
      return [realpathSync(f)];
    } catch {
      return [];
    }
  });
  if (!/\.ya?ml$/i.test(real)) throw new Error(`${abs} is a link to ${real}, which is not a pipeline file`);
  if (!roots.some((r) => isInside(real, r))) throw new Error(`${abs} is a link to ${real}, outside the folders you opened: open the file itself`);
  return real;
}
