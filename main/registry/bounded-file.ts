/**
 * Reading a file someone handed us by path (a model file to register or serve, its `.sha256`, a
 * metrics file): it must be a regular file (a symlink to one is fine) no bigger than a bound.
 * The check and the read use one descriptor opened non-blocking, so a path swapped for a FIFO or
 * a device between a check and a read cannot block the process, and a folder, a pipe, a device or
 * a socket is refused before a byte is read. Errors name the file and what is wrong.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { whatItIs } from '../data/data-file';

export class FileRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileRefused';
  }
}

const mib = (n: number): string => `${Math.round((n / (1 << 20)) * 10) / 10} MiB`;

/**
 * The bytes of regular file `path`, at most `maxBytes`; `what` names it in errors ("model file").
 * `missing: null` gives null for a path that does not exist instead of refusing it.
 */
export function readBoundedFile(path: string, maxBytes: number, what: string): Buffer;
export function readBoundedFile(path: string, maxBytes: number, what: string, missing: null): Buffer | null;
export function readBoundedFile(path: string, maxBytes: number, what: string, missing?: null): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if ((code === 'ENOENT' || code === 'ENOTDIR') && missing === null) return null;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FileRefused(`${path}: no such ${what}`);
    if (code === 'ENXIO') throw new FileRefused(`${path}: a socket, not a ${what}`);
    throw new FileRefused(`${path}: cannot open the ${what} (${code ?? (e as Error).message})`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new FileRefused(`${path}: a folder, not a ${what}`);
    if (!st.isFile()) throw new FileRefused(`${path}: ${whatItIs(st)}, not a ${what}: only regular files are read`);
    if (st.size > maxBytes) throw new FileRefused(`${path}: ${mib(st.size)}, more than a ${what} may be (${mib(maxBytes)})`);
    // one byte more than its size: a file that grows while it is read is refused, never cut short
    const buf = Buffer.allocUnsafe(st.size + 1);
    let got = 0;
    for (let n = -1; n !== 0 && got < buf.length; got += n) n = readSync(fd, buf, got, buf.length - got, null);
    if (got > st.size) throw new FileRefused(`${path}: the ${what} changed while it was read`);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}
