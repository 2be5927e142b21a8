/**
 * The Node-side `NodeTypeChecker`: every registered type (core and plugins), with the messages of
 * `nodes/params.ts` (the same the editor gives from its bundled params).
 */
import type { NodeTypeInfo } from '../shared/catalog';
import type { NodeTypeChecker, NodeTypeLister } from '../shared/pipeline/checker';
import { checkerOver } from './params';
import { toInfo, type NodeRegistry } from './registry';
import type { NodeDefinition } from './types';

export { migrateParams } from './params';

/**
 * A type's info by its definition, made on first use (z.toJSONSchema of every type would cost each
 * CLI start) and kept for the process: a run makes two checkers (load, plan), and remaking the
 * JSON schemas each time was most of a cached re-run's CPU.
 */
const infos = new WeakMap<NodeDefinition, NodeTypeInfo>();

/** A checker over a registry (the core catalogue, plus plugins). */
export function createChecker(registry: NodeRegistry): NodeTypeChecker & NodeTypeLister {
  const infoOf = (type: string): NodeTypeInfo | undefined => {
    const def = registry.get(type);
    if (!def) return undefined;
    let info = infos.get(def);
    if (!info) infos.set(def, (info = toInfo(def)));
    return info;
  };
  return checkerOver(infoOf, (type) => registry.get(type), () => registry.list().map((d) => d.type));
}

/**
 * The full params of a node with every default filled in: what the node runs with and what
 * its cache key is made of. Throws when the params are invalid (validate first).
 */
export function applyDefaults(def: NodeDefinition, params: Record<string, unknown>): Record<string, unknown> {
  const r = def.params.safeParse(params);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new Error(`${def.type}: invalid params (${first.path.map(String).join('.') || 'params'}: ${first.message})`);
  }
  return r.data as Record<string, unknown>;
}
