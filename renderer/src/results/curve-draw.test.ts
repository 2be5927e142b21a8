import { describe, expect, it } from 'vitest';
import { appendPoint, emptyCurve } from './curve';
import { extent, ticks, toPixels } from './curve-draw';

describe('live curve drawing', () => {
  it('reduces 100,000 epochs to at most four points per pixel column, keeping a spike', () => {
    const c = emptyCurve();
    for (let s = 1; s <= 100_000; s++) appendPoint(c, s, s === 50_000 ? 9 : 1 / s);
    const ex = extent([c])!;
    expect(ex.x).toEqual({ min: 1, max: 100_000 });
    const pts = c.kept.concat(c.last ? [c.last] : []);
    const px = toPixels(pts, ex.x, ex.y, 300, 100);
    expect(px.length).toBeLessThanOrEqual(4 * 301);
    // x never goes backwards, every point lies in the plot
    for (let i = 1; i < px.length; i++) expect(px[i][0]).toBeGreaterThanOrEqual(px[i - 1][0]);
    for (const [x, y] of px) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(300);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(100);
    }
    // the first point (1/1 = the top of the range) survives whatever the stride
    expect(px[0]).toEqual([0, 100 - ((1 - ex.y.min) / (ex.y.max - ex.y.min)) * 100]);
  });

  it('keeps a column whose values all differ at its lowest and highest point', () => {
    const px = toPixels([[0, 0], [0.1, 5], [0.2, -5], [0.3, 1]], { min: 0, max: 10 }, { min: -5, max: 5 }, 10, 10);
    expect(px.map(([, y]) => y).sort((a, b) => a - b)).toEqual([0, 4, 5, 10]);
  });

  it('skips values that are not finite and gives a flat curve some height', () => {
    const c = emptyCurve();
    appendPoint(c, 1, 0.5);
    appendPoint(c, 2, Number.NaN);
    appendPoint(c, 3, 0.5);
    const ex = extent([c])!;
    expect(ex.y.min).toBeLessThan(0.5);
    expect(ex.y.max).toBeGreaterThan(0.5);
    expect(toPixels([[1, 0.5], [2, Number.NaN], [3, 0.5]], ex.x, ex.y, 100, 10)).toHaveLength(2);
    expect(extent([emptyCurve()])).toBeNull();
  });

  it('puts ticks on round values', () => {
    expect(ticks({ min: 0, max: 1 }, 4)).toEqual([0, 0.5, 1]);
    expect(ticks({ min: 0, max: 1 }, 6)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks({ min: 0.13, max: 0.71 }, 4)).toEqual([0.2, 0.4, 0.6]);
    expect(ticks({ min: 1, max: 100_000 }, 5, true)).toEqual([20000, 40000, 60000, 80000, 100000]);
    expect(ticks({ min: 1, max: 3 }, 8, true)).toEqual([1, 2, 3]);
  });
});
