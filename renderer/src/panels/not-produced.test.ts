import { describe, expect, it } from 'vitest';
import { notProduced } from './not-produced';

describe("the inspector's output line after a run that produced nothing", () => {
  it('names why: failed, skipped (with the scheduler reason), cancelled', () => {
    expect(notProduced({ status: 'failed' }, false)).toBe('not produced (the node failed)');
    expect(notProduced({ status: 'skipped', reason: 'skipped: upstream c3n3 failed' }, false)).toBe('not produced (skipped: upstream c3n3 failed)');
    expect(notProduced({ status: 'cancelled' }, false)).toBe('not produced (the run was cancelled)');
  });

  it('says nothing for a node that ran, has not run, or was edited since (its inferred columns hold then)', () => {
    expect(notProduced(undefined, false)).toBeNull();
    expect(notProduced({ status: 'succeeded' }, false)).toBeNull();
    expect(notProduced({ status: 'running' }, false)).toBeNull();
    expect(notProduced({ status: 'failed' }, true)).toBeNull();
  });
});
