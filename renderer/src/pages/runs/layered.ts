/** A quick left-to-right layered layout (longest path from the sources), for graphs without a layout. */
export function layered(ids: string[], edges: { source: string; target: string }[], dx = 280, dy = 120): Record<string, { x: number; y: number }> {
  const known = new Set(ids);
  const ups = new Map<string, string[]>();
  for (const e of edges) if (known.has(e.source) && known.has(e.target)) ups.set(e.target, [...(ups.get(e.target) ?? []), e.source]);
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const d = depth.get(id);
    if (d !== undefined) return d;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const v = Math.max(-1, ...(ups.get(id) ?? []).map(depthOf)) + 1;
    visiting.delete(id);
    depth.set(id, v);
    return v;
  };
  const rows = new Map<number, number>();
  const out: Record<string, { x: number; y: number }> = {};
  for (const id of ids) {
    const d = depthOf(id);
    const r = rows.get(d) ?? 0;
    rows.set(d, r + 1);
    out[id] = { x: d * dx, y: r * dy };
  }
  return out;
}
