/**
 * What is checked about a project file before anything is written to it. First without SQLite:
 * that it is a regular file the process may write (with a folder that can take the `-wal` and
 * `-shm` files), an SQLite file of Pipewright, with a schema no newer than this app's; these read
 * the header bytes themselves, so such a refused file is never opened by SQLite, never switched
 * to WAL, and never gets a `-wal` or `-shm` beside it. Then through SQLite, still only reading:
 * the same identity and version, and `PRAGMA quick_check`.
 */
import Database from 'better-sqlite3';
import { accessSync, closeSync, constants, openSync, readSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { ProjectFileError, ProjectWriteError } from './errors';
import { LATEST_VERSION } from './migrations';

/** `PRAGMA application_id` of every Pipewright project file ("PWRP"). */
export const APPLICATION_ID = 0x50575250;

const SQLITE_MAGIC = 'SQLite format 3\0';
/** The database header: `user_version` at byte 60, `application_id` at 68 (both big-endian). */
const HEADER_BYTES = 100;

export interface FileHeader {
  userVersion: number;
  applicationId: number;
}

function stat(path: string): Stats | undefined {
  return statSync(path, { throwIfNoEntry: false });
}

/** The header of an SQLite file; null for an empty file (SQLite's fresh database). */
export function readHeader(file: string): FileHeader | null {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(HEADER_BYTES);
    const n = readSync(fd, buf, 0, HEADER_BYTES, 0);
    if (n === 0) return null;
    if (n < HEADER_BYTES || buf.toString('latin1', 0, 16) !== SQLITE_MAGIC) throw new ProjectFileError(`${file}: not a Pipewright project file (not an SQLite database)`);
    return { userVersion: buf.readUInt32BE(60), applicationId: buf.readUInt32BE(68) };
  } finally {
    closeSync(fd);
  }
}

/** The schema check every open makes, on the header bytes or on a connection's pragmas. */
export function checkSchema(file: string, header: FileHeader, latest: number, emptySchema: boolean): void {
  if (header.applicationId !== APPLICATION_ID && !(header.applicationId === 0 && emptySchema))
    throw new ProjectFileError(`${file}: not a Pipewright project file (an SQLite database of another application)`);
  if (header.userVersion > latest)
    throw new ProjectFileError(
      `${file}: this project file was written by a newer Pipewright (schema version ${header.userVersion}; this app knows up to ${latest}). Upgrade Pipewright to open it; the file was not changed.`,
    );
}

function why(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EROFS') return 'it is on a read-only file system';
  if (code === 'EPERM') return 'it is marked immutable or the system refuses writes to it';
  return 'this user may not write to it';
}

/**
 * Refuses a path this process must not write: what `access(W_OK)` refuses (permissions for a
 * normal user; a read-only mount or an immutable file even for root), and what grants write to
 * nobody (mode 0444, a folder of mode 0555). Root may write such a file, but a file that no one
 * may write was made read-only on purpose, and a run must not change it behind the owner's back.
 */
function refuseUnwritable(file: string, target: string, what: 'file' | 'folder'): void {
  const subject = what === 'file' ? 'the project file is read-only' : `its folder ${target} is read-only`;
  try {
    accessSync(target, constants.W_OK);
  } catch (e) {
    throw new ProjectFileError(`${file}: ${subject}: ${why(e)}; a run records into it, so make it writable or use another project file`);
  }
  const mode = stat(target)!.mode & 0o777;
  if ((mode & 0o222) === 0)
    throw new ProjectFileError(
      `${file}: ${subject} (mode ${mode.toString(8).padStart(4, '0')}: no one may write it); a run records into it, so make it writable (chmod u+w) or use another project file`,
    );
}

/** The nearest folder that exists on the way up to `path` (where a new file's folders start). */
function existingAncestor(path: string): { path: string; stats: Stats } {
  let p = dirname(path);
  for (;;) {
    const s = stat(p);
    if (s) return { path: p, stats: s };
    const up = dirname(p);
    if (up === p) throw new ProjectFileError(`${path}: no folder to create it in`);
    p = up;
  }
}

