import type { Database } from 'better-sqlite3';

/** One schema step. Versions only go up; a released migration is never edited. */
export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}
