import { describe, expect, it } from 'vitest';
import type { TrialRecord } from '../../../shared/run';
import { formatDuration, pickBest, shownMetrics, trialTable, upsertTrial } from './trials';

const t = (index: number, params: Record<string, unknown>, metrics: Record<string, number>, status: TrialRecord['status'] = 'succeeded', durationMs = 100): TrialRecord => ({
  index,
  params,
  metrics,
  status,
  durationMs,
  ...(status === 'failed' ? { error: 'boom' } : {}),
});

const trials = [
  t(3, { epochs: 20, learningRate: 0.1 }, { accuracy: 0.9, logLoss: 0.3 }),
  t(1, { epochs: 5, learningRate: 0.1 }, { accuracy: 0.8, logLoss: 0.5 }),
  t(2, { epochs: 10, learningRate: 0.1 }, { accuracy: 0.95, logLoss: 0.4 }),
  t(4, { epochs: 40, learningRate: 0.1 }, {}, 'failed'),
];

describe('trialTable', () => {
  it('sorts by index, one column per swept param and metric, the sweep metric first', () => {
    const table = trialTable(trials, { metric: 'logLoss', goal: 'min', space: ['learningRate', 'epochs'] });
    expect(table.rows.map((r) => r.index)).toEqual([1, 2, 3, 4]);
    expect(table.params).toEqual(['learningRate', 'epochs']);
    expect(table.metrics).toEqual(['logLoss', 'accuracy']);
    expect(table.rows[1].params).toEqual(['0.1', '10']);
    expect(table.rows[1].metrics).toEqual([0.4, 0.95]);
    expect(table.rows[3]).toMatchObject({ status: 'failed', error: 'boom', metrics: [null, null] });
  });

  it('highlights the best trial by the sweep goal', () => {
    expect(trialTable(trials, { metric: 'accuracy', goal: 'max' }).rows.filter((r) => r.best).map((r) => r.index)).toEqual([2]);
    expect(trialTable(trials, { metric: 'logLoss', goal: 'min' }).best).toBe(3);
    expect(trialTable(trials, {}).best).toBeNull();
  });
});

describe('shownMetrics', () => {
  const table = trialTable(trials, { metric: 'logLoss', goal: 'min' });

  it('folded, shows only the metric the sweep ranks by, else the first one', () => {
    expect(table.metrics[shownMetrics(table, { metric: 'logLoss', all: false })[0]]).toBe('logLoss');
    expect(shownMetrics(table, { metric: 'logLoss', all: false })).toHaveLength(1);
    expect(shownMetrics(table, { all: false })).toEqual([0]);
    expect(shownMetrics(table, { metric: 'f1', all: false })).toEqual([0]);
    expect(shownMetrics({ metrics: [] }, { metric: 'accuracy', all: false })).toEqual([]);
  });

  it('unfolded, shows every metric in table order', () => {
    expect(shownMetrics(table, { metric: 'logLoss', all: true })).toEqual([0, 1]);
  });
});

describe('pickBest', () => {
  it('ignores failed trials and trials without the metric; ties go to the earlier trial', () => {
    const withFailedHigh = [...trials, t(5, { epochs: 80 }, { accuracy: 0.99 }, 'failed')];
    expect(pickBest(withFailedHigh, 'accuracy', 'max')).toBe(2);
    expect(pickBest([t(2, {}, { accuracy: 0.9 }), t(1, {}, { accuracy: 0.9 })], 'accuracy', 'max')).toBe(1);
    expect(pickBest(trials, 'f1', 'max')).toBeNull();
    expect(pickBest([t(1, {}, { loss: Number.NaN }), t(2, {}, { loss: 3 })], 'loss', 'min')).toBe(2);
  });
});

describe('upsertTrial', () => {
  it('keeps index order and replaces a repeated trial', () => {
    let list: TrialRecord[] = [];
    for (const x of [trials[0], trials[1], trials[2]]) list = upsertTrial(list, x);
    list = upsertTrial(list, t(2, { epochs: 10 }, { accuracy: 0.5 }));
    expect(list.map((x) => [x.index, x.metrics.accuracy])).toEqual([
      [1, 0.8],
      [2, 0.5],
      [3, 0.9],
    ]);
  });
});

it('formats durations', () => {
  expect(formatDuration(250)).toBe('250 ms');
  expect(formatDuration(2500)).toBe('2.5 s');
  expect(formatDuration(125_000)).toBe('2 min 5 s');
});
