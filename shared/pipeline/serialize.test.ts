import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PIPELINE, TRICKY } from '../../test/helpers/pipeline-arbitraries';
import { emptyPipeline, type Pipeline } from './model';
import { parsePipelineText } from './parse';
import { serializePipeline } from './serialize';
import { doubleQuoted, formatNumber, isPlainSafe } from './yaml-scalars';

function readBoth(text: string): { v12: unknown; v11: unknown } {
  return { v12: parse(text, { version: '1.2', schema: 'core' }), v11: parse(text, { version: '1.1' }) };
}

describe('scalars', () => {
  it('writes tricky strings so YAML 1.1 and 1.2 readers both read the same string', () => {
    for (const s of TRICKY) {
      const doc = `k: ${isPlainSafe(s) ? s : doubleQuoted(s)}\n`;
      const { v12, v11 } = readBoth(doc);
      expect(v12, JSON.stringify(s)).toEqual({ k: s });
      expect(v11, JSON.stringify(s)).toEqual({ k: s });
    }
  });

  it('quotes exactly the ambiguous strings and leaves ordinary ones plain', () => {
    for (const s of ['on', 'yes', 'NO', 'null', '~', '0777', '1.10', '12:30', '0x1F', '.inf', '1e3', '', ' a', 'a: b', 'a #b']) {
      expect(isPlainSafe(s), s).toBe(false);
    }
    for (const s of ['data.csv', '../data/iris.csv', '${params.seed}', 'SELECT * FROM t WHERE x < 3', 'accuracy', 'a-b_c', 'ünïcödé', 'x:y']) {
      expect(isPlainSafe(s), s).toBe(true);
    }
  });

  it('writes numbers that YAML 1.1 readers also read as numbers', () => {
    for (const n of [0, -0, 1, -17, 0.2, 1e-7, 1.5e-300, 1e21, -2.5e+30, 123456789012, Number.MAX_SAFE_INTEGER, 5e-324]) {
      const { v12, v11 } = readBoth(`k: ${formatNumber(n)}\n`);
      expect(v12, String(n)).toEqual({ k: n });
      expect(v11, String(n)).toEqual({ k: n });
    }
    expect(formatNumber(1e-7)).toBe('1.0e-7');
    expect(formatNumber(0.25)).toBe('0.25');
  });
});

describe('serializePipeline (properties)', () => {
  it('round-trips random valid pipelines, byte-stable, and reads the same in YAML 1.1', () => {
    fc.assert(
      fc.property(PIPELINE, (p) => {
        const text = serializePipeline(p);
        const back = parsePipelineText(text);
        expect(back.errors).toEqual([]);
        expect(back.pipeline).toEqual(p);
        expect(serializePipeline(back.pipeline as Pipeline)).toBe(text);
        expect(serializePipeline(back.pipeline as Pipeline, text)).toBe(text);
        // Layout positions are written `{ x: 0, y: 0 }` as the contract shows: PyYAML and every
        // YAML 1.2 reader take `y` for a string; only strict YAML 1.1 readers make it a boolean,
        // and only Pipewright reads layout. Everything else must read the same in YAML 1.1.
        const { v12, v11 } = readBoth(text);
        delete (v12 as Record<string, unknown>).layout;
        delete (v11 as Record<string, unknown>).layout;
        expect(v11).toEqual(v12);
      }),
      { numRuns: Number(process.env.PW_FC_RUNS ?? 80) },
    );
  });
});

const CANONICAL = `apiVersion: pipewright/v1
kind: Pipeline
metadata:
  name: demo
params:
  seed: 42
  mode: "on"
nodes:
  load:
    type: data.csv
    params:
      path: ../data/iris.csv
      types: {}
  sql:
    type: data.sql
    inputs:
      t: load.table
    params:
      query: |-
        SELECT *
        FROM t
          WHERE x > 1
  mlp:
    type: train.mlp
    inputs:
      train: sql.table
    params:
      label: species
      hiddenUnits: [64, 64]
      grid:
        - [1, 2]
        - name: a
          values: ["yes", "no", maybe]
        - []
    cache: false
    x-note: keep
x-ci:
  retries: 2
layout:
  load: { x: 0, y: 0 }
  sql: { x: 240, y: 0.5 }
`;

