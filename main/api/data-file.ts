/**
 * A data file the desktop app was handed by path (the native open dialog, a file dropped on the
 * window): checked before a node is pointed at it. It must be an existing regular file (not a
 * folder, a device or a pipe), outside the system's own folders (also when reached through a
 * link), and one the node type reads by its extension. Returns the file's real path.
 */
import { realpathSync, statSync } from 'node:fs';
import { basename, isAbsolute, sep } from 'node:path';
import { RpcError } from '../../shared/api/rpc';

/** Folders no data file of the user's lives in: pseudo file systems, devices, system configuration. */
const SYSTEM_DIRS = ['/proc', '/sys', '/dev', '/run', '/etc', '/boot', '/private/etc', '/System', '/var/run'];

export function checkDataFile(path: string, extensions: readonly string[]): string {
  const refuse = (why: string): never => {
    throw new RpcError(`${path}: ${why}`, 'invalid_params');
  };
  if (!isAbsolute(path) || path.includes('\0')) refuse('not an absolute path to a file');
  if (/^\\\\[.?]\\/.test(path)) refuse('a device path, not a data file');
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return refuse('no such file');
  }
  const system = SYSTEM_DIRS.find((d) => real === d || real.startsWith(d + sep) || real.startsWith(d + '/'));
  if (system) refuse(`${real === path ? 'in' : `a link into`} a system folder (${system}): choose a data file of your own`);
  const st = statSync(real);
  if (st.isDirectory()) refuse('a folder, not a data file');
  if (!st.isFile()) refuse('not a regular file (a device, pipe or socket)');
  const name = basename(real).toLowerCase();
  if (!extensions.some((e) => name.endsWith(e.toLowerCase()))) refuse(`not a file this node reads (${extensions.join(', ')})`);
  return real;
}
