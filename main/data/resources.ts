/**
 * Finds the folder of bundled sample data (resources/data) from wherever the code runs: the
 * TypeScript sources (tests, tsx), the esbuild bundle in dist/, or a packaged Electron app.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const MARKER = 'iris.csv';

export function findResourcesDir(): string {
  const env = process.env.PIPEWRIGHT_RESOURCES;
  if (env && existsSync(join(env, MARKER))) return resolve(env);
  // electron-builder puts extraResources under process.resourcesPath.
  const packaged = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  const starts: string[] = [];
  if (packaged) starts.push(join(packaged, 'data'), join(packaged, 'resources', 'data'));
  for (const s of starts) if (existsSync(join(s, MARKER))) return s;
  const roots = [typeof __dirname === 'string' ? __dirname : '', process.argv[1] ? dirname(process.argv[1]) : '', process.cwd()];
  for (const root of roots) {
    if (!root) continue;
    let dir = resolve(root);
    for (let i = 0; i < 8; i++) {
      const candidate = join(dir, 'resources', 'data');
      if (existsSync(join(candidate, MARKER))) return candidate;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return '';
}
