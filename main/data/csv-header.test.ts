import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectDelimiter, firstInvalidUtf8 } from './csv-header';

const strict = new TextDecoder('utf-8', { fatal: true });
const decodes = (b: Uint8Array): boolean => {
  try {
    strict.decode(b);
    return true;
  } catch {
    return false;
  }
};

describe('csv header', () => {
  it('finds the first invalid UTF-8 byte exactly where the strict decoder fails', () => {
    for (const [bytes, at] of [
      [[0x61, 0xff], 1],
      [[0xc3, 0xa9], -1],
      [[0xc0, 0xaf], 0], // overlong "/"
      [[0xed, 0xa0, 0x80], 0], // a UTF-16 surrogate
      [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
      [[0x61, 0xe2, 0x82], 1], // cut short at the end
      [[0xf0, 0x9f, 0x98, 0x80, 0x62], -1],
    ] as [number[], number][]) {
      expect(firstInvalidUtf8(Uint8Array.from(bytes))).toBe(at);
    }
    // the random bytes are drawn mostly from the interesting range (lead and continuation bytes)
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0x80, max: 0xf5 }));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 12 }), (arr) => {
        const b = Uint8Array.from(arr);
        const at = firstInvalidUtf8(b);
        if (at < 0) return decodes(b);
        return !decodes(b) && decodes(b.subarray(0, at)) && !decodes(b.subarray(0, at + 4 > b.length ? b.length : at + 4));
      }),
      { numRuns: 5000 },
    );
  });

  it('detects the delimiter outside quotes', () => {
    expect(detectDelimiter('a;b;"c,d,e"')).toBe(';');
    expect(detectDelimiter('a\tb\tc')).toBe('\t');
    expect(detectDelimiter('single')).toBe(',');
  });
});
