import type { Catalog, NodeTypeInfo } from '../../../shared/catalog';

/** Type-to-filter: every word must appear in the type id, title, stage or description; title hits first. */
export function matchTypes(catalog: Catalog, query: string): NodeTypeInfo[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return catalog;
  const scored: { t: NodeTypeInfo; score: number }[] = [];
  for (const t of catalog) {
    const hay = `${t.type} ${t.title} ${t.stage} ${t.description}`.toLowerCase();
    if (!words.every((w) => hay.includes(w))) continue;
    const head = `${t.type} ${t.title}`.toLowerCase();
    scored.push({ t, score: words.filter((w) => head.includes(w)).length });
  }
  return scored.sort((a, b) => b.score - a.score).map((s) => s.t);
}
