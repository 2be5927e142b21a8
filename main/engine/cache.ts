/** Cache keys and the reasons a node is reused or re-run. */
import { canonicalJson, sha256Hex } from './canonical';

export interface KeyParts {
  type: string;
  version: number;
  /** params with defaults applied */
  params: Record<string, unknown>;
  /** input port -> artifact hash */
  inputs: Record<string, string>;
  /** only for nodes whose output depends on the compute backend */
  backend?: string | null;
}

/** sha256 of type, version, canonical params, input hashes (and backend): layout never counts. */
export function cacheKey(k: KeyParts): string {
  const doc: Record<string, unknown> = { type: k.type, version: k.version, params: k.params, inputs: k.inputs };
  if (k.backend) doc.backend = k.backend;
  return sha256Hex(canonicalJson(doc));
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
  if (prev.status === 'failed') return 're-run: the last attempt failed';
  if (prev.status === 'cancelled') return 're-run: the last attempt was cancelled';
  return 're-run: no recorded result to reuse';
}
