import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import type { Pipeline } from '../../shared/pipeline/model';
import type { RunSummary } from '../../shared/run';
import { escapeXml, gatesOf, junitXml, writeJunit } from './junit';

/**
 * A strict well-formedness check of the XML subset a JUnit report uses: one declaration, one
 * root, properly nested elements, quoted attributes without raw `<` or `&`, known entities only.
 */
function assertWellFormed(xml: string): void {
  let i = 0;
  const stack: string[] = [];
  let roots = 0;
  const name = /[A-Za-z_][A-Za-z0-9_.-]*/y;
  const checkText = (text: string, where: string) => {
    if (/[<]/.test(text)) throw new Error(`raw < in ${where}`);
    const amps = text.match(/&[^;]*;?/g) ?? [];
    for (const a of amps) if (!/^&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);$/.test(a)) throw new Error(`bad entity ${a} in ${where}`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(text)) throw new Error(`control character in ${where}`);
  };
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end < 0) throw new Error('unterminated declaration');
    i = end + 2;
  }
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = lt < 0 ? xml.slice(i) : xml.slice(i, lt);
    if (stack.length === 0 && text.trim() !== '') throw new Error(`text outside the root: ${text}`);
    checkText(text, 'content');
    if (lt < 0) break;
    i = lt + 1;
    const closing = xml[i] === '/';
    if (closing) i++;
    name.lastIndex = i;
    const m = name.exec(xml);
    if (!m) throw new Error(`bad tag name at ${i}`);
    i += m[0].length;
    if (closing) {
      if (stack.pop() !== m[0]) throw new Error(`mismatched </${m[0]}>`);
      if (xml[i] !== '>') throw new Error(`bad closing tag ${m[0]}`);
      i++;
      continue;
    }
    if (stack.length === 0) roots++;
    const seen = new Set<string>();
    for (;;) {
      while (/\s/.test(xml[i] ?? '')) i++;
      if (xml.startsWith('/>', i)) {
        i += 2;
        break;
      }
      if (xml[i] === '>') {
        stack.push(m[0]);
        i++;
        break;
      }
      name.lastIndex = i;
      const a = name.exec(xml);
      if (!a) throw new Error(`bad attribute in <${m[0]}> at ${i}`);
      if (seen.has(a[0])) throw new Error(`duplicate attribute ${a[0]}`);
      seen.add(a[0]);
      i += a[0].length;
      if (xml[i] !== '=' || xml[i + 1] !== '"') throw new Error(`unquoted attribute ${a[0]}`);
      const end = xml.indexOf('"', i + 2);
      if (end < 0) throw new Error(`unterminated attribute ${a[0]}`);
      checkText(xml.slice(i + 2, end), `attribute ${a[0]}`);
      i = end + 1;
    }
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
}

function parse(xml: string): Document {
  const problems: string[] = [];
  const doc = new DOMParser({
    errorHandler: { warning: (m) => problems.push(m), error: (m) => problems.push(m), fatalError: (m) => problems.push(m) },
  }).parseFromString(xml, 'text/xml');
  expect(problems).toEqual([]);
  return doc;
}

const cases = (doc: Document) => Array.from(doc.getElementsByTagName('testcase'));

const pipeline: Pipeline = {
  apiVersion: 'pipewright/v1',
  kind: 'Pipeline',
  metadata: { name: 'breast-cancer', extensions: {} },
  params: { minAcc: 0.99 },
  nodes: [
    { id: 'load', type: 'data.csv', inputs: {}, params: { path: 'x.csv' }, extensions: {} },
    { id: 'evaluate', type: 'evaluate.classification', inputs: {}, params: { label: 'y' }, extensions: {} },
    { id: 'gate', type: 'gate.metric', inputs: { metrics: 'evaluate.metrics' }, params: { metric: 'accuracy', min: '${params.minAcc}' }, extensions: {} },
    { id: 'gate_f1', type: 'gate.metric', inputs: { metrics: 'evaluate.metrics' }, params: { metric: 'f1', min: 0.5, max: 1 }, extensions: {} },
  ],
  extensions: {},
  layout: {},
};

const summary: RunSummary = {
  run: { id: 'r<1>', status: 'gate_failed', pipeline: 'breast-cancer', durationMs: 1234, backend: 'cpu' },
  nodes: {
    load: { status: 'succeeded', cached: true, durationMs: 0, reason: 'reused from run 3: unchanged', metrics: {} },
    evaluate: { status: 'succeeded', cached: false, durationMs: 1500, reason: 're-run: param seed changed', metrics: { accuracy: 0.974, f1: 0.979 } },
    gate: {
      status: 'failed',
      cached: false,
      durationMs: 2,
      reason: 're-run: input changed',
      error: 'accuracy 0.974 < min 0.99 & "strict" <check>\nsecond line',
      gateFailed: true,
      metrics: {},
    },
    gate_f1: { status: 'succeeded', cached: false, durationMs: 1, reason: 're-run: new', metrics: {} },
  },
};

