/**
 * A fresh bundle of the CLI (and the workers it starts) for tests that spawn `pipewright` as a
 * real process: built from the sources under test, not whatever `dist/` holds; and the spawned
 * process, followed by its progress on stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NODE_BUNDLE, NODE_ENTRIES } from '../../scripts/node-bundle.mjs';

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
    entryPoints: { cli: NODE_ENTRIES.cli, worker: NODE_ENTRIES.worker, 'code-worker': NODE_ENTRIES['code-worker'] },
    outdir: dir,
    ...NODE_BUNDLE,
    logLevel: 'error',
  });
  return { dir, script: `require(${JSON.stringify(join(dir, 'cli.cjs'))}).runCli()`, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CliProcess {
  child: ChildProcess;
  /** the exit code (null when killed by a signal) */
  exited: Promise<number | null>;
  stderr(): string;
  /** Resolves once the progress count of stderr so far reaches `n` (at once when it has). */
  progressed(n: number): Promise<void>;
}

/**
 * Spawns `pipewright ARGS...` from the bundle. `progress` counts what stderr says so far (say,
 * the finished lines): a test waits on that count, so a kill lands at the same point of the
 * work on a loaded machine as on an idle one.
 */
export function spawnCli(cli: CliBundle, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; progress: (stderr: string) => number }): CliProcess {
  const child = spawn(process.execPath, ['-e', cli.script, 'pipewright', ...args], { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
  let stderr = '';
  let seen = opts.progress('');
  const waiters: { n: number; resolve: () => void }[] = [];
  const wake = (): void => {
    for (const w of waiters.filter((x) => x.n <= seen)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    seen = opts.progress(stderr);
    wake();
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    exited,
    stderr: () => stderr,
    progressed: (n) =>
      new Promise<void>((resolve) => {
        waiters.push({ n, resolve });
        wake();
      }),
  };
}
