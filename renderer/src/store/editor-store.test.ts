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
    expect(store.getState().series.csv.loss).toEqual([{ step: 1, value: 0.7 }]);
    expect(store.getState().logs).toHaveLength(0);
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
    store.getState().applyEvent({ type: 'run.started', runId: 'r2', pipeline: 't', nodes: ['sweep'] });
    store.getState().startRun('r3');
    expect(store.getState().trials).toEqual({});
  });
});
