/**
 * What a node's result depends on, as a string: its type, params (with the pipeline params they
 * refer to) and, recursively, its upstream nodes' signatures and ports. A result recorded with
 * one signature is stale once the document gives the node another (a param edit, an upstream
 * change, a rewire). Node ids are not part of it, so a rename alone does not stale anything.
 */
import { parseInputRef, type Pipeline } from '../../../shared/pipeline/model';

export function nodeSignatures(doc: Pipeline): Record<string, string> {
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const out: Record<string, string> = {};
  const visiting = new Set<string>();
  const sig = (id: string): string => {
    const done = out[id];
    if (done !== undefined) return done;
    const n = byId.get(id);
    if (!n || visiting.has(id)) return `missing:${id}`;
    visiting.add(id);
    const params = JSON.stringify(n.params);
    const refs = [...params.matchAll(/\$\{params\.([A-Za-z0-9_-]+)\}/g)].map((m) => [m[1], doc.params[m[1]] ?? null]);
    const inputs = Object.entries(n.inputs)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([port, ref]) => {
        const r = parseInputRef(ref);
        return [port, r ? `${sig(r.node)}#${r.port}` : ref];
      });
    visiting.delete(id);
    return (out[id] = hash(JSON.stringify([n.type, params, refs, inputs])));
  };
  for (const n of doc.nodes) sig(n.id);
  return out;
}

/** FNV-1a, 2×32 bits: a short, stable tag (not security). */
function hash(s: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0).toString(36) + (b >>> 0).toString(36);
}

let memoNodes: Pipeline['nodes'] | null = null;
let memoParams: Pipeline['params'] | null = null;
let memoSigs: Record<string, string> = {};
/**
 * The signatures of the current document, computed once per change of its nodes or params (every
 * node view asks; a drag changes only the layout and costs nothing here).
 */
export function currentSignatures(doc: Pipeline): Record<string, string> {
  if (doc.nodes !== memoNodes || doc.params !== memoParams) {
    memoNodes = doc.nodes;
    memoParams = doc.params;
    memoSigs = nodeSignatures(doc);
  }
  return memoSigs;
}
