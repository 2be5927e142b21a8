/**
 * A fresh bundle of the CLI (and the workers it starts) for tests that spawn `pipewright` as a
 * real process: built from the sources under test, not whatever `dist/` holds.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');

export interface CliBundle {
  dir: string;
  /** `node -e` code that runs the CLI with the process's argv */
  script: string;
  remove(): void;
}

export async function buildCli(tag: string): Promise<CliBundle> {
  const dir = join(ROOT, 'test-results', `${tag}-dist-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const { build } = await import('esbuild');
  await build({
    absWorkingDir: ROOT,
    entryPoints: { cli: 'main/cli/main.ts', worker: 'main/engine/worker.ts', 'code-worker': 'main/data/code-worker.ts' },
    outdir: dir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    logLevel: 'error',
  });
  return { dir, script: `require(${JSON.stringify(join(dir, 'cli.cjs'))}).runCli()`, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
