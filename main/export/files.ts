/**
 * The file-system facts an export needs beyond the pipeline model: where the repository and the
 * npm project are, and which data files the pipeline reads (their paths and hashes).
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { dataFileHashes } from '../engine/cache';
import type { Plan } from '../engine/planner';
import { fileParams } from './graph';

/** The nearest folder at or above `from` that holds `marker`, not above `stop`; null if none. */
export function findUp(from: string, marker: string, stop?: string): string | null {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, marker))) return dir;
    const parent = dirname(dir);
    if (parent === dir || (stop && dir === resolve(stop))) return null;
    dir = parent;
  }
}

/**
 * The data files that file-reading nodes name (their types' `readsFiles` params, as planned), as
 * absolute paths: node id -> path, or `<node id>.<param>` for a node's second and later files.
 */
export function dataFiles(plan: Plan, pipelineFile: string): Record<string, string> {
  const base = dirname(resolve(pipelineFile));
  const out: Record<string, string> = {};
  for (const n of plan.nodes.values()) {
    fileParams(n).forEach(([param, path], i) => {
      out[i === 0 ? n.id : `${n.id}.${param}`] = isAbsolute(path) ? path : resolve(base, path);
    });
  }
  return out;
}

/**
 * sha256 of each file-reading node's (first) data file, where it is a file: node id -> hex.
 * Hashed as the engine's cache hashes them (streamed, memoised; a FIFO is never opened).
 */
export async function sourceHashes(plan: Plan, pipelineFile: string): Promise<Record<string, string>> {
  const base = dirname(resolve(pipelineFile));
  const out: Record<string, string> = {};
  for (const n of plan.nodes.values()) {
    const first = fileParams(n)[0];
    if (!first) continue;
    const hash = (await dataFileHashes([first[0]], n.params, base))[first[1]];
    if (hash) out[n.id] = hash;
  }
  return out;
}

/** `path` relative to `root` with posix separators; null when it lies outside `root`. */
export function insideRoot(root: string, path: string): string | null {
  const rel = relative(root, path);
  if (rel === '' ) return '.';
  if (rel.startsWith('..') || isAbsolute(rel)) return null;
  return rel.split(sep).join('/');
}
