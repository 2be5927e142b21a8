/**
 * Replaces a file's content so that no reader ever sees a part of it: the text is written to a
 * temporary file beside it (a name of its own, so writers on other threads of this process do not
 * share it) and renamed over the file. A reader gets the whole old file or the whole new one; a
 * failed write leaves the old file as it was and no temporary file behind.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function replaceFile(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