describe('serializePipeline (canonical form)', () => {
  it('round-trips a canonical file byte for byte', () => {
    const r = parsePipelineText(CANONICAL);
    expect(r.errors).toEqual([]);
    const p = r.pipeline as Pipeline;
    expect(serializePipeline(p)).toBe(CANONICAL);
    expect(serializePipeline(p, CANONICAL)).toBe(CANONICAL);
    expect(p.nodes[1].params.query).toBe('SELECT *\nFROM t\n  WHERE x > 1');
  });

  it('puts keys in canonical order whatever the file order', () => {
    const messy = `layout:\n  a: {y: 2, x: 1}\nnodes:\n  a:\n    params: {path: 'x.csv'}\n    x-z: 1\n    cache: true\n    type: data.csv\nmetadata: {name: m}\nkind: Pipeline\napiVersion: pipewright/v1\n`;
    const p = parsePipelineText(messy).pipeline as Pipeline;
    expect(serializePipeline(p)).toBe(
      'apiVersion: pipewright/v1\nkind: Pipeline\nmetadata:\n  name: m\nnodes:\n  a:\n    type: data.csv\n    params:\n      path: x.csv\n    cache: true\n    x-z: 1\nlayout:\n  a: { x: 1, y: 2 }\n',
    );
  });

  it('moving a node changes only its layout line', () => {
    const p = parsePipelineText(CANONICAL).pipeline as Pipeline;
    p.layout.sql = { x: 300, y: -20 };
    const before = CANONICAL.split('\n');
    const after = serializePipeline(p, CANONICAL).split('\n');
    expect(after.length).toBe(before.length);
    const changed = after.map((l, i) => (l === before[i] ? null : i)).filter((i) => i !== null);
    expect(changed.map((i) => after[i as number])).toEqual(['  sql: { x: 300, y: -20 }']);
  });

  it('writes an empty pipeline', () => {
    const text = serializePipeline(emptyPipeline('empty'));
    expect(text).toBe('apiVersion: pipewright/v1\nkind: Pipeline\nmetadata:\n  name: empty\nnodes: {}\n');
    expect(parsePipelineText(text).pipeline).toEqual(emptyPipeline('empty'));
  });

  it('quotes multi-line strings that a literal block cannot hold exactly', () => {
    const p = emptyPipeline('m');
    p.params = { a: 'two\nlines\n', b: 'trailing \nspace', c: '  indented\nfirst', d: 'ends\n\n', e: 'cr\r\nlf' };
    const text = serializePipeline(p);
    expect(text).toContain('  a: |\n    two\n    lines\n');
    expect(text).toContain('  b: "trailing \\nspace"');
    expect(parsePipelineText(text).pipeline?.params).toEqual(p.params);
  });
});

describe('serializePipeline (comments)', () => {
  const COMMENTED = `# Pipeline for the demo

apiVersion: pipewright/v1 # the only version
kind: Pipeline
metadata:
  name: demo
# tunables
params:
  seed: 42 # change me
nodes:
  # the data
  load:
    type: data.csv
    params:
      # relative to this file
      path: a.csv

  split:
    type: features.split
    inputs:
      table: load.table
    params:
      testFraction: 0.2
      query: >-
        SELECT a,
        b FROM t
# end of file
`;

  it('keeps comments, blank lines and block styles of an unchanged file byte for byte', () => {
    const p = parsePipelineText(COMMENTED).pipeline as Pipeline;
    expect(serializePipeline(p, COMMENTED)).toBe(COMMENTED);
  });

  it('carries comments over to the same keys after an edit', () => {
    const p = parsePipelineText(COMMENTED).pipeline as Pipeline;
    p.params.seed = 7;
    p.nodes[1].params.query = 'SELECT c FROM t';
    p.nodes.reverse();
    const out = serializePipeline(p, COMMENTED);
    expect(out).toContain('  seed: 7 # change me\n');
    expect(out).toContain('      # relative to this file\n      path: a.csv\n');
    expect(out).toContain('      query: SELECT c FROM t\n');
    expect(out.startsWith('# Pipeline for the demo\n\napiVersion: pipewright/v1 # the only version\n')).toBe(true);
    expect(out.endsWith('# end of file\n')).toBe(true);
    const again = parsePipelineText(out).pipeline as Pipeline;
    expect(again).toEqual(p);
    expect(serializePipeline(again, out)).toBe(out);
  });
});

