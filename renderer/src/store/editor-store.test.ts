import { curvePoints } from '../results/curve';
import { describe, expect, it } from 'vitest';
import { emptyPipeline } from '../../../shared/pipeline/model';
import { addNode, moveNodes, setParam } from '../doc/ops';
import { createEditorStore } from './editor-store';

function clockStore() {
  let t = 0;
  const store = createEditorStore(emptyPipeline('t'), () => t);
  return { store, tick: (ms: number) => (t += ms) };
}

describe('editor store history', () => {
  it('undoes and redoes an edit', () => {
    const { store } = clockStore();
    const s = store.getState();
    s.edit('add', (d) => addNode(d, 'data.csv', { x: 0, y: 0 }).doc);
    expect(store.getState().doc.nodes).toHaveLength(1);
    store.getState().undo();
    expect(store.getState().doc.nodes).toHaveLength(0);
    store.getState().redo();
    expect(store.getState().doc.nodes.map((n) => n.id)).toEqual(['csv']);
  });

  it('a drag is one step: same key within a second merges', () => {
    const { store, tick } = clockStore();
    store.getState().edit(null, (d) => addNode(d, 'data.csv', { x: 0, y: 0 }).doc);
    for (let i = 1; i <= 30; i++) {
      tick(16);
      store.getState().edit('move:csv', (d) => moveNodes(d, { csv: { x: i * 10, y: 0 } }));
    }
    expect(store.getState().history.past).toHaveLength(2);
    store.getState().undo();
    expect(store.getState().doc.layout.csv).toEqual({ x: 0, y: 0 });
    expect(store.getState().doc.nodes).toHaveLength(1);
  });

  it('typing after a pause is a new step, and a new edit clears redo', () => {
    const { store, tick } = clockStore();
    store.getState().edit(null, (d) => addNode(d, 'features.split', { x: 0, y: 0 }).doc);
    store.getState().edit('param:split.seed', (d) => setParam(d, 'split', 'seed', 1));
    tick(300);
    store.getState().edit('param:split.seed', (d) => setParam(d, 'split', 'seed', 12));
    tick(1500);
    store.getState().edit('param:split.seed', (d) => setParam(d, 'split', 'seed', 123));
    expect(store.getState().history.past).toHaveLength(3);
    store.getState().undo();
    expect(store.getState().doc.nodes[0].params.seed).toBe(12);
    store.getState().undo();
    expect(store.getState().doc.nodes[0].params.seed).toBeUndefined();
    store.getState().edit('param:split.testFraction', (d) => setParam(d, 'split', 'testFraction', 0.3));
    expect(store.getState().history.future).toHaveLength(0);
  });

  it('loading and engine events are never undoable', () => {
    const { store } = clockStore();
    store.getState().edit(null, (d) => addNode(d, 'data.csv', { x: 0, y: 0 }).doc);
    store.getState().startRun('r1');
    store.getState().applyEvent({ type: 'run.started', runId: 'r1', pipeline: 't', nodes: ['csv'] });
    store.getState().applyEvent({ type: 'node.progress', runId: 'r1', nodeId: 'csv', fraction: 0.5 });
    store.getState().applyEvent({ type: 'node.metric', runId: 'r1', nodeId: 'csv', key: 'loss', value: 0.7, step: 1 });
    store.getState().applyEvent({ type: 'node.finished', runId: 'r1', nodeId: 'csv', status: 'succeeded', cached: true, durationMs: 0, reason: 'reused from run 1: unchanged', metrics: { accuracy: 0.9 } });
    store.getState().applyEvent({ type: 'node.log', runId: 'other', nodeId: 'csv', level: 'info', message: 'not ours', time: 0 });
    expect(store.getState().history.past).toHaveLength(1);
    expect(store.getState().nodeStates.csv).toMatchObject({ status: 'succeeded', cached: true, metrics: { accuracy: 0.9 } });
    expect(curvePoints(store.getState().series.csv.loss)).toEqual([[1, 0.7]]);
    // each node ends with a log line (a cached run has a log too); the other run's line is not ours
    expect(store.getState().logs.map((l) => l.message)).toEqual(['cached (reused from run 1: unchanged)']);
    store.getState().load(emptyPipeline('u'));
    expect(store.getState().history.past).toHaveLength(0);
  });
});

