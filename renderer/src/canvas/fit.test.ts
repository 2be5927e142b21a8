import { describe, expect, it } from 'vitest';
import { fitViewport, type Rect, type Viewport } from './fit';

const VIEW = { width: 710, height: 682 };
/** React Flow's panels as the canvas draws them: the zoom controls a row at the top left, the minimap top right. */
const CONTROLS: Rect = { x: 15, y: 15, width: 84, height: 28 };
/** Controls as a column at the bottom left (React Flow's default place). */
const LOW_CONTROLS: Rect = { x: 15, y: VIEW.height - 15 - 84, width: 28, height: 84 };
const MINIMAP: Rect = { x: VIEW.width - 165, y: 15, width: 150, height: 100 };

/** `b` on screen under viewport `v`, cut to the view. */
function onScreen(b: Rect, v: Viewport): Rect {
  const x = Math.max(0, v.x + b.x * v.zoom);
  const y = Math.max(0, v.y + b.y * v.zoom);
  const right = Math.min(VIEW.width, v.x + (b.x + b.width) * v.zoom);
  const bottom = Math.min(VIEW.height, v.y + (b.y + b.height) * v.zoom);
  return { x, y, width: right - x, height: bottom - y };
}

const meets = (a: Rect, b: Rect) => a.width > 0 && a.height > 0 && a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('fit around the canvas panels', () => {
  it('centres a graph that fits, clear of the zoom controls, at most 1:1', () => {
    const b = { x: 100, y: 50, width: 600, height: 300 };
    for (const panel of [CONTROLS, LOW_CONTROLS]) {
      const v = fitViewport(b, VIEW, [panel], 0.75);
      expect(v.zoom).toBe(1);
      expect(meets(onScreen(b, v), panel)).toBe(false);
    }
    // a bigger one is zoomed to fit: its box inside the view, none of it under the controls
    const big = { x: -40, y: 0, width: 900, height: 560 };
    const w = fitViewport(big, VIEW, [CONTROLS], 0.5);
    expect(w.zoom).toBeLessThan(1);
    const s = onScreen(big, w);
    expect(s.width).toBeCloseTo(big.width * w.zoom, 6);
    expect(s.height).toBeCloseTo(big.height * w.zoom, 6);
    expect(meets(s, CONTROLS)).toBe(false);
  });

  it('takes whichever way round the panels shows the graph largest', () => {
    // wide and low: a row under the controls costs little, a column beside them costs width
    const wide = { x: 0, y: 0, width: 2000, height: 200 };
    const v = fitViewport(wide, VIEW, [CONTROLS, MINIMAP], 0.02);
    expect(v.zoom).toBeCloseTo(VIEW.width / (2000 * 1.15), 6);
    for (const p of [CONTROLS, MINIMAP]) expect(meets(onScreen(wide, v), p)).toBe(false);
    // tall and narrow: columns beside both panels
    const tall = { x: 0, y: 0, width: 200, height: 2000 };
    const t = fitViewport(tall, VIEW, [CONTROLS, MINIMAP], 0.02);
    expect(t.zoom).toBeCloseTo(VIEW.height / (2000 * 1.15), 6);
    for (const p of [CONTROLS, MINIMAP]) expect(meets(onScreen(tall, t), p)).toBe(false);
  });

  it('a graph too big at the lowest zoom starts below the top panels (beside a low-left one) and runs off the far edges', () => {
    const huge = { x: 30, y: -60, width: 1200, height: 1500 };
    const v = fitViewport(huge, VIEW, [CONTROLS, MINIMAP], 0.75);
    expect(v.zoom).toBe(0.75);
    const s = onScreen(huge, v);
    // its top left corner is on screen: the start of the graph is shown
    expect(v.x + huge.x * v.zoom).toBeGreaterThan(0);
    expect(v.x + huge.x * v.zoom).toBeLessThan(CONTROLS.x);
    expect(v.y + huge.y * v.zoom).toBeGreaterThan(MINIMAP.y + MINIMAP.height);
    expect(s.x + s.width).toBe(VIEW.width);
    expect(s.y + s.height).toBe(VIEW.height);
    for (const p of [CONTROLS, MINIMAP]) expect(meets(s, p)).toBe(false);
    // controls at the bottom left: a column beside them
    const w = fitViewport(huge, VIEW, [LOW_CONTROLS], 0.75);
    expect(w.x + huge.x * w.zoom).toBeGreaterThan(LOW_CONTROLS.x + LOW_CONTROLS.width);
    expect(meets(onScreen(huge, w), LOW_CONTROLS)).toBe(false);
  });

  it('uses the room the padding would take before letting a graph run off the canvas', () => {
    // fits at 0.75 only without the 15 % padding
    const b = { x: 0, y: 0, width: (VIEW.width - 60) / 0.75, height: 300 };
    const v = fitViewport(b, VIEW, [CONTROLS], 0.75);
    expect(v.zoom).toBe(0.75);
    const s = onScreen(b, v);
    expect(s.width).toBeCloseTo(b.width * 0.75, 6);
    expect(s.height).toBeCloseTo(b.height * 0.75, 6);
    expect(meets(s, CONTROLS)).toBe(false);
  });
});
