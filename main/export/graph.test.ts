import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { paramText } from './argo';
import { ARGO_EXPR_WORDS, DNS_LABEL_RE, dnsNames } from './graph';
import { misreadByYaml11, toYamlText } from './yaml-text';

describe('dnsNames', () => {
  it('maps ids to DNS-1123 labels, unique after mapping, never a reserved name', () => {
    const long = `a${'b_'.repeat(50)}`;
    const ids = ['train_years', 'train-years', 'Train_Years', 'main', 'x__y', 'Z9_', long, `${long}c`];
    const names = dnsNames(ids, ['main']);
    expect(names.get('train_years')).toBe('train-years');
    expect(names.get('train-years')).toBe('train-years-2');
    expect(names.get('Train_Years')).toBe('train-years-3');
    expect(names.get('main')).toBe('main-2');
    expect(names.get('x__y')).toBe('x-y');
    expect(names.get('Z9_')).toBe('z9');
    const all = [...names.values()];
    expect(new Set(all).size).toBe(ids.length);
    for (const n of all) expect(n).toMatch(DNS_LABEL_RE);
    expect((names.get(long) as string).length).toBeLessThanOrEqual(63);
    // expr-lang builtins would shadow a task in Argo's `depends`
    expect(dnsNames(['split', 'Split', 'split_data'], [], ARGO_EXPR_WORDS)).toEqual(
      new Map([['split', 'split-node'], ['Split', 'split-node-2'], ['split_data', 'split-data']]),
    );
    expect(names.get(`${long}c`)).not.toBe(names.get(long));
  });
});

describe('YAML text for other readers', () => {
  it('quotes what a YAML 1.1 reader would misread, and only that', () => {
    for (const s of ['on', 'off', 'yes', 'No', 'y', 'n', '0777', '12:30', '1_000', '.5', '~', 'null', 'true', '1e3']) expect(misreadByYaml11(s), s).toBe(true);
    for (const s of ['hello', 'train-years', 'pw-abc.1', 'a b', '']) expect(misreadByYaml11(s), s).toBe(false);
    const value = { on: ['yes', 'no', 'plain'], n: '0777', multi: 'a\n  b\n', time: '12:30' };
    const text = toYamlText(value);
    expect(YAML.parse(text, { version: '1.1' })).toEqual(value);
    expect(YAML.parse(text, { version: '1.2' })).toEqual(value);
    expect(text).toContain('multi: |');
  });

  it('writes a param so that `--param k=v` (a YAML 1.2 scalar) reads the same value back', () => {
    for (const v of [42, 0.9, true, null, 'abc', '42', 'on', 'a: b', '#x']) expect(YAML.parse(paramText(v), { version: '1.2' }), String(v)).toEqual(v);
  });
});
