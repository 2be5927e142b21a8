import { describe, expect, it } from 'vitest';
import { formatDelta, formatNumber } from './format';

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

describe('formatDelta', () => {
  it('signs every change and gives a column of them the decimals of the values compared', () => {
    // accuracy 0.9649 -> 0.9737 and back: three decimals each way, as the values are shown
    expect(formatDelta(0.9736842105263158 - 0.9649122807017544, 0.9649122807017544, 0.9736842105263158)).toBe('+0.009');
    expect(formatDelta(0.9649122807017544 - 0.9736842105263158, 0.9736842105263158, 0.9649122807017544)).toBe('-0.009');
    expect(formatDelta(0.01, 0.95, 0.96)).toBe('+0.010');
    // smaller than the values' precision: still says which way, never an exponent among decimals
    expect(formatDelta(0.0003, 0.9, 0.9003)).toBe('+0.000');
    expect(formatDelta(1.25, 106.5, 107.75)).toBe('+1.3');
    expect(formatDelta(31, 569, 600)).toBe('+31');
    expect(formatDelta(-0.000012, 0.00005, 0.000038)).toBe('-1.2e-5');
    expect(formatDelta(0, 0.5, 0.5)).toBe('0');
    expect(formatDelta(Number.NaN)).toBe('NaN');
  });
});
