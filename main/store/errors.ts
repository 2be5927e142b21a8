/** The two ways the project file lets the user down; both messages are meant for the user. */

/** A project file that cannot be opened as one (the CLI exits 2): nothing was written to it. */
export class ProjectFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProjectFileError';
  }
}

/** A write to an open project file that did not happen (a run that meets one fails, exit 1). */
export class ProjectWriteError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    /** another process held the lock: nothing was written, the same write may be tried again */
    readonly busy = false,
  ) {
    super(`could not write to the project file ${file}: ${reason}`);
    this.name = 'ProjectWriteError';
  }
}

/** SQLite's answer when another connection holds the lock (`SQLITE_BUSY`, `SQLITE_BUSY_SNAPSHOT`, …). */
export function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
}

/** What a failed SQLite call means for the user's file, in words, with SQLite's code. */
export function describeSqliteError(e: unknown): string {
  const err = e as { message?: string; code?: unknown };
  const code = typeof err?.code === 'string' ? err.code : '';
  const base = `${err?.message ?? String(e)}${code ? ` (${code})` : ''}`;
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')
    return `${base}; the file is damaged: copy out what is readable with \`pipewright backup\` (VACUUM INTO a new file)`;
  if (code.startsWith('SQLITE_FULL')) return `${base}; the disk is full`;
  if (code.startsWith('SQLITE_READONLY')) return `${base}; the file or its folder cannot be written`;
  return base;
}

/** A failed SQLite call as a ProjectWriteError naming the file; any other error as it is. */
export function asWriteError(e: unknown, file: string): unknown {
  if (e instanceof ProjectWriteError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return new ProjectWriteError(file, describeSqliteError(e), isBusy(e));
  return e;
}
