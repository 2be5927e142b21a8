/**
 * What every export needs to know about a pipeline's graph: dependency order, each node's
 * upstream nodes, each node type's ports, and names that other systems accept.
 */
import type { ParamValue, Pipeline, PipelineNode } from '../../shared/pipeline/model';
import { PARAM_REF_RE, parseInputRef } from '../../shared/pipeline/model';
import type { PortSpec } from '../../shared/catalog';
import { registry, type NodeRegistry } from '../../nodes/registry';

/** What an export needs from a node type. */
export interface ExportNodeType {
  version: number;
  outputs: PortSpec[];
  usesCompute: boolean;
  /** params naming a data file the node reads (the type's `readsFiles`) */
  readsFiles: string[];
}

export type NodeTypeLookup = (type: string) => ExportNodeType | undefined;

/** A lookup over a registry (the core one, or one with plugins). */
export function lookupIn(types: NodeRegistry): NodeTypeLookup {
  return (type) => {
    const def = types.get(type);
    return def ? { version: def.version, outputs: def.outputs, usesCompute: Boolean(def.usesCompute), readsFiles: def.readsFiles ?? [] } : undefined;
  };
}

/** The core registry (plugins may pass their own lookup). */
export const registryLookup: NodeTypeLookup = lookupIn(registry);

/** The data-file params of a node: `[param, value]` for each of its type's `readsFiles` set to a string. */
export function fileParams(node: PipelineNode, lookup: NodeTypeLookup, params: Record<string, ParamValue> = node.params): [string, string][] {
  const out: [string, string][] = [];
  for (const name of lookup(node.type)?.readsFiles ?? []) {
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

/** Upstream node ids of a node, in input order, without repeats. */
export function upstreamOf(node: PipelineNode): string[] {
  const ids: string[] = [];
  for (const [port, ref] of Object.entries(node.inputs)) {
    const r = parseInputRef(ref);
    if (!r) throw new ExportError(`nodes.${node.id}.inputs.${port}`, `"${ref}" is not <nodeId>.<outputPort>`);
    if (!ids.includes(r.node)) ids.push(r.node);
  }
  return ids;
}

/**
 * Nodes in dependency order; among nodes that are ready together, file order wins, so the
 * same pipeline always exports to the same bytes.
 */
export function dependencyOrder(pipeline: Pipeline): PipelineNode[] {
  const byId = new Map(pipeline.nodes.map((n) => [n.id, n]));
  const pending = new Map<string, number>();
  const downstream = new Map<string, string[]>();
  for (const n of pipeline.nodes) {
    const ups = upstreamOf(n);
    for (const u of ups) {
      if (!byId.has(u)) throw new ExportError(`nodes.${n.id}.inputs`, `node "${u}" does not exist`);
      downstream.set(u, [...(downstream.get(u) ?? []), n.id]);
    }
    pending.set(n.id, ups.length);
  }
  const index = new Map(pipeline.nodes.map((n, i) => [n.id, i]));
  const ready = pipeline.nodes.filter((n) => pending.get(n.id) === 0).map((n) => n.id);
  const order: PipelineNode[] = [];
  while (ready.length) {
    ready.sort((a, b) => (index.get(a) ?? 0) - (index.get(b) ?? 0));
    const id = ready.shift() as string;
    order.push(byId.get(id) as PipelineNode);
    for (const d of downstream.get(id) ?? []) {
      const left = (pending.get(d) ?? 0) - 1;
      pending.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  if (order.length !== pipeline.nodes.length) {
    const stuck = pipeline.nodes.filter((n) => !order.includes(n)).map((n) => n.id);
    throw new ExportError('nodes', `cycle through ${stuck.join(', ')}`);
  }
  return order;
}

/** Pipeline params a value refers to with `${params.x}`. */
export function paramRefs(value: ParamValue): string[] {
  if (typeof value === 'string') {
    const m = PARAM_REF_RE.exec(value);
    return m ? [m[1]] : [];
  }
  if (Array.isArray(value)) return value.flatMap(paramRefs);
  if (value && typeof value === 'object') return Object.values(value).flatMap(paramRefs);
  return [];
}

/** Argo parameters and `--param` carry scalars only; list and map params stay in the file. */
export function isScalarParam(v: ParamValue | undefined): v is null | boolean | number | string {
  return v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string';
}

/** Pipeline params a node's own params refer to, in first-use order. */
export function nodeParamRefs(node: PipelineNode): string[] {
  return [...new Set(Object.values(node.params).flatMap(paramRefs))];
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