describe('editor store trials', () => {
  it('collects node.trial events in index order and takes run.get trials for the current run only', () => {
    const { store } = clockStore();
    const trial = (index: number, accuracy: number) => ({ index, params: { epochs: index * 5 }, metrics: { accuracy }, status: 'succeeded' as const, durationMs: 10 });
    store.getState().applyEvent({ type: 'run.started', runId: 'r1', pipeline: 't', nodes: ['sweep'] });
    store.getState().applyEvent({ type: 'node.trial', runId: 'r1', nodeId: 'sweep', trial: trial(2, 0.9) });
    store.getState().applyEvent({ type: 'node.trial', runId: 'r1', nodeId: 'sweep', trial: trial(1, 0.8) });
    store.getState().applyEvent({ type: 'node.trial', runId: 'r0', nodeId: 'sweep', trial: trial(3, 0.1) });
    expect(store.getState().trials.sweep.map((t) => t.index)).toEqual([1, 2]);
    store.getState().setTrials('r0', { other: [trial(1, 0.5)] });
    expect(store.getState().trials.other).toBeUndefined();
    store.getState().setTrials('r1', { cachedSweep: [trial(1, 0.5)] });
    expect(Object.keys(store.getState().trials).sort()).toEqual(['cachedSweep', 'sweep']);
    // A run of the sweep alone replaces its trials and keeps the other node's
    store.getState().applyEvent({ type: 'run.finished', runId: 'r1', status: 'succeeded', durationMs: 1, backend: 'cpu' });
    store.getState().applyEvent({ type: 'run.started', runId: 'r2', pipeline: 't', nodes: ['sweep'] });
    expect(Object.keys(store.getState().trials)).toEqual(['cachedSweep']);
  });
});

