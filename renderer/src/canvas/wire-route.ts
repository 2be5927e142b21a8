/**
 * Where a wire runs when its input lies left of its output (a folded layout's band wraps, or a
 * node the user moved back): a bezier between the two would cut across the nodes in between, so
 * the wire leaves its output to the right, turns into the first free horizontal corridor below
 * (above, for an input higher up) that no node blocks over the wire's width, runs along it, and
 * enters the input from the left. Forward wires stay plain beziers.
 */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

type Pt = [number, number];

/** How far a wire keeps from the nodes it passes. */
const CLEAR = 12;
/** The horizontal stubs at both ends. */
const STUB = 20;

/** True when the input lies so far left of the output that a bezier would double back. */
export function isBackward(sx: number, tx: number): boolean {
  return tx < sx + STUB;
}

/** Wires from different outputs of one node keep apart this far (a lane per output row). */
const LANE = 8;

export function wrapRoute(s: { x: number; y: number }, t: { x: number; y: number }, source: Box, boxes: readonly Box[]): Pt[] {
  const lane = Math.max(0, Math.round((s.y - source.y) / 22)) % 3;
  const x1 = s.x + STUB + lane * LANE;
  const x2 = t.x - STUB;
  const lo = Math.min(x1, x2) - CLEAR;
  const hi = Math.max(x1, x2) + CLEAR;
  // what a horizontal corridor over [lo, hi] must not cross: the nodes there, grown by CLEAR
  const blocks = boxes
    .filter((b) => b.x < hi && b.x + b.width > lo)
    .map((b) => [b.y - CLEAR, b.y + b.height + CLEAR] as const)
    .sort((a, b) => a[0] - b[0]);
  const down = t.y >= s.y;
  const dir = down ? 1 : -1;
  const y = freeLine(down ? source.y + source.height + CLEAR : source.y - CLEAR, blocks, dir) + dir * lane * LANE;
  return [
    [s.x, s.y],
    [x1, s.y],
    [x1, y],
    [x2, y],
    [x2, t.y],
    [t.x, t.y],
  ];
}

/**
 * The middle of the first gap at or past `from` (downwards for `dir` 1, upwards for -1) that no
 * block covers, at most 40 px into it.
 */
function freeLine(from: number, blocks: readonly (readonly [number, number])[], dir: 1 | -1): number {
  let y = from;
  for (let moved = true; moved; ) {
    moved = false;
    for (const [a, b] of blocks)
      if (y > a && y < b) {
        y = dir === 1 ? b : a;
        moved = true;
      }
  }
  // the gap's far edge: the nearest block edge beyond y
  const edges = blocks.map(([a, b]) => (dir === 1 ? a : b)).filter((e) => (e - y) * dir >= 0);
  if (!edges.length) return y + dir * CLEAR;
  const far = dir === 1 ? Math.min(...edges) : Math.max(...edges);
  return y + dir * Math.min(Math.abs(far - y) / 2, 40);
}

/** An SVG path through `pts` with its corners rounded (radius at most half of either segment). */
export function roundedPath(pts: readonly Pt[], radius = 8): string {
  let d = `M ${pts[0][0]} ${pts[0][1]}`;
  for (let i = 1; i < pts.length - 1; i++) {
    const [px, py] = pts[i - 1];
    const [cx, cy] = pts[i];
    const [nx, ny] = pts[i + 1];
    const r = Math.min(radius, Math.hypot(cx - px, cy - py) / 2, Math.hypot(nx - cx, ny - cy) / 2);
    const a = toward(pts[i], pts[i - 1], r);
    const b = toward(pts[i], pts[i + 1], r);
    d += ` L ${a[0]} ${a[1]} Q ${cx} ${cy} ${b[0]} ${b[1]}`;
  }
  const [lx, ly] = pts[pts.length - 1];
  return `${d} L ${lx} ${ly}`;
}

function toward(from: Pt, to: Pt, r: number): Pt {
  const len = Math.hypot(to[0] - from[0], to[1] - from[1]) || 1;
  return [from[0] + ((to[0] - from[0]) / len) * r, from[1] + ((to[1] - from[1]) / len) * r];
}
