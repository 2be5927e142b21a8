/**
 * What the exports share beyond the plan (which gives them the order, the node types, params
 * resolved and as written): a node's data files, names that other systems accept, errors.
 */
import type { ParamValue } from '../../shared/pipeline/model';
import type { PlannedNode } from '../engine/planner';

/**
 * The data files a node reads: `[param, value]` for each of its type's `readsFiles` params set to
 * a string. `params`: the node's params as planned (resolved), or as written (`${params.x}` kept).
 */
export function fileParams(node: PlannedNode, params: Readonly<Record<string, unknown>> = node.params): [string, string][] {
  const out: [string, string][] = [];
  for (const name of node.def.readsFiles ?? []) {
    const v = params[name];
    if (typeof v === 'string' && v) out.push([name, v]);
  }
  return out;
}

/** An export that cannot be made; the CLI turns it into exit code 2 with its place. */
export class ExportError extends Error {
  constructor(readonly place: string, message: string) {
    super(`${place}: ${message}`);
    this.name = 'ExportError';
  }
}

/** Argo parameters and `--param` carry scalars only; list and map params stay in the file. */
export function isScalarParam(v: ParamValue | undefined): v is null | boolean | number | string {
  return v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string';
}

/**
 * Maps ids to DNS-1123 labels (lowercase letters, digits and `-`, starting with a letter,
 * ending with a letter or digit, at most 63 characters), unique after mapping: a collision gets
 * `-2`, `-3`, ... `reserved` names are never handed out; a name in `avoid` gets `-node`.
 */
export function dnsNames(ids: string[], reserved: string[] = [], avoid: ReadonlySet<string> = new Set()): Map<string, string> {
  const taken = new Set(reserved);
  const out = new Map<string, string>();
  for (const id of ids) {
    let base = id
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/-+/g, '-')
      .replace(/^[^a-z]+/, '')
      .replace(/-+$/, '');
    if (!base) base = 'node';
    base = base.slice(0, 63).replace(/-+$/, '');
    if (avoid.has(base)) base = `${base}-node`;
    let name = base;
    for (let i = 2; taken.has(name); i++) {
      const suffix = `-${i}`;
      name = `${base.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`;
    }
    taken.add(name);
    out.set(id, name);
  }
  return out;
}

export const DNS_LABEL_RE = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Argo evaluates `depends` with expr-lang (after turning `-` into `_`), where a builtin or a
 * keyword shadows a task of the same name: a task called `split` breaks everything that depends
 * on it (argoproj/argo-workflows#12037). Such task names get a suffix.
 */
export const ARGO_EXPR_WORDS: ReadonlySet<string> = new Set([
  'abs', 'all', 'and', 'any', 'bitand', 'bitnand', 'bitnot', 'bitor', 'bitshl', 'bitshr', 'bitushr', 'bitxor',
  'ceil', 'concat', 'contains', 'count', 'date', 'duration', 'else', 'endswith', 'env', 'false', 'filter', 'find',
  'findindex', 'findlast', 'findlastindex', 'first', 'flatten', 'float', 'floor', 'frombase64', 'fromjson',
  'frompairs', 'get', 'groupby', 'hasprefix', 'hassuffix', 'if', 'in', 'indexof', 'int', 'join', 'keys', 'last',
  'lastindexof', 'len', 'let', 'lower', 'map', 'matches', 'max', 'mean', 'median', 'min', 'nil', 'none', 'not',
  'now', 'one', 'or', 'reduce', 'repeat', 'replace', 'reverse', 'round', 'sort', 'sortby', 'split', 'splitafter',
  'startswith', 'string', 'sum', 'take', 'timezone', 'tobase64', 'tojson', 'topairs', 'trim', 'trimprefix',
  'trimsuffix', 'true', 'type', 'uniq', 'upper', 'values',
  // Argo's own names in the expression scope
  'sprig', 'jsonpath', 'asint', 'asfloat', 'workflow', 'inputs', 'outputs', 'tasks', 'steps', 'item', 'pod',
]);