/**
 * Every check that needs no SQLite, in the order a user would want to hear them. Returns the
 * file's header (null when the file is new or empty).
 */
export function preflight(file: string, opts: { create?: boolean; readonly?: boolean; latest: number }): { exists: boolean; header: FileHeader | null } {
  const s = stat(file);
  if (s?.isDirectory()) throw new ProjectFileError(`${file}: is a folder, not a project file (give a path ending in .pwproj)`);
  if (s && !s.isFile()) throw new ProjectFileError(`${file}: not a regular file, so not a project file`);
  if (!s) {
    if (!opts.create) throw new ProjectFileError(`${file}: no such project file`);
    const up = existingAncestor(file);
    if (!up.stats.isDirectory()) throw new ProjectFileError(`${file}: cannot create it: ${up.path} is a file, not a folder`);
    refuseUnwritable(file, up.path, 'folder');
    return { exists: false, header: null };
  }
  if (!opts.readonly) {
    refuseUnwritable(file, file, 'file');
    refuseUnwritable(file, dirname(file), 'folder');
  }
  const header = readHeader(file);
  // The header of a file whose last commits still sit in its -wal can be older than the file, but
  // never newer: an application id or schema version seen here is the file's.
  if (header) checkSchema(file, header, opts.latest, header.applicationId === 0);
  return { exists: true, header };
}

/** True when the file has a `-wal` with frames in it: committed data the main file does not have yet. */
export function walHasFrames(file: string): boolean {
  return (stat(`${file}-wal`)?.size ?? 0) > 32;
}

/** The checks that read the file through SQLite: identity, schema version, then `PRAGMA quick_check`. */
export function verifyFile(db: Database.Database, file: string): void {
  // One read transaction, so all three come from one snapshot: read one by one, another process
  // creating the schema in between gave "no tables" from before its commit and tables from
  // after, which looked like another application's database.
  const { header, tables } = db.transaction(() => ({
    header: {
      userVersion: db.pragma('user_version', { simple: true }) as number,
      applicationId: db.pragma('application_id', { simple: true }) as number,
    },
    tables: (db.prepare('SELECT count(*) AS n FROM sqlite_schema').get() as { n: number }).n,
  }))();
  checkSchema(file, header, LATEST_VERSION, tables === 0);
  if (tables === 0) return;
  const problems = (db.pragma('quick_check(3)') as { quick_check: string }[]).map((r) => r.quick_check);
  if (problems.length === 1 && problems[0] === 'ok') return;
  // One line for the message: SQLite's report has a heading and a line per problem.
  const lines = problems.flatMap((p) => p.split('\n')).filter((l) => l && !l.startsWith('***'));
  throw damaged(file, lines.slice(0, 3).join('; '));
}

function damaged(file: string, detail: string): ProjectFileError {
  return new ProjectFileError(
    `${file}: the project file is damaged (${detail}); it was not changed. Copy out what is readable with \`pipewright backup --project ${file} COPY.pwproj\` (VACUUM INTO a new file) and use the copy`,
  );
}

export function connect(file: string, readonly: boolean, trace?: (sql: string) => void): Database.Database {
  try {
    return new Database(file, { readonly, fileMustExist: readonly, ...(trace ? { verbose: (sql: unknown) => trace(String(sql)) } : {}) });
  } catch (e) {
    throw new ProjectFileError(`${file}: cannot open: ${(e as Error).message}`);
  }
}

export function asFileError(e: unknown, file: string): Error {
  if (e instanceof ProjectFileError || e instanceof ProjectWriteError) return e;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')) return damaged(file, (e as Error).message);
  return new ProjectFileError(`${file}: cannot open as a project: ${(e as Error).message}`);
}
