/**
 * Artifact bytes in the project file, in fixed-size chunks (migration 3): written from a file or
 * a buffer one chunk at a time, hashed on the way in, and streamed out one chunk at a time, so a
 * table of hundreds of megabytes never sits whole in memory (peak: one chunk). Artifacts written
 * before chunks keep their single blob in `artifacts.bytes` and read as before.
 */
import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PortKind } from '../../shared/catalog';
import { now } from './rows';

/** 1 MiB: a 176 MB table is 168 rows; SQLite keeps each in overflow pages. */
export const CHUNK_BYTES = 1 << 20;

const EMPTY = Buffer.alloc(0);
const CHUNK_INSERT = 'INSERT INTO artifact_chunks (blob, seq, bytes) VALUES (?, ?, ?)';

function checked(hash: string, expected: string | undefined, where: string): string {
  if (expected !== undefined && expected !== hash)
    throw new Error(`${where}: its bytes hash to ${hash}, not the ${expected} it was reported with (changed after it was written?); nothing was stored`);
  return hash;
}

export class ArtifactChunks {
  private buffer: Buffer | undefined;

  /**
   * `st` prepares (and keeps) a statement. `chunked` is false for a file of an older schema
   * opened read-only (not migrated): its artifacts are single blobs and there is no chunk table.
   */
  constructor(
    private readonly st: (sql: string) => Database.Statement,
    private readonly chunked: boolean,
  ) {}

  has(hash: string): boolean {
    return this.st('SELECT 1 FROM artifacts WHERE hash = ?').get(hash) !== undefined;
  }

  /**
   * Stores chunks from `next` (each call fills the buffer it is given, 0 at the end) under a new
   * blob, hashing them as they go; then the artifact row, unless that content is stored already
   * (then the new chunks go again). Must run inside a write transaction: a throw keeps nothing.
   */
  private store(next: (buf: Buffer) => number, kind: PortKind, meta: Record<string, unknown>, expected: string | undefined, where: string): string {
    const blob = this.nextBlob();
    const h = createHash('sha256');
    // One chunk buffer for the store's life (writes are synchronous; SQLite copies what it binds):
    // a fresh megabyte per artifact was most of the garbage of a run of many small outputs.
    const buf = (this.buffer ??= Buffer.allocUnsafe(CHUNK_BYTES));
    let size = 0;
    for (let seq = 0; ; seq++) {
      const n = next(buf);
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      h.update(chunk);
      this.st(CHUNK_INSERT).run(blob, seq, chunk);
      size += n;
    }
    const hash = checked(h.digest('hex'), expected, where);
    if (this.has(hash)) this.st('DELETE FROM artifact_chunks WHERE blob = ?').run(blob);
    else this.insertArtifact(hash, kind, size, meta, size === 0 ? null : blob);
    return hash;
  }

  /**
   * Stores content that fits in one chunk (most artifacts: metrics, models, reports): hashed
   * first, so content already stored costs one lookup and no write.
   */
  private storeOne(bytes: Buffer, kind: PortKind, meta: Record<string, unknown>, expected: string | undefined, where: string): string {
    const hash = checked(createHash('sha256').update(bytes).digest('hex'), expected, where);
    if (this.has(hash)) return hash;
    let blob: number | null = null;
    if (bytes.length) {
      blob = this.nextBlob();
      this.st(CHUNK_INSERT).run(blob, 0, bytes);
    }
    this.insertArtifact(hash, kind, bytes.length, meta, blob);
    return hash;
  }

  private nextBlob(): number {
    return (this.st('SELECT coalesce(max(blob), 0) + 1 AS n FROM artifact_chunks').get() as { n: number }).n;
  }

  private insertArtifact(hash: string, kind: PortKind, size: number, meta: Record<string, unknown>, blob: number | null): void {
    this.st('INSERT INTO artifacts (hash, kind, size, meta, created_at, bytes, blob) VALUES (?, ?, ?, ?, ?, ?, ?)').run(hash, kind, size, JSON.stringify(meta), now(), EMPTY, blob);
  }

  /** Stores a file, read once (in chunks when larger than one). `expected`, when given, must be its sha256. */
  putFile(file: string, kind: PortKind, meta: Record<string, unknown>, expected?: string): string {
    const fd = openSync(file, 'r');
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new Error(`${file}: not a regular file, so not stored as an artifact`);
      let at = 0;
      const fill = (buf: Buffer): number => {
        let got = 0;
        while (got < buf.length) {
          const n = readSync(fd, buf, got, buf.length - got, at);
          if (n === 0) break;
          got += n;
          at += n;
        }
        return got;
      };
      if (st.size < CHUNK_BYTES) {
        // One byte more than its size is asked for: a file that grew meanwhile is read again in chunks.
        const whole = Buffer.allocUnsafe(st.size + 1);
        const n = fill(whole);
        if (n <= st.size) return this.storeOne(whole.subarray(0, n), kind, meta, expected, file);
        at = 0;
      }
      return this.store(fill, kind, meta, expected, file);
    } finally {
      closeSync(fd);
    }
  }

  putBytes(bytes: Buffer, kind: PortKind, meta: Record<string, unknown>): string {
    if (bytes.length <= CHUNK_BYTES) return this.storeOne(bytes, kind, meta, undefined, 'bytes');
    let at = 0;
    const slice = (buf: Buffer): number => {
      const n = bytes.copy(buf, 0, at, Math.min(bytes.length, at + buf.length));
      at += n;
      return n;
    };
    return this.store(slice, kind, meta, undefined, 'bytes');
  }

  /** Calls `each` with the artifact's bytes in order, one chunk at a time; false when there is no such artifact. */
  read(hash: string, each: (chunk: Buffer) => void): boolean {
    const src = this.st(
      this.chunked ? 'SELECT blob, CASE WHEN blob IS NULL THEN bytes END AS bytes FROM artifacts WHERE hash = ?' : 'SELECT NULL AS blob, bytes FROM artifacts WHERE hash = ?',
    ).get(hash) as { blob: number | null; bytes: Buffer | null } | undefined;
    if (!src) return false;
    if (src.blob === null) {
      if (src.bytes && src.bytes.length) each(src.bytes);
      return true;
    }
    for (const r of this.st('SELECT bytes FROM artifact_chunks WHERE blob = ? ORDER BY seq').iterate(src.blob) as IterableIterator<{ bytes: Buffer }>) each(r.bytes);
    return true;
  }

  /** The whole artifact in one buffer (small JSON artifacts); null when absent. */
  bytes(hash: string): Buffer | null {
    const parts: Buffer[] = [];
    return this.read(hash, (c) => parts.push(c)) ? (parts.length === 1 ? parts[0] : Buffer.concat(parts)) : null;
  }

  /** Streams the artifact into `destFile` (made anew); false when absent (then no file is made). */
  writeTo(hash: string, destFile: string): boolean {
    if (!this.has(hash)) return false;
    mkdirSync(dirname(destFile), { recursive: true });
    const fd = openSync(destFile, 'w');
    try {
      this.read(hash, (c) => {
        for (let off = 0; off < c.length; ) off += writeSync(fd, c, off, c.length - off);
      });
    } catch (e) {
      closeSync(fd);
      rmSync(destFile, { force: true });
      throw e;
    }
    closeSync(fd);
    return true;
  }
}
