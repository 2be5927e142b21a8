/**
 * Fitting a graph into the canvas around the panels that float over it (the zoom controls, the
 * minimap): nothing fitted may lie under them. Each corner panel can be kept clear by a gutter
 * beside it (a column the graph does not enter) or a band above or below it (a row); every mix is
 * tried and the one that shows the graph largest wins. A graph too big for the canvas at the
 * lowest zoom allowed is shown from its start (top left), below the top panels and beside the left
 * ones, running off to the right and the bottom: panels there would cover it, so the canvas keeps
 * its panels at the top (see Canvas.tsx).
 */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

/** Space kept between a panel and the graph (screen pixels). */
const GAP = 8;
/** How far past its nodes' boxes a graph's wires reach (flow units): stubs and lanes (wire-route.ts). */
export const WIRE_REACH = { left: 28, right: 44, top: 12, bottom: 12 };

interface Area {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The ways to keep clear of each panel: the area left over for each mix of them. */
function areas(view: { width: number; height: number }, panels: readonly Rect[]): Area[] {
  let out: Area[] = [{ left: 0, top: 0, right: view.width, bottom: view.height }];
  for (const p of panels) {
    const atLeft = p.x + p.width / 2 < view.width / 2;
    const atTop = p.y + p.height / 2 < view.height / 2;
    const next: Area[] = [];
    for (const a of out) {
      // a column beside the panel, or a row above or below it
      next.push(atLeft ? { ...a, left: Math.max(a.left, p.x + p.width + GAP) } : { ...a, right: Math.min(a.right, p.x - GAP) });
      next.push(atTop ? { ...a, top: Math.max(a.top, p.y + p.height + GAP) } : { ...a, bottom: Math.min(a.bottom, p.y - GAP) });
    }
    out = next;
  }
  return out.filter((a) => a.right > a.left && a.bottom > a.top);
}

/**
 * The viewport showing `bounds` (flow units, wires included) as large as it fits, at `minZoom` to
 * 1, in `view` (the canvas's size) clear of `panels` (boxes relative to the canvas). `padding`:
 * the share of the area kept free around the graph.
 */
export function fitViewport(bounds: Rect, view: { width: number; height: number }, panels: readonly Rect[], minZoom: number, padding = 0.15): Viewport {
  const bw = Math.max(bounds.width, 1);
  const bh = Math.max(bounds.height, 1);
  const zoomIn = (a: Area) => Math.min((a.right - a.left) / (bw * (1 + padding)), (a.bottom - a.top) / (bh * (1 + padding)), 1);
  let best: Area | null = null;
  for (const a of areas(view, panels)) {
    const better = !best || zoomIn(a) > zoomIn(best) + 1e-9 || (Math.abs(zoomIn(a) - zoomIn(best)) <= 1e-9 && size(a) > size(best));
    if (better) best = a;
  }
  if (best && zoomIn(best) >= minZoom) return place(bounds, best, zoomIn(best));
  // At the lowest zoom without the padding, it may still fit somewhere.
  const tight = areas(view, panels).find((a) => bw * minZoom <= a.right - a.left && bh * minZoom <= a.bottom - a.top);
  if (tight) return place(bounds, tight, minZoom);
  // Too big at the lowest zoom: its start, beside the left panels and below the top ones.
  const start: Area = { left: 0, top: 0, right: view.width, bottom: view.height };
  for (const p of panels) {
    const atLeft = p.x + p.width / 2 < view.width / 2;
    const atTop = p.y + p.height / 2 < view.height / 2;
    if (atTop) start.top = Math.max(start.top, p.y + p.height + GAP);
    else if (atLeft) start.left = Math.max(start.left, p.x + p.width + GAP);
  }
  return place(bounds, start, minZoom);
}

const size = (a: Area) => (a.right - a.left) * (a.bottom - a.top);

/** Centred in `a` on each axis where it fits; where it does not, its start at the area's edge. */
function place(b: Rect, a: Area, zoom: number): Viewport {
  const w = b.width * zoom;
  const h = b.height * zoom;
  const aw = a.right - a.left;
  const ah = a.bottom - a.top;
  const x = w <= aw ? a.left + (aw - w) / 2 : a.left + GAP;
  const y = h <= ah ? a.top + (ah - h) / 2 : a.top + GAP;
  return { x: x - b.x * zoom, y: y - b.y * zoom, zoom };
}
