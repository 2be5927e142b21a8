import { describe, expect, it } from 'vitest';
import { formatNumber } from './format';

describe('formatNumber', () => {
  it('rounds what people read, never to a misleading zero', () => {
    expect(formatNumber(0.9649122807017544)).toBe('0.965');
    expect(formatNumber(106.52493805309726)).toBe('106.5');
    expect(formatNumber(-0.8969123)).toBe('-0.897');
    expect(formatNumber(0.5)).toBe('0.5');
    expect(formatNumber(569)).toBe('569');
    expect(formatNumber(0.0000321)).toBe('3.2e-5');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(1e12 + 0.5)).toBe('1e12');
    expect(formatNumber(Number.NaN)).toBe('NaN');
  });
});