describe('serializePipeline (comments everywhere)', () => {
  const FILES = [
    `apiVersion: pipewright/v1\nkind: Pipeline # always\nmetadata: # about\n  name: c # the name\n  # a description follows\n  description: d\nnodes: # the graph\n  # first node\n  a:\n    type: data.csv # csv\n    params:\n      path: a.csv\n      cols: [a, b] # two\n      list:\n        # first item\n        - x\n        - y # second\n      # after the list\n  # after all nodes\nlayout: # positions\n  # a is here\n  a: { x: 1, y: 2 } # moved\n# the end\n`,
    `# header comment\n\n# second header line\napiVersion: pipewright/v1\nkind: Pipeline\nmetadata:\n  name: c\nparams:\n\n  # a blank line above\n  seed: 1\nnodes:\n  a:\n    type: data.csv\n    params: {path: a.csv} # flow map\n    x-k:\n      - name: n # in a list item\n        v: 1\n`,
  ];

  it.each(FILES.map((f, i) => [i, f] as const))('file %i: comments survive and formatting is a fixed point', (_i, text) => {
    const p = parsePipelineText(text).pipeline as Pipeline;
    expect(p).not.toBeNull();
    const once = serializePipeline(p, text);
    for (const c of text.match(/#[^\n]*/g) ?? []) expect(once, c).toContain(c);
    const again = parsePipelineText(once).pipeline as Pipeline;
    expect(again).toEqual(p);
    expect(serializePipeline(again, once)).toBe(once);
  });
});

describe('serializePipeline (foreign line endings)', () => {
  it('reads CRLF and a byte-order mark, and writes canonical LF without either', () => {
    const crlf = `\ufeff${CANONICAL.replace('params:\n  seed: 42', 'params: # knobs\n  seed: 42').replace('      query: |-', '      query: >-').split('\n').join('\r\n')}`;
    const r = parsePipelineText(crlf);
    expect(r.errors).toEqual([]);
    const out = serializePipeline(r.pipeline as Pipeline, crlf);
    expect(out).not.toMatch(/\r|\ufeff/);
    expect(out).toContain('params: # knobs\n');
    expect(parsePipelineText(out).pipeline).toEqual(r.pipeline);
    expect(serializePipeline(r.pipeline as Pipeline, out)).toBe(out);
  });
});

/** Adds `# cN` comments above and after random lines of a canonical text (never inside block scalars). */
function sprinkleComments(text: string, picks: boolean[]): { text: string; comments: string[] } {
  const out: string[] = [];
  const comments: string[] = [];
  let blockIndent = -1;
  let k = 0;
  const lines = text.replace(/\n$/, '').split('\n');
  for (const line of lines) {
    const indent = /^ */.exec(line)?.[0].length ?? 0;
    if (blockIndent >= 0 && (line === '' || indent > blockIndent)) {
      out.push(line);
      continue;
    }
    blockIndent = -1;
    let l = line;
    if (picks[k++ % picks.length]) {
      const c = `c${comments.length}`;
      comments.push(c);
      out.push(`${' '.repeat(indent)}# ${c}`);
    }
    if (/[|>][-+]?$/.test(line)) blockIndent = indent;
    else if (picks[k++ % picks.length]) {
      const c = `c${comments.length}`;
      comments.push(c);
      l = `${line} # ${c}`;
    }
    out.push(l);
  }
  return { text: `${out.join('\n')}\n`, comments };
}

describe('serializePipeline (comment properties)', () => {
  it('keeps every comment of a commented file, reads back the same model, and is a fixed point', () => {
    fc.assert(
      fc.property(PIPELINE, fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), (p, picks) => {
        const { text, comments } = sprinkleComments(serializePipeline(p), picks);
        const parsed = parsePipelineText(text);
        expect(parsed.errors).toEqual([]);
        expect(parsed.pipeline).toEqual(p);
        const out = serializePipeline(p, text);
        for (const c of comments) expect(out).toMatch(new RegExp(`# ${c}\\b`));
        expect(parsePipelineText(out).pipeline).toEqual(p);
        expect(serializePipeline(p, out)).toBe(out);
      }),
      { numRuns: Number(process.env.PW_FC_RUNS ?? 40) },
    );
  });
});
