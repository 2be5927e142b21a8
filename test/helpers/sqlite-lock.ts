/**
 * Another process holding an SQLite file's write lock, as a second `pipewright`, the app or a
 * user's `sqlite3` shell would: a real child process that opens the file and runs
 * `BEGIN IMMEDIATE` (then, optionally, some statements of its own) until it commits.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

const HOLDER = `
const Database = require('better-sqlite3');
const [file, ms, wal, sql] = JSON.parse(process.argv[1]);
const db = new Database(file);
db.pragma('busy_timeout = 60000');
if (wal) db.pragma('journal_mode = WAL');
db.exec('BEGIN IMMEDIATE');
for (const s of sql) db.exec(s);
process.stdout.write('locked\\n');
let done = false;
const commit = () => {
  if (done) return;
  done = true;
  db.exec('COMMIT');
  db.close();
  process.stdout.write('released\\n');
  process.exit(0);
};
setTimeout(commit, ms);
process.stdin.on('data', commit);
`;

export interface LockHolder {
  pid: number;
  /** commits and exits now (the parent's event loop must be free to send it) */
  release(): Promise<void>;
  /** resolves when the holder has committed and exited */
  exited: Promise<void>;
}

/**
 * Starts the holder and resolves once it holds the lock. It commits after `ms` on its own clock,
 * so a parent blocked in a synchronous wait is released too.
 */
export function holdWriteLock(file: string, opts: { ms: number; wal?: boolean; sql?: string[] }): Promise<LockHolder> {
  const child = spawn(process.execPath, ['-e', HOLDER, JSON.stringify([file, opts.ms, Boolean(opts.wal), opts.sql ?? []])], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  return new Promise((res, rej) => {
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('locked\n'))
        res({
          pid: child.pid!,
          exited,
          release: async () => {
            if (child.exitCode === null) child.stdin.write('go\n');
            await exited;
          },
        });
    });
    child.on('exit', (code) => {
      if (!out.includes('locked\n')) rej(new Error(`the lock holder exited (${code}) before locking: ${err}`));
    });
  });
}
