/** Cache keys and the reasons a node is reused or re-run. */
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { canonicalJson, sha256File, sha256Hex } from './canonical';

export interface KeyParts {
  type: string;
  version: number;
  /** params with defaults applied */
  params: Record<string, unknown>;
  /** input port -> artifact hash */
  inputs: Record<string, string>;
  /** only for nodes whose output depends on the compute backend */
  backend?: string | null;
  /** for nodes that read files (their type's `readsFiles`): the path as written -> sha256 of the file's bytes */
  files?: Record<string, string>;
}

/** sha256 of type, version, canonical params, input hashes (and backend): layout never counts. */
export function cacheKey(k: KeyParts): string {
  const doc: Record<string, unknown> = { type: k.type, version: k.version, params: k.params, inputs: k.inputs };
  if (k.backend) doc.backend = k.backend;
  if (k.files && Object.keys(k.files).length) doc.files = k.files;
  return sha256Hex(canonicalJson(doc));
}

/** Hashes already computed in this process, by path, size, mtime and inode (an app stays open for days: bounded). */
const fileHashMemo = new Map<string, string>();
const FILE_HASH_MEMO_ENTRIES = 256;

/**
 * sha256 of each regular file a node's `readsFiles` params name, so that editing a data file
 * re-runs the node that reads it (as DVC does). Anything else (missing, a FIFO, a folder) is left
 * out: the node itself refuses it with a located error, and a FIFO is never opened here.
 */
export async function dataFileHashes(fileParams: readonly string[], params: Record<string, unknown>, baseDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of fileParams) {
    const p = params[name];
    if (typeof p !== 'string' || !p) continue;
    const abs = isAbsolute(p) ? p : resolve(baseDir, p);
    let st;
    try {
      st = statSync(abs);
    } catch {
      continue;
    }
    if (!st.isFile()) continue;
    const memoKey = `${abs}\0${st.size}\0${st.mtimeMs}\0${st.ino}`;
    let hash = fileHashMemo.get(memoKey);
    if (hash) fileHashMemo.delete(memoKey);
    else hash = await sha256File(abs);
    fileHashMemo.set(memoKey, hash);
    if (fileHashMemo.size > FILE_HASH_MEMO_ENTRIES) fileHashMemo.delete(fileHashMemo.keys().next().value!);
    out[p] = hash;
  }
  return out;
}

export interface PreviousExecution {
  runId: number;
  type: string;
  typeVersion: number;
  status: string;
  params: Record<string, unknown>;
  inputs: Record<string, string>;
  backend: string | null;
}

function listed(what: string, names: string[]): string {
  return names.length === 1 ? `${what} ${names[0]}` : `${what}s ${names.join(', ')}`;
}

/**
 * Why a node runs again, compared with the newest execution of the same node id in the same
 * pipeline: "first run", "re-run: param learningRate changed", "re-run: input table changed", ...
 */
export function explainRerun(prev: PreviousExecution | null, cur: KeyParts & { usesCompute?: boolean }): string {
  if (!prev) return 'first run';
  if (prev.type !== cur.type) return 're-run: node type changed';
  if (prev.typeVersion !== cur.version) return 're-run: node type version changed';
  const parts: string[] = [];
  const keys = [...new Set([...Object.keys(prev.params), ...Object.keys(cur.params)])].sort();
  const params = keys.filter((k) => canonicalJson(prev.params[k] ?? null) !== canonicalJson(cur.params[k] ?? null));
  if (params.length) parts.push(`${listed('param', params)} changed`);
  const ports = [...new Set([...Object.keys(prev.inputs), ...Object.keys(cur.inputs)])].sort();
  const inputs = ports.filter((p) => prev.inputs[p] !== cur.inputs[p]);
  if (inputs.length) parts.push(`${listed('input', inputs)} changed`);
  if (cur.usesCompute && cur.backend && prev.backend && prev.backend !== cur.backend) parts.push(`compute backend changed (${prev.backend} → ${cur.backend})`);
  if (parts.length) return `re-run: ${parts.join('; ')}`;
  // Same params, inputs and backend as a succeeded execution whose result could not be reused: the data file's bytes differ.
  const files = Object.keys(cur.files ?? {});
  if (prev.status === 'succeeded' && files.length) return `re-run: ${listed('data file', files)} changed on disk`;
  if (prev.status === 'failed') return 're-run: the last attempt failed';
  if (prev.status === 'cancelled') return 're-run: the last attempt was cancelled';
  return 're-run: no recorded result to reuse';
}