describe('junitXml', () => {
  it('writes one well-formed case per node and one per gate', () => {
    const xml = junitXml(summary, gatesOf(pipeline));
    assertWellFormed(xml);
    const doc = parse(xml);
    const all = cases(doc);
    expect(all.map((c) => `${c.getAttribute('classname')}/${c.getAttribute('name')}`)).toEqual([
      'breast-cancer/load',
      'breast-cancer/evaluate',
      'breast-cancer/gate',
      'breast-cancer/gate_f1',
      'breast-cancer.gates/gate: accuracy >= 0.99',
      'breast-cancer.gates/gate_f1: f1 >= 0.5 and <= 1',
    ]);
    expect(all[1].getAttribute('time')).toBe('1.500');
    const suite = doc.getElementsByTagName('testsuite')[0];
    expect(suite.getAttribute('tests')).toBe('6');
    expect(suite.getAttribute('failures')).toBe('2');
    expect(suite.getAttribute('time')).toBe('1.234');
    // the special characters survive the round trip through a parser
    const nodeFailure = all[2].getElementsByTagName('failure')[0];
    expect(nodeFailure.getAttribute('message')).toBe(summary.nodes.gate.error);
    expect(nodeFailure.getAttribute('type')).toBe('GateFailure');
    const gateFailure = all[4].getElementsByTagName('failure')[0];
    expect(gateFailure.getAttribute('message')).toBe('gate missed: accuracy = 0.974, required >= 0.99');
    expect(all[5].getElementsByTagName('failure').length).toBe(0);
    expect(all[5].getElementsByTagName('system-out')[0].textContent).toBe('f1 = 0.979, required >= 0.5 and <= 1');
    expect(doc.getElementsByTagName('property')[0].getAttribute('value')).toBe('r<1>');
  });

  it('marks skipped and cancelled nodes as skipped', () => {
    const s: RunSummary = {
      run: { id: '2', status: 'failed', pipeline: 'p', durationMs: 10, backend: 'cpu' },
      nodes: {
        a: { status: 'failed', cached: false, durationMs: 3, reason: 're-run: new', error: 'boom', metrics: {} },
        b: { status: 'skipped', cached: false, durationMs: 0, reason: 'upstream a failed', metrics: {} },
        c: { status: 'cancelled', cached: false, durationMs: 0, reason: 'cancelled', metrics: {} },
      },
    };
    const xml = junitXml(s);
    assertWellFormed(xml);
    const all = cases(parse(xml));
    expect(all).toHaveLength(3);
    expect(all[0].getElementsByTagName('failure')[0].getAttribute('message')).toBe('boom');
    expect(all[1].getElementsByTagName('skipped')).toHaveLength(1);
    expect(all[2].getElementsByTagName('skipped')).toHaveLength(1);
  });

  it('without the pipeline, still reports a missed gate as a gate case', () => {
    const xml = junitXml(summary);
    const all = cases(parse(xml));
    expect(all.map((c) => c.getAttribute('classname'))).toEqual([...Array(4).fill('breast-cancer'), 'breast-cancer.gates']);
    expect(all[4].getElementsByTagName('failure')[0].getAttribute('message')).toContain('gate missed');
  });

  it('escapes every XML special character and drops forbidden control characters', () => {
    expect(escapeXml(`a&b<c>d"e'f\u0001\ng`)).toBe('a&amp;b&lt;c&gt;d&quot;e&apos;f&#10;g');
    const nasty: RunSummary = {
      run: { id: ']]>', status: 'failed', pipeline: 'p', durationMs: 0, backend: 'cpu' },
      nodes: { 'n-1': { status: 'failed', cached: false, durationMs: 0, reason: '<![CDATA[x]]>', error: '\u0000&#;<&>', metrics: {} } },
    };
    const xml = junitXml(nasty);
    assertWellFormed(xml);
    parse(xml);
  });

  it('the checker itself rejects broken XML', () => {
    expect(() => assertWellFormed('<a><b></a></b>')).toThrow();
    expect(() => assertWellFormed('<a x="1 & 2"/>')).toThrow();
    expect(() => assertWellFormed('<a/><b/>')).toThrow();
  });

  it('writeJunit writes the file, creating its folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-junit-'));
    const out = join(dir, 'sub', 'report.xml');
    writeJunit(summary, out, gatesOf(pipeline));
    expect(readFileSync(out, 'utf8')).toBe(junitXml(summary, gatesOf(pipeline)));
  });
});
