import { describe, expect, it } from 'vitest';
import { emptyPipeline, type Pipeline } from '../../../shared/pipeline/model';
import type { NodeTypeInfo } from '../../../shared/catalog';
import { addNode, connect, extract, insertFragment, moveNodes, placeNew, removeNodes, renameNode, renameProblem, setParam } from './ops';
import { catalogIndex, checkConnection, NEW_INPUT, wouldCreateCycle } from './graph';

const t = (type: string, stage: NodeTypeInfo['stage'], inputs: [string, NodeTypeInfo['inputs'][0]['kind']][], outputs: [string, NodeTypeInfo['inputs'][0]['kind']][], extra: Partial<NodeTypeInfo> = {}): NodeTypeInfo => ({
  type,
  version: 1,
  title: type,
  stage,
  description: '',
  inputs: inputs.map(([name, kind]) => ({ name, kind })),
  outputs: outputs.map(([name, kind]) => ({ name, kind })),
  paramsSchema: { type: 'object' },
  available: true,
  ...extra,
});
const types = catalogIndex([
  t('data.csv', 'data', [], [['table', 'table']]),
  t('features.split', 'features', [['table', 'table']], [['train', 'table'], ['test', 'table']]),
  t('train.logistic_regression', 'train', [['train', 'table']], [['model', 'model']]),
  t('evaluate.classification', 'evaluate', [['model', 'model'], ['test', 'table']], [['metrics', 'metrics']]),
  t('data.sql', 'data', [], [['table', 'table']], { variadicInputs: { kind: 'table', min: 1 } }),
]);

function chain(): Pipeline {
  let doc = emptyPipeline('t');
  for (const type of ['data.csv', 'features.split', 'train.logistic_regression', 'evaluate.classification']) doc = addNode(doc, type, { x: 0, y: 0 }).doc;
  doc = connect(doc, { source: 'csv', sourcePort: 'table', target: 'split', targetPort: 'table' }).doc;
  doc = connect(doc, { source: 'split', sourcePort: 'train', target: 'logistic_regression', targetPort: 'train' }).doc;
  doc = connect(doc, { source: 'logistic_regression', sourcePort: 'model', target: 'evaluate', targetPort: 'model' }).doc;
  return doc;
}

describe('document ops', () => {
  it('names new nodes after their type and keeps ids unique', () => {
    let doc = emptyPipeline('t');
    const a = addNode(doc, 'features.split', { x: 1.4, y: 2.6 });
    doc = a.doc;
    const b = addNode(doc, 'features.split', { x: 0, y: 0 });
    expect([a.id, b.id]).toEqual(['split', 'split2']);
    expect(a.doc.layout.split).toEqual({ x: 1, y: 3 });
  });

  it('removing a node drops the inputs that pointed at it and its layout', () => {
    const doc = removeNodes(chain(), ['split']);
    expect(doc.nodes.map((n) => n.id)).toEqual(['csv', 'logistic_regression', 'evaluate']);
    expect(doc.nodes[1].inputs).toEqual({});
    expect(doc.layout.split).toBeUndefined();
  });

  it('rename rewrites references and refuses taken or malformed ids', () => {
    const doc = chain();
    expect(renameProblem(doc, 'split', 'csv')).toMatch(/taken/);
    expect(renameProblem(doc, 'split', '9x')).toMatch(/starts with a letter/);
    const r = renameNode(doc, 'split', 'divide');
    expect(r.nodes[1].id).toBe('divide');
    expect(r.nodes[2].inputs.train).toBe('divide.train');
    expect(Object.keys(r.layout)).toEqual(['csv', 'divide', 'logistic_regression', 'evaluate']);
  });

  it('moving changes only the layout', () => {
    const doc = chain();
    const moved = moveNodes(doc, { csv: { x: 10, y: 20 } });
    expect(moved.nodes).toBe(doc.nodes);
    expect(moved.layout.csv).toEqual({ x: 10, y: 20 });
  });

  it('copy then paste renames clashing ids and keeps internal edges', () => {
    const doc = chain();
    const frag = extract(doc, ['split', 'logistic_regression']);
    expect(frag.nodes[0].inputs).toEqual({});
    const r = insertFragment(doc, frag, { x: 50, y: 50 });
    expect(r.ids).toEqual(['split2', 'logistic_regression2']);
    expect(r.doc.nodes[5].inputs.train).toBe('split2.train');
  });

  it('nodes typed into the YAML without layout keep their old place or go beside the graph', () => {
    const before = chain();
    const typed = { ...before, nodes: [...before.nodes, { id: 'extra', type: 'data.csv', inputs: {}, params: {}, extensions: {} }], layout: { csv: { x: 0, y: 0 }, split: { x: 300, y: 0 } } };
    const placed = placeNew(typed, before);
    expect(placed.layout.logistic_regression).toEqual(before.layout.logistic_regression);
    expect(placed.layout.extra).toEqual({ x: 580, y: 0 });
    expect(placeNew(before, before)).toBe(before);
  });

  it('setParam sets and clears', () => {
    const doc = setParam(chain(), 'split', 'testFraction', 0.3);
    expect(doc.nodes[1].params).toEqual({ testFraction: 0.3 });
    expect(setParam(doc, 'split', 'testFraction', undefined).nodes[1].params).toEqual({});
  });
});

describe('connection checks', () => {
  it('refuses a wrong port kind with the reason', () => {
    const r = checkConnection(chain(), types, { source: 'split', sourcePort: 'test', target: 'evaluate', targetPort: 'model' });
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/wrong port kind.*table.*model/) });
  });

  it('refuses a cycle with the reason', () => {
    let doc = chain();
    doc = addNode(doc, 'data.sql', { x: 0, y: 0 }).doc;
    doc = connect(doc, { source: 'split', sourcePort: 'test', target: 'sql', targetPort: NEW_INPUT }).doc;
    expect(doc.nodes[4].inputs).toEqual({ split: 'split.test' });
    // csv -> split -> sql, so sql feeding csv closes a loop
    expect(wouldCreateCycle(doc, 'sql', 'csv')).toBe(true);
    const r = checkConnection(doc, types, { source: 'sql', sourcePort: 'table', target: 'split', targetPort: 'table' });
    expect(r).toEqual({ ok: false, reason: 'cycle: split already feeds sql' });
    expect(wouldCreateCycle(doc, 'evaluate', 'sql')).toBe(false);
    const back = checkConnection(chain(), types, { source: 'evaluate', sourcePort: 'metrics', target: 'split', targetPort: 'table' });
    expect(back.ok).toBe(false);
    expect(wouldCreateCycle(chain(), 'evaluate', 'csv')).toBe(true);
  });

  it('accepts a matching connection', () => {
    expect(checkConnection(chain(), types, { source: 'split', sourcePort: 'test', target: 'evaluate', targetPort: 'test' })).toEqual({ ok: true });
  });
});
