/**
 * Where the user was looking in a pipeline, remembered per pipeline name (view state in
 * localStorage: never undoable, never in the file). A view only means something for the
 * arrangement it was taken of: the same name opened with its nodes laid out anew (another
 * version of it, a run of an older version, a file without a layout that auto-layout places)
 * would be shown through it half off the canvas or under the panels. So the view is kept with the
 * box its nodes' positions spanned, and given back only while that box is the same.
 */
import type { Viewport } from './fit';

/** The box the nodes' positions span (flow units; top-left corners, not sizes: those change as nodes are measured). */
export type PositionBox = [x0: number, y0: number, x1: number, y1: number];

export interface RememberedView extends Viewport {
  box: PositionBox;
}

export function positionBox(layout: Readonly<Record<string, { x: number; y: number } | undefined>>, ids: readonly string[]): PositionBox | null {
  let box: PositionBox | null = null;
  for (const id of ids) {
    const p = layout[id];
    if (!p || !Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    box = box ? [Math.min(box[0], p.x), Math.min(box[1], p.y), Math.max(box[2], p.x), Math.max(box[3], p.y)] : [p.x, p.y, p.x, p.y];
  }
  return box;
}

/** The remembered view to show again for nodes spanning `box`, or null: none, unreadable, or taken of another arrangement. */
export function restorableView(saved: unknown, box: PositionBox | null): Viewport | null {
  if (!box || !saved || typeof saved !== 'object') return null;
  const v = saved as Partial<RememberedView>;
  if (![v.x, v.y, v.zoom].every((n) => typeof n === 'number' && Number.isFinite(n)) || !((v.zoom as number) > 0)) return null;
  if (!Array.isArray(v.box) || v.box.length !== 4 || v.box.some((n, i) => typeof n !== 'number' || Math.abs(n - box[i]) > 1)) return null;
  return { x: v.x as number, y: v.y as number, zoom: v.zoom as number };
}
