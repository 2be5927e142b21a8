import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { emptyPipeline, type ParamValue, type Pipeline } from './model';
import { parsePipelineText } from './parse';
import { serializePipeline } from './serialize';
import { doubleQuoted, formatNumber, isPlainSafe } from './yaml-scalars';

/** Strings that some YAML reader (1.1 or 1.2) takes for something else when written plain. */
const TRICKY = [
  'on', 'On', 'ON', 'off', 'yes', 'Yes', 'YES', 'no', 'No', 'NO', 'y', 'Y', 'n', 'N', 'true', 'False', 'TRUE',
  'null', 'Null', 'NULL', '~', '', ' ', ' lead', 'trail ', '0777', '0o17', '0x1F', '0b101', '1.10', '1_000', '12:30', '190:20:30',
  '1e3', '1.0e+3', '.5', '+1', '-1', '.inf', '-.Inf', '.nan', '.NaN', '2012-01-01', '2001-12-14t21:59:43.10-05:00', '<<', '=', 'e0', 'E5', '.', '-.', '._', '.e3',
  'a: b', 'a #b', 'x:', '- item', '-', '?', ':', '? x', '#comment', '&anchor', '*alias', '!tag', '|', '>', '%', '@', '`',
  '"quoted"', "'single'", '[a]', '{a: 1}', 'a, b', 'tab\there', 'line\nbreak', 'cr\rhere', 'nul\0', 'bell\x07', 'del\x7f',
  'nel\x85', 'ls\u2028', 'bom\ufeff', 'back\\slash', '---', '...', '${params.seed}', 'ünïcödé', '日本語', '😀',
];

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

const ID = fc.oneof(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,7}$/), fc.constantFrom('on', 'yes', 'y', 'NO', 'null', 'True', 'Off'));
const STRING = fc.oneof(
  fc.constantFrom(...TRICKY),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.array(fc.string({ maxLength: 10 }), { minLength: 2, maxLength: 4 }).map((l) => l.join('\n')),
  fc.array(fc.stringMatching(/^[A-Za-z(][A-Za-z ,()*]{0,12}[a-z)]$/), { minLength: 2, maxLength: 4 }).map((l) => l.join('\n  ')),
);
const NUMBER = fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.double({ noNaN: true, noDefaultInfinity: true }));
const SCALAR: fc.Arbitrary<ParamValue> = fc.oneof(STRING, NUMBER, fc.boolean(), fc.constant(null));
const { value: VALUE } = fc.letrec<{ value: ParamValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    SCALAR,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(STRING, tie('value'), { maxKeys: 3 }),
  ),
}));

const PIPELINE: fc.Arbitrary<Pipeline> = fc
  .record({
    name: fc.stringMatching(/^[a-z0-9-]{1,12}$/),
    description: fc.option(STRING, { nil: undefined }),
    params: fc.dictionary(fc.oneof(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,7}$/), fc.constantFrom('on', 'no', 'null')), VALUE, { maxKeys: 3 }),
    ids: fc.uniqueArray(ID, { minLength: 0, maxLength: 5 }),
    nodeParams: fc.array(fc.dictionary(STRING, VALUE, { maxKeys: 4 }), { minLength: 5, maxLength: 5 }),
    ports: fc.array(fc.dictionary(ID, fc.tuple(fc.nat(4), ID), { maxKeys: 2 }), { minLength: 5, maxLength: 5 }),
    cache: fc.array(fc.option(fc.boolean(), { nil: undefined }), { minLength: 5, maxLength: 5 }),
    ext: fc.dictionary(fc.stringMatching(/^x-[a-z-]{1,6}$/), VALUE, { maxKeys: 2 }),
    layout: fc.array(fc.option(fc.record({ x: NUMBER, y: NUMBER }), { nil: undefined }), { minLength: 5, maxLength: 5 }),
  })
  .map((g) => {
    const p = emptyPipeline(g.name);
    if (g.description !== undefined) p.metadata.description = g.description;
    p.metadata.extensions = { ...g.ext };
    p.params = g.params;
    p.nodes = g.ids.map((id, i) => {
      const inputs: Record<string, string> = {};
      for (const [port, [j, out]] of Object.entries(g.ports[i])) inputs[port] = `${g.ids[j % g.ids.length]}.${out}`;
      const n: Pipeline['nodes'][number] = { id, type: `t.${id.toLowerCase()}`, inputs, params: g.nodeParams[i], extensions: { ...g.ext } };
      if (g.cache[i] !== undefined) n.cache = g.cache[i];
      return n;
    });
    p.extensions = g.ext;
    g.ids.forEach((id, i) => {
      const pos = g.layout[i];
      if (pos) p.layout[id] = pos;
    });
    return p;
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
      { numRuns: Number(process.env.PW_FC_RUNS ?? 100) },
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
      { numRuns: Number(process.env.PW_FC_RUNS ?? 60) },
    );
  });
});
