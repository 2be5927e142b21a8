/** What a command may touch: its streams, so tests can run commands in-process. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** true when stderr is a terminal (live progress display) */
  isTTY: boolean;
  cwd: string;
}

export const processIO = (): CliIO => ({
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  isTTY: Boolean(process.stderr.isTTY),
  cwd: process.cwd(),
});

/** A usage error: exit code 2 with the message. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `--help` / `-h`: the command's usage goes to stdout and the exit code is 0. */
export class HelpRequested extends UsageError {
  constructor(readonly usage: string) {
    super(usage);
    this.name = 'HelpRequested';
  }
}

export type Command = (argv: string[], io: CliIO) => Promise<number>;
