import { describe, expect, it } from 'vitest';
import { middleEllipsis } from './middle-ellipsis';

describe('middle ellipsis', () => {
  const upTo = (n: number) => (s: string) => [...s].length <= n;

  it('keeps both ends, as many characters as fit', () => {
    expect(middleEllipsis('customer-churn-2026.pwproj', upTo(21))).toBe('customer-c…026.pwproj');
    expect(middleEllipsis('customer-churn-2026.pwproj', upTo(8))).toBe('cust…roj');
  });

  it('leaves a text that fits alone, and never cuts below one character each side', () => {
    expect(middleEllipsis('iris', upTo(10))).toBe('iris');
    expect(middleEllipsis('a-very-long-name', () => false)).toBe('a…e');
    expect(middleEllipsis('ab', () => false)).toBe('ab');
  });

  it('counts characters, not UTF-16 units: an emoji is never split', () => {
    const r = middleEllipsis('😀😀😀😀😀😀😀😀😀😀', upTo(5));
    expect(r).toBe('😀😀…😀😀');
  });
});
