/**
 * Auto-layout with elkjs (layered, left to right), sized from what React Flow measured. `foldAt`:
 * a row of layers wider than this (flow units) is folded into bands stacked top to bottom, as text
 * wraps, so a small graph fits the canvas at a readable zoom instead of a long thin strip.
 */
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
  foldAt?: number,
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
  const boxes = (res.children ?? []).map((c) => ({ id: c.id, x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 220, height: c.height ?? 110 }));
  const placed = foldAt ? fold(boxes, foldAt) : boxes;
  const out: Record<string, Position> = {};
  for (const c of placed) if (!only || only.has(c.id)) out[c.id] = { x: Math.round(c.x), y: Math.round(c.y) };
  return out;
}

const BAND_GAP = 90;

/**
 * Cuts a left-to-right layout into bands of whole layers (nodes sharing a left edge) no wider than
 * `width`, and stacks the bands: band b's layers move left to where the first band starts and down
 * below the band before it. Edges keep their direction within a band; between bands they wrap.
 */
export function fold<B extends { x: number; y: number; width: number; height: number }>(boxes: B[], width: number): B[] {
  if (!boxes.length) return boxes;
  const left = Math.min(...boxes.map((b) => b.x));
  const right = Math.max(...boxes.map((b) => b.x + b.width));
  if (right - left <= width) return boxes;
  const layers = [...new Set(boxes.map((b) => Math.round(b.x)))].sort((a, b) => a - b);
  // bands of consecutive layers, each starting a new band once the next layer would pass `width`
  const bandOf = new Map<number, number>();
  const bandStart: number[] = [];
  for (const x of layers) {
    const b = bandStart.length - 1;
    const end = Math.max(...boxes.filter((n) => Math.round(n.x) === x).map((n) => n.x + n.width));
    if (b < 0 || end - bandStart[b] > width) bandStart.push(x);
    bandOf.set(x, bandStart.length - 1);
  }
  if (bandStart.length < 2) return boxes;
  const top = (band: number) => Math.min(...boxes.filter((n) => bandOf.get(Math.round(n.x)) === band).map((n) => n.y));
  const bottom = (band: number) => Math.max(...boxes.filter((n) => bandOf.get(Math.round(n.x)) === band).map((n) => n.y + n.height));
  const offsetY: number[] = [0];
  // band b's top goes BAND_GAP below band b-1's bottom (both as moved)
  for (let b = 1; b < bandStart.length; b++) offsetY.push(offsetY[b - 1] + bottom(b - 1) + BAND_GAP - top(b));
  return boxes.map((n) => {
    const b = bandOf.get(Math.round(n.x))!;
    return { ...n, x: n.x - bandStart[b] + left, y: n.y + offsetY[b] };
  });
}
