import { describe, expect, it } from 'vitest';
import { curveFrom, curvesToDraw } from './curve';

describe('curvesToDraw', () => {
  it('orders curves by name whatever order they arrived in, so live and recorded curves get the same colours', () => {
    const pts = [{ step: 1, value: 0.5 }];
    // live: the order the trainer reports them in
    const live = { loss: curveFrom(pts), valLoss: curveFrom(pts), valAccuracy: curveFrom(pts), 'trial.1.loss': curveFrom(pts) };
    // recorded: the order the project's record lists them in
    const recorded = { valAccuracy: curveFrom(pts), loss: curveFrom(pts), valLoss: curveFrom(pts) };
    expect(curvesToDraw(live, true).map(([k]) => k)).toEqual(['loss', 'valAccuracy', 'valLoss']);
    expect(curvesToDraw(recorded, true).map(([k]) => k)).toEqual(['loss', 'valAccuracy', 'valLoss']);
    expect(curvesToDraw(live, false).map(([k]) => k)).toEqual(['loss', 'trial.1.loss', 'valAccuracy', 'valLoss']);
    expect(curvesToDraw(undefined, true)).toEqual([]);
  });
});
