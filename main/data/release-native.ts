/**
 * DuckDB's results and data chunks are freed only when V8 collects their JavaScript handles, and
 * V8 does not know how much native memory each one holds: the bindings never report it. A read
 * that streams a big table makes thousands of small handles and little other garbage, so no
 * collection comes for seconds while DuckDB's chunks pile up. Reading 1M rows × 21 columns in
 * a fresh `pipewright run` grew the process by 200 MB of chunks already read.
 *
 * `releaseReadChunks` runs a young-generation collection (a scavenge: about 0.1 ms with this
 * little alive), which frees the handles of chunks already copied out, and with them DuckDB's
 * memory. Node exposes `gc` only behind a V8 flag: it is switched on just long enough to take
 * the function from a new context, then off again (as Jest's leak detector does), so no other
 * context (a sandbox's) sees a `gc` global. Where that fails, the read goes on without it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options: { type: 'minor' | 'major'; execution: 'sync' | 'async' }) => void;

let collect: Collect | null | undefined;

function takeCollect(): Collect | null {
  const own = (globalThis as { gc?: unknown }).gc;
  if (typeof own === 'function') return own as Collect;
  try {
    setFlagsFromString('--expose-gc');
    const fn: unknown = runInNewContext('gc');
    return typeof fn === 'function' ? (fn as Collect) : null;
  } catch {
    return null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/** Frees the DuckDB chunks whose handles are no longer reachable; false where it cannot. */
export function releaseReadChunks(): boolean {
  if (collect === undefined) collect = takeCollect();
  if (!collect) return false;
  collect({ type: 'minor', execution: 'sync' });
  return true;
}

/** A streamed read releases its chunks after this many (2048 rows each). */
export const RELEASE_EVERY_CHUNKS = 16;
