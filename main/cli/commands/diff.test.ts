/**
 * `pipewright diff`'s text: metric values at 6 significant digits, their change by the project's
 * one rule for metric changes (formatDelta: sign, the compared values' decimals); `--json` keeps
 * full numbers (test/integration/history-cli.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { RunDiff } from '../../store/history';
import { formatDiff } from './diff';

const diff = (metrics: RunDiff['metrics']): RunDiff => ({ a: '1', b: '2', params: {}, graph: { added: [], removed: [], changed: [] }, data: {}, metrics, environment: {} });
const metricLines = (d: RunDiff): string[] => formatDiff(d).split('\n').filter((l) => l.startsWith('  evaluate.'));

describe('pipewright diff text', () => {
  it('prints values at 6 significant digits and the change as the compare panel does', () => {
    const a = 0.9649122807017544;
    const b = 0.9736842105263158;
    expect(
      metricLines(
        diff({
          'evaluate.accuracy': { a, b, delta: b - a },
          'evaluate.loss': { a: 123.456789, b: 120.1, delta: 120.1 - 123.456789 },
          'evaluate.rows': { a: 1234567, b: 1234547, delta: -20 },
          'evaluate.tiny': { a: 3.21234e-5, b: 4.1e-5, delta: 4.1e-5 - 3.21234e-5 },
          'evaluate.same3': { a: 0.5000001, b: 0.5000002, delta: 0.5000002 - 0.5000001 },
          'evaluate.gone': { a: 0.25, b: null, delta: null },
          'evaluate.huge': { a: 2.5e12 + 0.5, b: 1234567890.123, delta: 1234567890.123 - (2.5e12 + 0.5) },
        }),
      ),
    ).toEqual([
      '  evaluate.accuracy: 0.964912 → 0.973684 (+0.009)',
      '  evaluate.loss: 123.457 → 120.1 (-3.4)',
      '  evaluate.rows: 1234567 → 1234547 (-20)',
      '  evaluate.tiny: 3.21234e-5 → 4.1e-5 (+8.9e-6)',
      '  evaluate.same3: 0.5 → 0.5 (+0.000)',
      '  evaluate.gone: 0.25 → —',
      '  evaluate.huge: 2.5e12 → 1.23457e9 (-2.5e12)',
    ]);
  });
});
