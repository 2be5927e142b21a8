/** The recent-projects list: a small JSON file in the config folder, newest first. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { replaceFile } from '../replace-file';

const MAX_RECENT = 12;

export class RecentProjects {
  private readonly file: string;

  constructor(readonly dir: string) {
    this.file = join(dir, 'recent.json');
  }

  list(): string[] {
    try {
      const doc = JSON.parse(readFileSync(this.file, 'utf8')) as { paths?: unknown };
      return Array.isArray(doc.paths) ? doc.paths.filter((p): p is string => typeof p === 'string').slice(0, MAX_RECENT) : [];
    } catch {
      // A missing or damaged list is an empty one: it is a convenience, never worth failing over.
      return [];
    }
  }

  add(path: string): string[] {
    const abs = resolve(path);
    const paths = [abs, ...this.list().filter((p) => p !== abs)].slice(0, MAX_RECENT);
    mkdirSync(this.dir, { recursive: true });
    // Replaced whole, so a crash mid-write never leaves a half-written list.
    replaceFile(this.file, JSON.stringify({ paths }, null, 2) + '\n');
    return paths;
  }
}

/** The first-start gallery was shown on this machine (a marker file in the config folder). */
export function isWelcomed(dir: string): boolean {
  return existsSync(join(dir, 'welcomed'));
}

export function markWelcomed(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'welcomed'), `${new Date().toISOString()}\n`);
}
