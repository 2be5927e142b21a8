import { describe, expect, it } from 'vitest';
import { fold } from './layout';

const row = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `n${i}`, x: 12 + i * 300, y: 12 + (i === 3 ? 18 : 0), width: 220, height: 110 }));

describe('fold', () => {
  it('leaves a layout that fits as it is', () => {
    const boxes = row(3);
    expect(fold(boxes, 1000)).toBe(boxes);
  });

  it('cuts a long row into bands of whole layers, stacked without overlap, in reading order', () => {
    const out = fold(row(6), 1000);
    expect(out.map((b) => [b.x, b.y])).toEqual([
      [12, 12],
      [312, 12],
      [612, 12],
      // band 2: back to the left edge, 90 below band 1's bottom (its first node keeps its 18 px step)
      [12, 12 + 110 + 90 + 18],
      [312, 12 + 110 + 90],
      [612, 12 + 110 + 90],
    ]);
    for (const a of out)
      for (const b of out) if (a !== b) expect(a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y).toBe(true);
    expect(Math.max(...out.map((b) => b.x + b.width)) - 12).toBeLessThanOrEqual(1000);
  });

  it('keeps nodes of one layer together (a branch stays in its band)', () => {
    const boxes = [...row(4), { id: 'branch', x: 912, y: 200, width: 220, height: 110 }];
    const out = fold(boxes, 700);
    const band = (id: string) => out.find((b) => b.id === id)!;
    expect(band('branch').x).toBe(band('n3').x);
    expect(band('branch').y - band('n3').y).toBe(200 - 30);
  });
});
