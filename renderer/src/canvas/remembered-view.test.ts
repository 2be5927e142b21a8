import { describe, expect, it } from 'vitest';
import { positionBox, restorableView } from './remembered-view';

const layout = { load: { x: 0, y: 0 }, split: { x: 260, y: 0 }, train: { x: 0, y: 300 } };

describe('positionBox', () => {
  it('spans the positions of the given nodes, skipping those without one', () => {
    expect(positionBox(layout, ['load', 'split', 'train', 'nowhere'])).toEqual([0, 0, 260, 300]);
    expect(positionBox(layout, ['split'])).toEqual([260, 0, 260, 0]);
    expect(positionBox(layout, ['nowhere'])).toBeNull();
    expect(positionBox({}, [])).toBeNull();
  });
});

describe('restorableView', () => {
  const box = positionBox(layout, ['load', 'split', 'train']);

  it('gives the view back for the arrangement it was taken of', () => {
    expect(restorableView({ x: 70, y: -20, zoom: 0.8, box: [0, 0, 260, 300] }, box)).toEqual({ x: 70, y: -20, zoom: 0.8 });
    // positions a fraction apart (a drag snapped back, rounding in the file) are the same arrangement
    expect(restorableView({ x: 70, y: -20, zoom: 0.8, box: [0.4, 0, 260, 300.6] }, box)).toEqual({ x: 70, y: -20, zoom: 0.8 });
  });

  it('not for nodes laid out anew: the same name with another arrangement is fitted instead', () => {
    // the remembered view of the folded example, asked for by a run whose version lies in one row
    expect(restorableView({ x: 70, y: -20, zoom: 0.8, box: [0, 0, 260, 300] }, [0, 0, 1560, 0])).toBeNull();
    // a view remembered before views kept their box
    expect(restorableView({ x: 70, y: -20, zoom: 0.8 }, box)).toBeNull();
  });

  it('nothing unreadable, and nothing before the nodes have positions', () => {
    for (const bad of [null, 'x', { x: 'a', y: 0, zoom: 1, box: [0, 0, 260, 300] }, { x: 0, y: 0, zoom: 0, box: [0, 0, 260, 300] }, { x: 0, y: Infinity, zoom: 1, box: [0, 0, 260, 300] }, { x: 0, y: 0, zoom: 1, box: [0, 0, 260] }]) {
      expect(restorableView(bad, box)).toBeNull();
    }
    expect(restorableView({ x: 0, y: 0, zoom: 1, box: [0, 0, 260, 300] }, null)).toBeNull();
  });
});
