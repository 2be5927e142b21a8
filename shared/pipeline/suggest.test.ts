import { describe, expect, it } from 'vitest';
import { closest, didYouMean } from './suggest';

describe('did you mean', () => {
  it('suggests the closest candidate for a likely typo', () => {
    expect(closest('data.cvs', ['data.csv', 'data.sql', 'data.parquet'])).toBe('data.csv');
    expect(closest('tabel', ['table'])).toBe('table');
    expect(closest('testfraction', ['testFraction', 'seed'])).toBe('testFraction');
    expect(didYouMean('trian', ['train', 'test'])).toBe(" (did you mean 'train'?)");
  });

  it('stays quiet when nothing is close', () => {
    expect(closest('excel', ['data.csv', 'data.sql'])).toBeUndefined();
    expect(didYouMean('x', ['model', 'table'])).toBe('');
    expect(didYouMean('seed', ['seed'])).toBe('');
  });
});
