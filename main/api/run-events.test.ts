import { describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../../shared/run';
import { batchRunEvents } from './run-events';

const progress = (nodeId: string, fraction: number): RunEvent => ({ type: 'node.progress', runId: '1', nodeId, fraction });
const metric = (step: number): RunEvent => ({ type: 'node.metric', runId: '1', nodeId: 'train', key: 'loss', value: 1 / step, step });

describe('batchRunEvents', () => {
  it('sends a burst as one batch, keeps every metric point, keeps only the latest progress per node', () => {
    vi.useFakeTimers();
    try {
      let t = 0;
      const sent: RunEvent[][] = [];
      const b = batchRunEvents((batch) => sent.push(batch), 50, () => t);
      b.push({ type: 'run.started', runId: '1', pipeline: 'p', nodes: ['train'] });
      expect(sent.length).toBe(1); // the first event of a quiet spell goes at once
      for (let i = 1; i <= 10_000; i++) {
        b.push(progress('train', i / 10_000));
        b.push(metric(i));
      }
      expect(sent.length).toBe(1);
      t = 50;
      vi.advanceTimersByTime(50);
      expect(sent.length).toBe(2);
      const batch = sent[1];
      expect(batch.filter((e) => e.type === 'node.metric').length).toBe(10_000);
      const ps = batch.filter((e) => e.type === 'node.progress');
      expect(ps).toEqual([progress('train', 1)]);
      // order is kept: the single progress sits where the first one was
      expect(batch[0].type).toBe('node.progress');
    } finally {
      vi.useRealTimers();
    }
  });

  it('never applies a stale progress after the node finished, and flushes the end of a run at once', () => {
    let t = 0;
    const sent: RunEvent[][] = [];
    const b = batchRunEvents((batch) => sent.push(batch), 50, () => t);
    b.push(progress('a', 0));
    t = 1;
    b.push(progress('a', 0.5));
    b.push({ type: 'node.finished', runId: '1', nodeId: 'a', status: 'succeeded', cached: false, durationMs: 1, reason: 'x', metrics: {} });
    b.push(progress('a', 0.9));
    b.push({ type: 'run.finished', runId: '1', status: 'succeeded', durationMs: 2, backend: 'cpu' });
    const all = sent.flat();
    expect(all.map((e) => e.type)).toEqual(['node.progress', 'node.progress', 'node.finished', 'node.progress', 'run.finished']);
    expect(sent.length).toBe(2);
  });
});
