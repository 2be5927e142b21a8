/** Auto-layout with elkjs (layered, left to right), sized from what React Flow measured. */
import type { Pipeline, Position } from '../../../shared/pipeline/model';
import { links } from '../doc/graph';

type Elk = InstanceType<typeof import('elkjs/lib/elk.bundled.js').default>;
let elk: Promise<Elk> | null = null;
// elkjs is large: it loads the first time someone lays out, not with the page.
const getElk = () => (elk ??= import('elkjs/lib/elk.bundled.js').then((m) => new m.default()));

export async function autoLayout(
  doc: Pipeline,
  measured: Record<string, { width: number; height: number }>,
  only?: Set<string>,
): Promise<Record<string, Position>> {
  const ids = new Set(doc.nodes.map((n) => n.id));
  const graph = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '80',
      'elk.spacing.nodeNode': '40',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    },
    children: doc.nodes.map((n) => ({ id: n.id, width: measured[n.id]?.width ?? 220, height: measured[n.id]?.height ?? 110 })),
    edges: links(doc)
      .filter((l) => ids.has(l.source) && ids.has(l.target))
      .map((l, i) => ({ id: `e${i}`, sources: [l.source], targets: [l.target] })),
  };
  const res = await (await getElk()).layout(graph);
  const out: Record<string, Position> = {};
  for (const c of res.children ?? []) if (!only || only.has(c.id)) out[c.id] = { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) };
  return out;
}
