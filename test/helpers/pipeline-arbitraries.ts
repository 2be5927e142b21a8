/**
 * fast-check arbitraries for pipelines: random ids, params full of strings that YAML readers
 * like to reinterpret, numbers, nested lists and maps. Shared by the codec's property tests.
 */
import fc from 'fast-check';
import { emptyPipeline, type ParamValue, type Pipeline } from '../../shared/pipeline/model';

/** Strings that some YAML reader (1.1 or 1.2) takes for something else when written plain. */
export const TRICKY = [
  'on', 'On', 'ON', 'off', 'yes', 'Yes', 'YES', 'no', 'No', 'NO', 'y', 'Y', 'n', 'N', 'true', 'False', 'TRUE',
  'null', 'Null', 'NULL', '~', '', ' ', ' lead', 'trail ', '0777', '0o17', '0x1F', '0b101', '1.10', '1_000', '12:30', '190:20:30',
  '1e3', '1.0e+3', '.5', '+1', '-1', '.inf', '-.Inf', '.nan', '.NaN', '2012-01-01', '2001-12-14t21:59:43.10-05:00', '<<', '=', 'e0', 'E5', '.', '-.', '._', '.e3',
  'a: b', 'a #b', 'x:', '- item', '-', '?', ':', '? x', '#comment', '&anchor', '*alias', '!tag', '|', '>', '%', '@', '`',
  '"quoted"', "'single'", '[a]', '{a: 1}', 'a, b', 'tab\there', 'line\nbreak', 'cr\rhere', 'nul\0', 'bell\x07', 'del\x7f',
  'nel\x85', 'ls\u2028', 'bom\ufeff', 'back\\slash', '---', '...', '${params.seed}', 'ünïcödé', '日本語', '😀',
  '__proto__', 'constructor', 'toString',
];

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

export const PIPELINE: fc.Arbitrary<Pipeline> = fc
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

