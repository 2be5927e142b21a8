import { describe, expect, it } from 'vitest';
import { isBackward, roundedPath, wrapRoute, type Box } from './wire-route';
import { fold } from './layout';

/** Does the axis-parallel segment a-b pass through the inside of box? */
function crosses(a: [number, number], b: [number, number], box: Box): boolean {
  const [x0, x1] = [Math.min(a[0], b[0]), Math.max(a[0], b[0])];
  const [y0, y1] = [Math.min(a[1], b[1]), Math.max(a[1], b[1])];
  return x0 < box.x + box.width && x1 > box.x && y0 < box.y + box.height && y1 > box.y;
}

describe('wires of a folded layout', () => {
  // a linear pipeline of 8 nodes, folded into bands of 3 layers (as the editor's auto-layout does)
  const boxes = fold(
    Array.from({ length: 8 }, (_, i) => ({ id: `n${i}`, x: i * 300, y: i % 2 ? 20 : 0, width: 220, height: 110 })),
    900,
  );

  it('routes every band wrap between the bands, crossing no node', () => {
    let wraps = 0;
    for (let i = 0; i + 1 < boxes.length; i++) {
      const [a, b] = [boxes[i], boxes[i + 1]];
      const s = { x: a.x + a.width, y: a.y + 50 };
      const t = { x: b.x, y: b.y + 50 };
      if (!isBackward(s.x, t.x)) continue;
      wraps++;
      const pts = wrapRoute(s, t, a, boxes);
      // leaves to the right, enters from the left
      expect(pts[1][0]).toBeGreaterThan(s.x);
      expect(pts[pts.length - 2][0]).toBeLessThan(t.x);
      // the corridor lies between the source's band and the target's
      expect(pts[2][1]).toBeGreaterThan(a.y + a.height);
      expect(pts[2][1]).toBeLessThan(b.y);
      for (let k = 1; k < pts.length - 2; k++) for (const box of boxes) expect(crosses(pts[k], pts[k + 1], box), `segment ${k} of wire ${i} crosses ${JSON.stringify(box)}`).toBe(false);
    }
    expect(wraps).toBe(2);
  });

  it('goes above when the input is higher up, and draws rounded corners', () => {
    const a = { x: 600, y: 300, width: 220, height: 110 };
    const b = { x: 0, y: 0, width: 220, height: 110 };
    const pts = wrapRoute({ x: 820, y: 350 }, { x: 0, y: 50 }, a, [a, b]);
    expect(pts[2][1]).toBeLessThan(a.y);
    expect(pts[2][1]).toBeGreaterThan(b.y + b.height);
    expect(roundedPath(pts)).toMatch(/^M 820 350 L .* Q .* L 0 50$/);
  });

  it('leaves forward wires to the bezier', () => {
    expect(isBackward(220, 300)).toBe(false);
    expect(isBackward(820, 0)).toBe(true);
  });
});
