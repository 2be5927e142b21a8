import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestContext, runNode, type TestContext } from '../../test/helpers/node-context';
import { metricsDoc } from '../artifacts';
import { GateFailure, type ArtifactRef } from '../types';
import { checkGate } from './check';
import gate from './metric.node';

let ctx: TestContext;
let metrics: ArtifactRef;
const doc = metricsDoc({ accuracy: 0.9473684, f1: 0.93 }, { matrices: { confusion: { labels: ['a', 'b'], values: [[1, 0], [0, 1]] } } });
beforeAll(async () => {
  ctx = await makeTestContext();
  const path = join(ctx.tmpDir, 'metrics.json');
  writeFileSync(path, JSON.stringify(doc));
  metrics = { kind: 'metrics', path, hash: '', meta: {} };
});
afterAll(() => ctx.cleanup());

describe('gate.metric', () => {
  it('passes the metrics on when the bound is met', async () => {
    const out = await runNode(gate, ctx, { metrics }, { metric: 'accuracy', min: 0.9 });
    expect(out.metrics).toEqual({ kind: 'metrics', json: doc });
  });

  it('a miss is a GateFailure naming the metric, its value and the bound', async () => {
    const run = runNode(gate, ctx, { metrics }, { metric: 'accuracy', min: 0.999 });
    await expect(run).rejects.toBeInstanceOf(GateFailure);
    await expect(run).rejects.toThrow('accuracy 0.9474 is below min 0.999');
    await expect(runNode(gate, ctx, { metrics }, { metric: 'f1', max: 0.5 })).rejects.toThrow('f1 0.93 is above max 0.5');
  });

  it('an unknown metric fails with the list of available ones', async () => {
    const run = runNode(gate, ctx, { metrics }, { metric: 'auc', min: 0.5 });
    await expect(run).rejects.toBeInstanceOf(GateFailure);
    await expect(run).rejects.toThrow('metric auc is not in the metrics (available: accuracy, f1)');
  });

  it('bounds are inclusive', () => {
    expect(checkGate(doc, 'f1', 0.93, 0.93)).toBe(0.93);
    try {
      checkGate(doc, 'accuracy', 0.95);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(GateFailure);
      expect((e as GateFailure).metric).toBe('accuracy');
      expect((e as GateFailure).value).toBeCloseTo(0.9473684, 7);
    }
  });
});
