import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { releaseReadChunks } from './release-native';

describe('releaseReadChunks', () => {
  it('collects, and leaves no gc global to the contexts made after it (a sandbox must not get one)', () => {
    expect(runInNewContext('typeof gc')).toBe('undefined');
    expect(releaseReadChunks()).toBe(true);
    expect(releaseReadChunks()).toBe(true);
    expect(runInNewContext('typeof gc')).toBe('undefined');
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
