/**
 * A run's JSON outputs are kept under their content hash (`<sha256>.json` in the run's folder).
 * Two nodes may produce the same JSON (gate.metric and deploy.register pass their input on), so
 * the second writes a file the first already wrote, and the run recorder may be reading that
 * first file at the time (it stores artifacts after the node is done, on its own thread). A plain
 * writeFileSync truncates before it writes, and the reader then saw an empty file: the run failed
 * with "its bytes hash to e3b0c442… (nothing), not … it was reported with". Written to a temporary
 * name and renamed over the real one, a reader gets the whole old file or the whole new one.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function writeContentFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  const tmp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return path;
}
