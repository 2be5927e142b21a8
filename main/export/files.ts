/**
 * The file-system facts an export needs beyond the pipeline model: where the repository and the
 * npm project are, and which data files the pipeline reads (their paths and hashes).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Pipeline } from '../../shared/pipeline/model';
import { resolveParamRefs } from '../../shared/pipeline';
import { fileParams, registryLookup, type NodeTypeLookup } from './graph';

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
 * The data files that file-reading nodes name (their types' `readsFiles` params), as absolute
 * paths: node id -> path, or `<node id>.<param>` for a node's second and later files.
 */
export function dataFiles(pipeline: Pipeline, pipelineFile: string, types: NodeTypeLookup = registryLookup): Record<string, string> {
  const { nodes } = resolveParamRefs(pipeline);
  const base = dirname(resolve(pipelineFile));
  const out: Record<string, string> = {};
  for (const n of pipeline.nodes) {
    fileParams(n, types, nodes[n.id]).forEach(([param, path], i) => {
      out[i === 0 ? n.id : `${n.id}.${param}`] = isAbsolute(path) ? path : resolve(base, path);
    });
  }
  return out;
}

/** sha256 of each data file that exists (node id -> hex). */
export function dataFileHashes(files: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, path] of Object.entries(files)) {
    if (existsSync(path) && statSync(path).isFile()) out[id] = createHash('sha256').update(readFileSync(path)).digest('hex');
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
