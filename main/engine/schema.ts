/**
 * Columns before running: each node type's `schema` (nodes/types.ts) is called in graph order
 * with what its upstream nodes said, so the editor knows every table's columns and every metrics
 * port's names without a run. Data nodes read file headers (DuckDB DESCRIBE), never rows.
 */
import { statSync } from 'node:fs';
import type { NodeSchema, PortSchema } from '../../shared/catalog';
import { parseInputRef, type Pipeline } from '../../shared/pipeline/model';
import { resolveParamRefs } from '../../shared/pipeline/validate';
import { topologicalOrder } from '../../shared/pipeline/graph';
import type { NodeRegistry } from '../../nodes/registry';
import type { CsvReadOptions, SchemaContext } from '../../nodes/types';

export async function inferSchemas(p: Pipeline, registry: NodeRegistry, ctx: SchemaContext): Promise<Record<string, NodeSchema>> {
  const resolved = resolveParamRefs(p).nodes;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const out: Record<string, NodeSchema> = {};
  for (const id of topologicalOrder(p)) {
    const node = byId.get(id)!;
    const def = registry.get(node.type);
    if (!def?.schema) {
      out[id] = { outputs: {} };
      continue;
    }
    const inputs: Record<string, PortSchema | undefined> = {};
    for (const [port, ref] of Object.entries(node.inputs)) {
      const r = parseInputRef(ref);
      inputs[port] = r ? out[r.node]?.outputs[r.port] : undefined;
    }
    const raw = resolved[id] ?? node.params;
    const parsed = def.params.safeParse(raw);
    try {
      const r = await def.schema({ inputs, params: (parsed.success ? parsed.data : raw) as never, ctx });
      out[id] = { outputs: r.outputs, ...(r.choices ? { choices: r.choices } : {}) };
    } catch (e) {
      out[id] = { outputs: {}, error: e instanceof Error ? e.message : String(e) };
    }
  }
  return out;
}

/**
 * A schema context whose file descriptions are remembered by path, size, modification time and
 * options: the editor asks after every edit, the file rarely changes.
 */
export function cachedSchemaContext(
  engine: { describeCsv(path: string, o: CsvReadOptions): Promise<{ name: string; type: string }[]>; describeParquet(path: string): Promise<{ name: string; type: string }[]>; resourcesDir?: string },
  resolvePath: (p: string) => string,
  memo: Map<string, Promise<{ name: string; type: string }[]>>,
): SchemaContext {
  const remembered = (key: unknown[], path: string, read: () => Promise<{ name: string; type: string }[]>) => {
    let st;
    try {
      st = statSync(path);
    } catch {
      return read(); // the reader says what is wrong with the path
    }
    const k = JSON.stringify([...key, st.size, st.mtimeMs, st.ino]);
    let hit = memo.get(k);
    if (!hit) {
      hit = read();
      hit.catch(() => memo.delete(k));
      memo.set(k, hit);
      if (memo.size > 256) memo.delete(memo.keys().next().value!);
    }
    return hit;
  };
  return {
    resolvePath,
    data: {
      resourcesDir: engine.resourcesDir,
      describeCsv: (path, o) => remembered(['csv', path, o.delimiter ?? null, o.header, o.types], path, () => engine.describeCsv(path, o)),
      describeParquet: (path) => remembered(['parquet', path], path, () => engine.describeParquet(path)),
    },
  };
}
