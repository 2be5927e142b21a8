/**
 * What `validate` and `fmt` share: reading pipeline files against the core registry, and
 * writing a file so that a crash never leaves it half-written.
 */
import { closeSync, fsyncSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createChecker } from '../../../nodes/checker';
import { registry } from '../../../nodes/registry';
import type { NodeTypeChecker } from '../../../shared/pipeline';
import type { Issue } from '../../../shared/pipeline/model';

let checker: NodeTypeChecker | undefined;
export function coreChecker(): NodeTypeChecker {
  return (checker ??= createChecker(registry));
}

/** The file's text, or an issue saying why it cannot be read. */
export function readPipelineFile(cwd: string, file: string): { text: string } | { error: Issue } {
  try {
    return { text: readFileSync(resolve(cwd, file), 'utf8') };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.message;
    return { error: { place: 'document', message: `cannot read the file: ${why}` } };
  }
}

/** Temp file beside the target, fsync, rename: the target is always the old or the new text. */
export function writeFileAtomic(file: string, text: string): void {
  let path = file;
  let mode = 0o644;
  try {
    // Through a symlink, replace the file it points at, not the link.
    path = realpathSync(file);
    mode = statSync(path).mode & 0o7777;
  } catch {
    // new file: default mode
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
