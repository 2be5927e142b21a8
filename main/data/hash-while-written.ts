/**
 * The sha256 of a table artifact, computed while DuckDB writes it rather than after.
 *
 * Every table artifact is hashed (artifacts are content-addressed) before its node counts as done.
 * Hashed afterwards, a 160 MiB Parquet file costs about 0.15 s on top of the write; hashed from the
 * JavaScript thread while DuckDB's threads encode and append, the bytes are read from the page cache
 * as they land and most of that time overlaps the write.
 *
 * Sound only for a writer that creates the file and appends to it, never writing back into bytes
 * already written. DuckDB's COPY ... TO writes Parquet through its BufferedFileWriter, which does
 * exactly that (row groups in order, then the footer; src/common/serializer/buffered_file_writer.cpp),
 * so only the engine's own COPY statements use it (duck-engine.ts). Bytes below the file's size are
 * complete (the kernel grows a file's size only after copying a write's bytes), so reading up to the
 * size as it grows reads final bytes. The engine never writes a file twice in place (a retried COPY
 * removes the failed one's file first, csv-reader.ts): a file truncated and written again under the
 * same name and inode is the one case these checks could not see. What is checked at the end: the
 * path still names the file that was read (same device and inode) and its size is the number of
 * bytes hashed; otherwise no digest, and the caller hashes the file whole. And every table the
 * engine hashes is hashed again when the project store keeps it (ArtifactChunks.putFile checks the
 * digest it is given), so a wrong digest would fail the run rather than record wrong data.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

/** A file's sha256 and what identified the file when it was taken (`stat` with bigint times). */
export interface FileDigest {
  hash: string;
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

const CHUNK = 1 << 20;
/** bytes hashed before the loop yields (the write's promise must be able to settle) */
const SLICE = 16 << 20;
/**
 * How long to wait for more bytes when the reader has caught up with the writer: from 2 ms,
 * doubling while nothing comes (a long query writes nothing for minutes) up to 64 ms.
 */
const IDLE_MS = 2;
const IDLE_MAX_MS = 64;

function tryOpen(path: string): number | null {
  try {
    return openSync(path, 'r');
  } catch {
    return null;
  }
}

/**
 * Runs `write` (which creates `path` and appends to it) and hashes the file as it grows. Resolves
 * to what `write` resolved to and the file's digest, or a null digest when the file that was read
 * is not the one at `path` at the end (replaced, removed) or changed size under the reader. Rejects
 * as `write` does.
 */
export async function hashWhileWritten<T>(path: string, write: () => Promise<T>): Promise<{ value: T; digest: FileDigest | null }> {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK);
  let fd: number | null = null;
  let at = 0;
  let settled = false;
  const writing = write().finally(() => {
    settled = true;
  });
  const woken = writing.then(
    () => undefined,
    () => undefined,
  );
  /** Hashes what the file holds past `at`, up to `limit` bytes; how many were hashed. */
  const take = (limit: number): number => {
    let taken = 0;
    while (taken < limit) {
      const n = readSync(fd!, buf, 0, CHUNK, at);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      at += n;
      taken += n;
    }
    return taken;
  };
  try {
    let idle = IDLE_MS;
    while (!settled) {
      fd ??= tryOpen(path);
      const n = fd === null ? 0 : take(SLICE);
      if (n > 0) {
        idle = IDLE_MS;
        await new Promise((r) => setImmediate(r));
        continue;
      }
      // Woken at once when the write ends, so a small table pays no wait.
      await Promise.race([woken, new Promise((r) => setTimeout(r, idle))]);
      idle = Math.min(IDLE_MAX_MS, idle * 2);
    }
    const value = await writing;
    fd ??= tryOpen(path);
    if (fd === null) return { value, digest: null };
    take(Number.MAX_SAFE_INTEGER);
    const read = fstatSync(fd, { bigint: true });
    let now;
    try {
      now = statSync(path, { bigint: true });
    } catch {
      return { value, digest: null };
    }
    if (read.dev !== now.dev || read.ino !== now.ino || now.size !== BigInt(at)) return { value, digest: null };
    return { value, digest: { hash: h.digest('hex'), dev: now.dev, ino: now.ino, size: now.size, mtimeNs: now.mtimeNs, ctimeNs: now.ctimeNs } };
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * Digests taken while files were written, handed out once each and only while the file is as it
 * was (same device, inode, size, modification and change times). Bounded: a digest nobody asks for
 * (a node's intermediate table) is dropped after `capacity` newer ones.
 */
export class DigestMemo {
  private readonly digests = new Map<string, FileDigest>();

  constructor(private readonly capacity = 64) {}

  remember(path: string, digest: FileDigest | null): void {
    if (!digest) return;
    this.digests.delete(path);
    this.digests.set(path, digest);
    if (this.digests.size > this.capacity) this.digests.delete(this.digests.keys().next().value!);
  }

  /** The digest of `path` if one was taken and the file has not changed since; forgotten either way. */
  take(path: string): string | undefined {
    const d = this.digests.get(path);
    if (!d) return undefined;
    this.digests.delete(path);
    let st;
    try {
      st = statSync(path, { bigint: true });
    } catch {
      return undefined;
    }
    const same = st.isFile() && st.dev === d.dev && st.ino === d.ino && st.size === d.size && st.mtimeNs === d.mtimeNs && st.ctimeNs === d.ctimeNs;
    return same ? d.hash : undefined;
  }
}