describe('editor store run events', () => {
  const finished = (runId: string, nodeId: string, metrics: Record<string, number> = {}) =>
    ({ type: 'node.finished', runId, nodeId, status: 'succeeded', cached: false, durationMs: 5, reason: 'first run', metrics }) as const;

  it('a run that could not write the project file: its wait and its error reach the log, the error stays on the run until the next one', () => {
    const { store } = clockStore();
    const file = '/home/ana/churn.pwproj';
    const waiting = `waiting for ${file}: another process holds its write lock (giving up after 2 s)`;
    const error = `could not write to the project file ${file}: another process kept it locked for more than 2 s (SQLITE_BUSY)`;
    store.getState().applyEvents([
      { type: 'run.started', runId: '7', pipeline: 't', nodes: ['load'] },
      { type: 'run.log', runId: '7', level: 'warn', message: waiting, time: 5 },
      { type: 'node.finished', runId: '7', nodeId: 'load', status: 'cancelled', cached: false, durationMs: 0, reason: 'cancelled', metrics: {} },
      { type: 'run.finished', runId: '7', status: 'failed', durationMs: 2100, backend: 'cpu', error },
    ]);
    const st = store.getState();
    expect(st.run).toEqual({ id: '7', status: 'failed', durationMs: 2100, backend: 'cpu', error });
    expect(st.logs.filter((l) => l.nodeId === 'run')).toEqual([
      { nodeId: 'run', level: 'warn', message: waiting, time: 5 },
      { nodeId: 'run', level: 'error', message: error, time: 0 },
    ]);
    // the run's own lines keep their order among the nodes' lines
    expect(st.logs.map((l) => l.nodeId)).toEqual(['run', 'load', 'run']);
    store.getState().applyEvents([{ type: 'run.started', runId: '8', pipeline: 't', nodes: ['load'] }]);
    expect(store.getState().run).toEqual({ id: '8', status: 'running' });
  });

  it('a partial run keeps the results of the nodes it does not run', () => {
    const { store } = clockStore();
    store.getState().applyEvents([
      { type: 'run.started', runId: '1', pipeline: 't', nodes: ['load', 'a', 'b'] },
      finished('1', 'load'),
      finished('1', 'a', { accuracy: 0.9 }),
      { type: 'node.metric', runId: '1', nodeId: 'a', key: 'loss', value: 0.5, step: 1 },
      finished('1', 'b', { accuracy: 0.8 }),
      { type: 'run.finished', runId: '1', status: 'succeeded', durationMs: 9, backend: 'cpu' },
    ]);
    store.getState().applyEvents([{ type: 'run.started', runId: '2', pipeline: 't', nodes: ['load', 'b'] }]);
    const st = store.getState();
    expect(st.nodeStates.a).toMatchObject({ status: 'succeeded', metrics: { accuracy: 0.9 }, runId: '1' });
    expect(st.series.a.loss.count).toBe(1);
    expect(st.nodeStates.b).toMatchObject({ status: 'queued', runId: '2' });
  });

  it('applies 100,000 metric points in batches in linear time and keeps about 1,000 to draw', () => {
    const { store } = clockStore();
    store.getState().applyEvents([{ type: 'run.started', runId: '1', pipeline: 't', nodes: ['train'] }]);
    let updates = 0;
    const off = store.subscribe(() => updates++);
    for (let b = 0; b < 100; b++) {
      const batch = [];
      for (let i = 1; i <= 1000; i++) {
        const step = b * 1000 + i;
        batch.push({ type: 'node.metric', runId: '1', nodeId: 'train', key: 'loss', value: 1 / step, step } as const);
        batch.push({ type: 'node.progress', runId: '1', nodeId: 'train', fraction: step / 100_000 } as const);
      }
      store.getState().applyEvents(batch);
    }
    off();
    expect(updates).toBe(100);
    const c = store.getState().series.train.loss;
    expect(c.count).toBe(100_000);
    const pts = curvePoints(c);
    expect(pts.length).toBeLessThanOrEqual(1001);
    expect(pts[0]).toEqual([1, 1]);
    expect(pts.at(-1)).toEqual([100_000, 1 / 100_000]);
    expect(store.getState().nodeStates.train.progress).toBe(1);
  });

  it("a new run's curves start empty when the run's answer comes before its run.started event", () => {
    const { store } = clockStore();
    const metric = (runId: string, step: number, value: number) => ({ type: 'node.metric', runId, nodeId: 'train', key: 'loss', value, step }) as const;
    // run 1 draws 3,000 epochs (kept at a stride, as a long curve is)
    store.getState().startRun('1');
    store.getState().applyEvents([{ type: 'run.started', runId: '1', pipeline: 't', nodes: ['train'] }, ...Array.from({ length: 3000 }, (_, i) => metric('1', i + 1, 1 / (i + 1)))]);
    store.getState().applyEvents([{ type: 'run.finished', runId: '1', status: 'succeeded', durationMs: 1, backend: 'cpu' }]);
    expect(store.getState().series.train.loss.count).toBe(3000);
    // run 2: its answer (startRun) first, then its events
    store.getState().startRun('2');
    store.getState().applyEvents([{ type: 'run.started', runId: '2', pipeline: 't', nodes: ['train'] }, ...Array.from({ length: 10 }, (_, i) => metric('2', i + 1, 2))]);
    const c = store.getState().series.train.loss;
    expect(c.count).toBe(10);
    const steps = curvePoints(c).map(([step]) => step);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // run 3: its events first, then its answer, which must not clear what they drew
    store.getState().applyEvents([{ type: 'run.finished', runId: '2', status: 'succeeded', durationMs: 1, backend: 'cpu' }]);
    store.getState().applyEvents([{ type: 'run.started', runId: '3', pipeline: 't', nodes: ['train'] }, metric('3', 1, 5), metric('3', 2, 4)]);
    store.getState().startRun('3');
    expect(curvePoints(store.getState().series.train.loss)).toEqual([
      [1, 5],
      [2, 4],
    ]);
    // a run.started seen again (a replay of the same run) keeps what the run drew
    store.getState().applyEvents([{ type: 'run.started', runId: '3', pipeline: 't', nodes: ['train'] }]);
    expect(store.getState().series.train.loss.count).toBe(2);
  });
});
