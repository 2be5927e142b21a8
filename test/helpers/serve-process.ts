import { spawn, type ChildProcess } from 'node:child_process';

export interface ServeProcess {
  proc: ChildProcess;
  /** the URL it printed on its first line */
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** what it wrote to stderr so far */
  stderr: () => string;
  /** SIGTERM, then its exit code (-1 for a signal) */
  stop(): Promise<number>;
}

/**
 * Starts `pipewright serve ARGS` (the CLI bundle at `cli`) and resolves once it prints
 * "serving at URL"; rejects, with its stderr, when it exits before. `started` is told of the
 * process at once, so that a test's cleanup can kill it whatever happens next.
 */
export function startServe(cli: string, args: string[], opts: { cwd: string; started?: (proc: ChildProcess) => void }): Promise<ServeProcess> {
  const proc = spawn(process.execPath, [cli, 'serve', ...args], { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  opts.started?.(proc);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => proc.once('exit', (code, signal) => done({ code, signal })));
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const stop = (): Promise<number> => {
    proc.kill('SIGTERM');
    return exited.then(({ code }) => code ?? -1);
  };
  return new Promise((done, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^serving at (http:\/\/\S+)\n/.exec(out);
      if (m) done({ proc, url: m[1], exited, stderr: () => err, stop });
    });
    void exited.then(({ code }) => reject(new Error(`pipewright serve exited ${code} before listening: ${err}`)));
  });
}
