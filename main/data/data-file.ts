/**
 * The one check every data file node (data.csv, data.parquet, data.sqlite) goes through before
 * its file is opened: the path must name a regular file (a symlink to one is fine). A named pipe
 * or a device (`/dev/stdin`, `/dev/tty`, a FIFO) would block the read forever inside native
 * code, where neither a cancel nor the termination of the worker thread can reach it.
 */
import { statSync, type Stats } from 'node:fs';
import { NodeError } from '../../nodes/types';

/** What a path that is not a regular file is, in words (for the error). */
export function whatItIs(st: Pick<Stats, 'isFIFO' | 'isCharacterDevice' | 'isBlockDevice' | 'isSocket'>): string {
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Throws a NodeError located at the file unless `path` is a regular file; `kind` names the format. */
export function checkDataFile(path: string, kind: string): void {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new NodeError(`file not found: ${path}`, { file: path });
    throw new NodeError(`cannot read ${path}: ${(e as Error).message}`, { file: path });
  }
  if (st.isFile()) return;
  if (st.isDirectory()) throw new NodeError(`${path} is a folder, not a ${kind} file`, { file: path });
  throw new NodeError(`${path} is ${whatItIs(st)}, not a ${kind} file: only regular files are read`, { file: path });
}
