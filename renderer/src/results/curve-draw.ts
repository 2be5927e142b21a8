/**
 * What a live training curve draws, decided without a canvas (so it is tested in node): the
 * points reduced to the chart's pixel columns and the axes' round tick values. A redraw costs
 * O(kept points + pixel width) whatever the number of epochs, so the chart can follow a run that
 * streams 100,000 points without holding up the page's frames (issue 15).
 */
import { curvePoints, type Curve } from './curve';

export interface Range {
  min: number;
  max: number;
}

/** x (step) and y (value) ranges over every curve's points; null when there is nothing to draw. */
export function extent(curves: readonly Curve[]): { x: Range; y: Range } | null {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const c of curves) {
    for (const [s, v] of curvePoints(c)) {
      if (s < x0) x0 = s;
      if (s > x1) x1 = s;
      if (Number.isFinite(v)) {
        if (v < y0) y0 = v;
        if (v > y1) y1 = v;
      }
    }
  }
  if (x0 === Infinity || y0 === Infinity) return null;
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) {
    const pad = Math.abs(y0) * 0.05 || 1;
    y0 -= pad;
    y1 += pad;
  }
  return { x: { min: x0, max: x1 }, y: { min: y0, max: y1 } };
}

/**
 * The points of one curve as pixel coordinates, at most four per pixel column (the column's
 * first, lowest, highest and last value in step order), so a spike inside a column still shows.
 */
export function toPixels(points: readonly [number, number][], x: Range, y: Range, width: number, height: number): [number, number][] {
  const out: [number, number][] = [];
  const sx = width / (x.max - x.min);
  const sy = height / (y.max - y.min);
  let col = NaN;
  let first: [number, number] | null = null;
  let lo: [number, number] | null = null;
  let hi: [number, number] | null = null;
  let last: [number, number] | null = null;
  const emit = () => {
    if (!first) return;
    const ordered = [first, lo!, hi!, last!].filter((p, i, a) => a.indexOf(p) === i).sort((a, b) => a[0] - b[0]);
    for (const p of ordered) out.push(p);
  };
  for (const [s, v] of points) {
    if (!Number.isFinite(v)) continue;
    const p: [number, number] = [(s - x.min) * sx, height - (v - y.min) * sy];
    const c = Math.floor(p[0]);
    if (c !== col) {
      emit();
      col = c;
      first = lo = hi = last = p;
      continue;
    }
    // screen y grows downwards: the lowest value has the largest y
    if (p[1] > lo![1]) lo = p;
    if (p[1] < hi![1]) hi = p;
    last = p;
  }
  emit();
  return out;
}

/** About `count` round tick values (1, 2 or 5 times a power of ten) covering the range. */
export function ticks(r: Range, count: number, integers = false): number[] {
  const span = r.max - r.min;
  if (!(span > 0) || count < 1) return [r.min];
  const raw = span / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  if (integers) step = Math.max(1, Math.round(step));
  const out: number[] = [];
  // rounded to the step's own decimals: 0.1 * 3 is 0.30000000000000004
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  for (let t = Math.ceil(r.min / step) * step; t <= r.max + step * 1e-9; t += step) out.push(Number(t.toFixed(decimals)));
  return out;
}
