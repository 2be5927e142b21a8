/** `pipewright backup`: a copy of a project file in a new file, also from a damaged one. */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ProjectFileError, ProjectWriteError } from './errors';
import { lockWaitFromEnv } from './lock-wait';
import { connect, preflight, walHasFrames } from './preflight';

/**
 * Copies a project file into a new file: `VACUUM INTO`, a consistent copy even while other
 * processes write the file. When that cannot read the file (a damaged page), the copy is rebuilt
 * table by table from what can be read, indexes made anew; tables that could not be read are
 * listed in `lost`. The source is only read: its bytes, schema and journal mode stay as they are.
 * The copy passes `PRAGMA quick_check` before this returns.
 */
export function backupProject(source: string, destination: string): { file: string; runs: number; bytes: number; rebuilt: boolean; lost: string[] } {
  const src = resolve(source);
  const dest = resolve(destination);
  if (src === dest) throw new ProjectFileError(`${dest}: the copy must be a new file`);
  if (existsSync(dest)) throw new ProjectFileError(`${dest}: already exists; the copy must be a new file`);
  const pre = preflight(src, { readonly: true, latest: Number.MAX_SAFE_INTEGER });
  if (!pre.header) throw new ProjectFileError(`${src}: an empty file: there is nothing to copy`);
  mkdirSync(dirname(dest), { recursive: true });
  // As when opening: commits still in the -wal are read without a connection that could checkpoint them.
  const db = connect(src, walHasFrames(src));
  let rebuilt = false;
  let lost: string[] = [];
  try {
    db.pragma(`busy_timeout = ${lockWaitFromEnv()}`);
    try {
      db.prepare('VACUUM INTO ?').run(dest);
    } catch {
      rmSync(dest, { force: true });
      rebuilt = true;
      lost = rebuildInto(db, dest);
    }
  } catch (e) {
    rmSync(dest, { force: true });
    throw new ProjectWriteError(dest, `could not copy ${src}: ${(e as Error).message}`);
  } finally {
    db.close();
  }
  const copy = new Database(dest, { readonly: true });
  try {
    const problems = (copy.pragma('quick_check(3)') as { quick_check: string }[]).map((r) => r.quick_check);
    if (problems.join() !== 'ok') throw new ProjectWriteError(dest, `the copy does not pass quick_check: ${problems.join('; ')}`);
    const hasRuns = copy.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'runs'").get() !== undefined;
    const runs = hasRuns ? (copy.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n : 0;
    return { file: dest, runs, bytes: statSync(dest).size, rebuilt, lost };
  } finally {
    copy.close();
  }
}

/**
 * The copy of a file VACUUM cannot read: each table's rows read by a scan of the table itself
 * (a damaged index is never read), then the indexes and triggers built on the copy. Returns the
 * tables whose rows could not be read.
 */
function rebuildInto(db: Database.Database, dest: string): string[] {
  const schema = db.prepare("SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid").all() as {
    type: string;
    name: string;
    sql: string;
  }[];
  const lost: string[] = [];
  db.prepare('ATTACH ? AS copy').run(dest);
  try {
    const inCopy = (sql: string): string => sql.replace(/^(CREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|TRIGGER|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?)/i, '$1copy.');
    for (const t of schema.filter((o) => o.type === 'table')) {
      db.exec(inCopy(t.sql));
      const q = `"${t.name.replace(/"/g, '""')}"`;
      try {
        db.exec(`INSERT INTO copy.${q} SELECT * FROM main.${q}`);
      } catch {
        lost.push(t.name);
      }
    }
    for (const o of schema.filter((x) => x.type !== 'table')) db.exec(inCopy(o.sql));
    db.pragma(`copy.user_version = ${db.pragma('main.user_version', { simple: true }) as number}`);
    db.pragma(`copy.application_id = ${db.pragma('main.application_id', { simple: true }) as number}`);
  } finally {
    db.exec('DETACH copy');
  }
  return lost;
}

