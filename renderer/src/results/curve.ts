/**
 * A live training curve that stays cheap at any length: every point is counted, but only about
 * `CURVE_POINTS` of them are kept for drawing (every `stride`-th, the stride doubling whenever
 * the kept points fill up), plus always the newest. Appending is O(1) amortised, drawing O(1000):
 * a 100,000-epoch run costs the page no more than a 1,000-epoch one.
 */
export const CURVE_POINTS = 1000;

export interface Curve {
  /** points received */
  count: number;
  stride: number;
  kept: [number, number][];
  last: [number, number] | null;
}

export function emptyCurve(): Curve {
  return { count: 0, stride: 1, kept: [], last: null };
}

/** Appends in place (the store hands out a new per-node record, not new curves, each frame). */
export function appendPoint(c: Curve, step: number, value: number, cap = CURVE_POINTS): void {
  const p: [number, number] = [step, value];
  if (c.count % c.stride === 0) {
    c.kept.push(p);
    if (c.kept.length >= cap) {
      c.kept = c.kept.filter((_, i) => i % 2 === 0);
      c.stride *= 2;
    }
  }
  c.count++;
  c.last = p;
}

export function curveFrom(points: { step: number; value: number }[]): Curve {
  const c = emptyCurve();
  for (const p of points) appendPoint(c, p.step, p.value);
  return c;
}

/** What to draw: the kept points and the newest one. */
export function curvePoints(c: Curve): [number, number][] {
  if (!c.last || c.kept[c.kept.length - 1] === c.last) return c.kept;
  return [...c.kept, c.last];
}

/**
 * The curves of a node to draw, in name order: the colours then do not depend on whether the
 * points streamed in (the order the trainer reports them) or came from the project's record.
 * A sweep's `trial.*` series belong to its trials chart, not here.
 */
export function curvesToDraw(all: Record<string, Curve> | undefined, skipTrials: boolean): [string, Curve][] {
  return Object.entries(all ?? {})
    .filter(([k]) => !skipTrials || !k.startsWith('trial.'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
