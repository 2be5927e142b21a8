/**
 * The node registry a run uses: the core node types plus plugin modules (each exports a
 * NodeDefinition or a list of them, as `default` or `nodes`). Loaded the same way in the main
 * thread and in every worker, so both see the same types.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { coreNodes, NodeRegistry, registry as coreRegistry } from '../../nodes/registry';
import type { NodeDefinition } from '../../nodes/types';

const cache = new Map<string, Promise<NodeRegistry>>();

function isDefinition(v: unknown): v is NodeDefinition {
  return Boolean(v && typeof v === 'object' && typeof (v as NodeDefinition).type === 'string' && Array.isArray((v as NodeDefinition).outputs));
}

function definitionsOf(mod: Record<string, unknown>, file: string): NodeDefinition[] {
  const candidates = [mod.nodes, mod.default, (mod.default as Record<string, unknown> | undefined)?.nodes];
  for (const c of candidates) {
    if (Array.isArray(c) && c.every(isDefinition)) return c;
    if (isDefinition(c)) return [c];
  }
  throw new Error(`${file}: a plugin exports a node definition or a list of them (as default or nodes)`);
}

export function loadRegistry(plugins: readonly string[] = []): Promise<NodeRegistry> {
  if (plugins.length === 0) return Promise.resolve(coreRegistry);
  const key = plugins.map((p) => resolve(p)).join('\0');
  let r = cache.get(key);
  if (!r) {
    r = (async () => {
      const defs: NodeDefinition[] = [...coreNodes];
      for (const p of plugins) {
        const file = resolve(p);
        const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
        defs.push(...definitionsOf(mod, file));
      }
      return new NodeRegistry(defs);
    })();
    cache.set(key, r);
  }
  return r;
}
