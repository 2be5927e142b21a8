/**
 * Reading a `*.pipeline.yaml` file (contract section 1): YAML 1.2 core schema, hostile input
 * refused before anything big is built, then the document mapped onto the `Pipeline` model.
 */
import { CST, Lexer, LineCounter, isMap, isScalar, isSeq, parseDocument, type Node as YamlNode, type Pair, type YAMLMap } from 'yaml';
import type { Issue, ParamValue, Pipeline, PipelineNode, Position } from './model';
import { setOwn } from './own';
import { readTriggers } from './triggers';
import { apiVersionProblem, kindProblem, nodeIdProblem, paramNameProblem, pipelineNameProblem } from './rules';

export const MAX_PIPELINE_BYTES = 5 * 1024 * 1024;
/** Deeper values are refused: no pipeline needs them and every reader recurses on them. */
export const MAX_DEPTH = 64;

/** place -> where its key (or sequence item) starts in the text; 1-based. */
export type PositionMap = Record<string, { line: number; column: number }>;

export interface ParseResult {
  /** null whenever `errors` is not empty */
  pipeline: Pipeline | null;
  errors: Issue[];
  /** where each place is in the text, for locating later (validation) issues */
  positions: PositionMap;
  /**
   * The best-effort model when the YAML itself was readable but the pipeline has errors (an
   * unknown key, a bad value): lets validation report every other error too, and lets the editor
   * draw what it can. Never run it.
   */
  partial?: Pipeline;
}

const TOP_KEYS = new Set(['apiVersion', 'kind', 'metadata', 'params', 'nodes', 'triggers', 'layout']);
const NODE_KEYS = new Set(['type', 'inputs', 'params', 'cache']);
export { PARAM_NAME_RE } from './rules';
/** Explicit tags a core-schema reader resolves by itself; anything else is a custom tag. */
const CORE_TAGS = new Set(['!!str', '!!int', '!!float', '!!bool', '!!null', '!!map', '!!seq']);
/** Control characters the lexer inserts as markers; they have no width in the source. */
const LEXER_MARKERS = new Set(['\x02', '\x18', '\x1f']);

export const isExtensionKey = (k: string): boolean => k.startsWith('x-');

/** UTF-8 byte length, without building an encoded copy of a large text. */
function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function lineCol(lc: LineCounter, offset: number): { line: number; column: number } {
  const p = lc.linePos(offset);
  return { line: p.line, column: p.col };
}

/**
 * One linear lexer pass that refuses anchors, aliases, custom tags and directives other than
 * `%YAML 1.2` before a document (and any alias expansion) is built: an alias bomb costs only
 * its own length here.
 */
function screenTokens(text: string, lc: LineCounter): Issue[] {
  // One issue per kind of problem, at its first occurrence, with a count: an alias bomb has
  // dozens of aliases and listing each one helps no one.
  const found = new Map<string, { at: { line: number; column: number }; place: string; tok: string; count: number; say: (tok: string, more: string) => string }>();
  // The block-mapping keys above the current token, from indentation alone: enough to name the
  // place of a refused construct without composing a document.
  const keys: { indent: number; key: string }[] = [];
  let lastScalar: { key: string; col: number } | null = null;
  let flowDepth = 0;
  let lineStart = 0;
  const note = (kind: string, offset: number, tok: string, say: (tok: string, more: string) => string) => {
    const f = found.get(kind);
    if (f) f.count++;
    else found.set(kind, { at: lineCol(lc, offset), place: keys.map((k) => k.key).join('.') || 'document', tok, count: 1, say });
  };
  let offset = 0;
  for (const tok of new Lexer().lex(text)) {
    if (LEXER_MARKERS.has(tok)) continue;
    const type = CST.tokenType(tok);
    if (type === 'newline') lineStart = offset + tok.length;
    else if (type === 'flow-map-start' || type === 'flow-seq-start') {
      if (++flowDepth > MAX_DEPTH) note('depth', offset, tok, () => `values nested more than ${MAX_DEPTH} levels deep are not allowed`);
    }
    else if (type === 'flow-map-end' || type === 'flow-seq-end') flowDepth = Math.max(0, flowDepth - 1);
    else if (type == null || type === 'single-quoted-scalar' || type === 'double-quoted-scalar') {
      lastScalar = { key: type == null ? tok.trim() : tok.slice(1, -1), col: offset - lineStart };
    } else if (type === 'map-value-ind' && flowDepth === 0 && lastScalar) {
      while (keys.length && keys[keys.length - 1].indent >= lastScalar.col) keys.pop();
      keys.push({ indent: lastScalar.col, key: lastScalar.key });
      lastScalar = null;
    } else if (type === 'anchor') note('anchor', offset, tok, (t, more) => `anchors are not allowed (${t}${more}); write the value out`);
    else if (type === 'alias') note('alias', offset, tok, (t, more) => `aliases are not allowed (${t}${more}); write the value out`);
    else if (type === 'tag' && !CORE_TAGS.has(tok)) note(`tag ${tok}`, offset, tok, (t) => `custom tags are not allowed (${t})`);
    else if (type === 'directive-line' && !/^%YAML\s+1\.2\s*(#.*)?$/.test(tok)) {
      note(`directive ${tok}`, offset, tok.trim(), (t) => `directives are not allowed (${t}); the file is read as YAML 1.2`);
    }
    offset += tok.length;
  }
  return [...found.values()].map((f) => ({ place: f.place, message: f.say(f.tok, f.count > 1 ? `, ${f.count} in this file` : ''), ...f.at }));
}

class Reader {
  readonly errors: Issue[] = [];
  // No prototype: places come from the file (a top-level key may be `__proto__` or `toString`).
  readonly positions: PositionMap = Object.create(null) as PositionMap;
  constructor(private readonly lc: LineCounter) {}

  at(node: { range?: [number, number, number] | null } | null | undefined): { line?: number; column?: number } {
    const r = node?.range;
    return r ? lineCol(this.lc, r[0]) : {};
  }

  error(place: string, message: string, node?: { range?: [number, number, number] | null } | null): void {
    const pos = node ? this.at(node) : this.positions[place] ?? {};
    this.errors.push({ place, message, ...pos });
  }

  mark(place: string, node: { range?: [number, number, number] | null } | null | undefined): void {
    const pos = this.at(node);
    if (pos.line != null && pos.column != null && !(place in this.positions)) this.positions[place] = { line: pos.line, column: pos.column };
  }

  /** The pairs of a mapping, keys as strings, each key's place marked. */
  pairs(node: unknown, place: string): { key: string; value: YamlNode | null; pair: Pair<YamlNode, YamlNode | null> }[] | null {
    if (!isMap(node)) {
      this.error(place, 'must be a mapping', node as YamlNode | null);
      return null;
    }
    const out: { key: string; value: YamlNode | null; pair: Pair<YamlNode, YamlNode | null> }[] = [];
    const seen = new Set<string>();
    for (const pair of (node as YAMLMap<YamlNode, YamlNode | null>).items) {
      const k = pair.key;
      if (!isScalar(k)) {
        this.error(place, 'keys must be plain scalars', k);
        continue;
      }
      const key = k.value == null ? '' : String(k.value);
      const sub = place ? `${place}.${key}` : key;
      if (seen.has(key)) {
        this.error(sub, 'duplicate key: every key may appear only once in a mapping', k);
        continue;
      }
      seen.add(key);
      this.mark(sub, k);
      out.push({ key, value: pair.value ?? null, pair });
    }
    return out;
  }

  value(node: YamlNode | null | undefined, place: string, depth = 0): ParamValue | undefined {
    if (node == null) return null;
    if (depth > MAX_DEPTH) {
      this.error(place.split('.').slice(0, 3).join('.'), `values nested more than ${MAX_DEPTH} levels deep are not allowed`, node);
      return undefined;
    }
    if (isScalar(node)) {
      const v = node.value;
      if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) {
          this.error(place, 'must be a finite number (.inf and .nan cannot travel as JSON)', node);
          return undefined;
        }
        return v;
      }
      this.error(place, `unsupported value ${String(v)}`, node);
      return undefined;
    }
    if (isSeq(node)) {
      const out: ParamValue[] = [];
      node.items.forEach((item, i) => {
        const sub = `${place}.${i}`;
        this.mark(sub, item as YamlNode);
        const v = this.value(item as YamlNode | null, sub, depth + 1);
        if (v !== undefined) out.push(v);
      });
      return out;
    }
    if (isMap(node)) {
      const out: { [key: string]: ParamValue } = {};
      for (const { key, value } of this.pairs(node, place) ?? []) {
        const v = this.value(value, `${place}.${key}`, depth + 1);
        if (v !== undefined) setOwn(out, key, v);
      }
      return out;
    }
    this.error(place, 'unsupported YAML node', node);
    return undefined;
  }

  string(node: YamlNode | null, place: string): string | undefined {
    if (isScalar(node) && typeof node.value === 'string') return node.value;
    this.error(place, 'must be a string', node);
    return undefined;
  }

  extensions(key: string, value: YamlNode | null, place: string, into: Record<string, ParamValue>): void {
    const v = this.value(value, place);
    if (v !== undefined) setOwn(into, key, v);
  }
}

function readMetadata(r: Reader, node: YamlNode | null): Pipeline['metadata'] {
  const meta: Pipeline['metadata'] = { name: '', extensions: {} };
  const pairs = r.pairs(node, 'metadata');
  if (!pairs) return meta;
  let sawName = false;
  for (const { key, value } of pairs) {
    const place = `metadata.${key}`;
    if (key === 'name') {
      sawName = true;
      const s = r.string(value, place);
      if (s !== undefined) {
        const problem = pipelineNameProblem(s);
        if (problem) r.error(place, problem, value);
        meta.name = s;
      }
    } else if (key === 'description') {
      const s = r.string(value, place);
      if (s !== undefined) meta.description = s;
    } else if (isExtensionKey(key)) {
      r.extensions(key, value, place, meta.extensions);
    } else {
      r.error(place, `unknown key '${key}' (metadata has name, description and x- keys)`);
    }
  }
  if (!sawName) r.error('metadata.name', 'required', node);
  return meta;
}

function readInputs(r: Reader, node: YamlNode | null, place: string): Record<string, string> {
  const inputs: Record<string, string> = {};
  if (node == null || (isScalar(node) && node.value == null)) return inputs;
  for (const { key, value } of r.pairs(node, place) ?? []) {
    const s = r.string(value, `${place}.${key}`);
    if (s !== undefined) setOwn(inputs, key, s);
  }
  return inputs;
}

function readParamMap(r: Reader, node: YamlNode | null, place: string): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  if (node == null || (isScalar(node) && node.value == null)) return params;
  for (const { key, value } of r.pairs(node, place) ?? []) {
    const v = r.value(value, `${place}.${key}`);
    if (v !== undefined) setOwn(params, key, v);
  }
  return params;
}

function readNode(r: Reader, id: string, node: YamlNode | null, keyNode: YamlNode): PipelineNode {
  const place = `nodes.${id}`;
  const out: PipelineNode = { id, type: '', inputs: {}, params: {}, extensions: {} };
  const idProblem = nodeIdProblem(id);
  if (idProblem) r.error(place, idProblem, keyNode);
  const pairs = r.pairs(node, place);
  if (!pairs) return out;
  let sawType = false;
  for (const { key, value } of pairs) {
    const sub = `${place}.${key}`;
    if (key === 'type') {
      sawType = true;
      const s = r.string(value, sub);
      if (s !== undefined) out.type = s;
    } else if (key === 'inputs') {
      out.inputs = readInputs(r, value, sub);
    } else if (key === 'params') {
      out.params = readParamMap(r, value, sub);
    } else if (key === 'cache') {
      if (isScalar(value) && typeof value.value === 'boolean') out.cache = value.value;
      else r.error(sub, 'must be true or false', value);
    } else if (isExtensionKey(key)) {
      r.extensions(key, value, sub, out.extensions);
    } else {
      r.error(sub, `unknown key '${key}' (a node has ${[...NODE_KEYS].join(', ')} and x- keys)`);
    }
  }
  if (!sawType) r.error(`${place}.type`, 'required', keyNode);
  return out;
}

function readLayout(r: Reader, node: YamlNode | null): Record<string, Position> {
  const layout: Record<string, Position> = {};
  if (node == null || (isScalar(node) && node.value == null)) return layout;
  for (const { key, value } of r.pairs(node, 'layout') ?? []) {
    const place = `layout.${key}`;
    const pos: Partial<Position> = {};
    let ok = true;
    for (const p of r.pairs(value, place) ?? (ok = false, [])) {
      const sub = `${place}.${p.key}`;
      if (p.key !== 'x' && p.key !== 'y') {
        r.error(sub, `unknown key '${p.key}' (a position has x and y)`);
        ok = false;
      } else if (isScalar(p.value) && typeof p.value.value === 'number' && Number.isFinite(p.value.value)) {
        pos[p.key] = p.value.value;
      } else {
        r.error(sub, 'must be a number', p.value);
        ok = false;
      }
    }
    if (ok && (pos.x === undefined || pos.y === undefined)) {
      r.error(place, 'needs both x and y', value);
      ok = false;
    }
    if (ok) setOwn(layout, key, { x: pos.x as number, y: pos.y as number });
  }
  return layout;
}

/** Finds the deepest mapping key whose pair spans `offset`, to give YAML errors a place. */
function placeAt(root: unknown, offset: number): string {
  let place = '';
  let node: unknown = root;
  for (let depth = 0; depth <= MAX_DEPTH; depth++) {
    if (isMap(node)) {
      const hit = (node as YAMLMap<YamlNode, YamlNode | null>).items.find((p) => {
        const start = (p.key as YamlNode | null)?.range?.[0];
        const end = (p.value as YamlNode | null)?.range?.[2] ?? (p.key as YamlNode | null)?.range?.[2];
        return start != null && end != null && offset >= start && offset <= end;
      });
      if (!hit || !isScalar(hit.key)) return place || 'document';
      place = place ? `${place}.${String(hit.key.value)}` : String(hit.key.value);
      node = hit.value;
    } else if (isSeq(node)) {
      const i = node.items.findIndex((it) => {
        const r = (it as YamlNode | null)?.range;
        return r != null && offset >= r[0] && offset <= r[2];
      });
      if (i < 0) return place || 'document';
      place = `${place}.${i}`;
      node = node.items[i];
    } else return place || 'document';
  }
  return place;
}

function yamlMessage(e: { code: string; message: string }): string {
  // Drop the library's " at line X, column Y" suffix: line and column travel separately.
  const m = e.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '');
  if (/call stack/i.test(m)) return `values nested too deeply to read (more than ${MAX_DEPTH} levels are not allowed)`;
  return e.code === 'DUPLICATE_KEY' ? 'duplicate key: every key may appear only once in a mapping' : m;
}

/** Parses a pipeline file. Every problem found is in `errors`; `pipeline` is null when any is. */
export function parsePipelineText(text: string): ParseResult {
  const positions: PositionMap = Object.create(null) as PositionMap;
  if (text.length > MAX_PIPELINE_BYTES || (text.length * 3 > MAX_PIPELINE_BYTES && utf8Length(text) > MAX_PIPELINE_BYTES)) {
    return { pipeline: null, positions, errors: [{ place: 'document', message: `file is larger than 5 MiB; a pipeline file never needs to be` }] };
  }
  const lc = new LineCounter();
  lc.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lc.addNewLine(i + 1);
  const screened = screenTokens(text, lc);
  if (screened.length) return { pipeline: null, positions, errors: screened };
  const doc = parseDocument(text, {
    version: '1.2',
    schema: 'core',
    // The library's check compares each key with every earlier one; Reader.pairs does it with a set.
    uniqueKeys: false,
    prettyErrors: false,
    strict: true,
    merge: false,
    intAsBigInt: false,
    keepSourceTokens: false,
  });
  const r = new Reader(lc);
  for (const e of [...doc.errors, ...doc.warnings]) {
    const offset = e.pos[0];
    r.errors.push({ place: placeAt(doc.contents, offset), message: yamlMessage(e), ...lineCol(lc, offset) });
  }
  if (r.errors.length) return { pipeline: null, positions, errors: r.errors };

  const root = doc.contents;
  if (!isMap(root)) {
    return { pipeline: null, positions, errors: [{ place: 'document', message: 'a pipeline file is a YAML mapping (apiVersion, kind, metadata, nodes)' }] };
  }
  const p: Pipeline = { apiVersion: '', kind: '', metadata: { name: '', extensions: {} }, params: {}, nodes: [], extensions: {}, layout: {} };
  const seen = new Set<string>();
  for (const { key, value, pair } of r.pairs(root, '') ?? []) {
    seen.add(key);
    if (key === 'apiVersion') {
      const s = r.string(value, key);
      if (s !== undefined) {
        p.apiVersion = s;
        const problem = apiVersionProblem(s);
        if (problem) r.error(key, problem, value);
      }
    } else if (key === 'kind') {
      const s = r.string(value, key);
      if (s !== undefined) {
        p.kind = s;
        const problem = kindProblem(s);
        if (problem) r.error(key, problem, value);
      }
    } else if (key === 'metadata') {
      p.metadata = readMetadata(r, value);
    } else if (key === 'params') {
      p.params = readParamMap(r, value, 'params');
      for (const name of Object.keys(p.params)) {
        const problem = paramNameProblem(name);
        if (problem) r.error(`params.${name}`, problem);
      }
    } else if (key === 'nodes') {
      if (value == null || (isScalar(value) && value.value == null)) continue;
      for (const n of r.pairs(value, 'nodes') ?? []) p.nodes.push(readNode(r, n.key, n.value, n.pair.key as YamlNode));
    } else if (key === 'triggers') {
      const v = r.value(value, 'triggers');
      if (v !== undefined) p.triggers = readTriggers(v, (place, message) => r.error(place, message));
    } else if (key === 'layout') {
      p.layout = readLayout(r, value);
    } else if (isExtensionKey(key)) {
      r.extensions(key, value, key, p.extensions);
    } else {
      r.error(key, `unknown key '${key}' (a pipeline has ${[...TOP_KEYS].join(', ')} and x- keys)`, pair.key as YamlNode);
    }
  }
  for (const k of ['apiVersion', 'kind', 'metadata', 'nodes']) {
    if (!seen.has(k)) r.errors.push({ place: k, message: k === 'apiVersion' ? (apiVersionProblem('') as string) : 'required' });
  }
  Object.assign(positions, r.positions);
  if (r.errors.length) return { pipeline: null, errors: r.errors, positions, partial: p };
  return { pipeline: p, errors: [], positions };
}

/** `--param k=v`: v is read as a YAML 1.2 scalar (`seed=7` is the number 7). */
export function parseParamOverride(arg: string): { key: string; value: ParamValue } {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new Error(`expected k=v, got '${arg}'`);
  const key = arg.slice(0, eq);
  const raw = arg.slice(eq + 1);
  if (raw.trim() === '') return { key, value: raw };
  const doc = parseDocument(raw, { version: '1.2', schema: 'core', strict: true, merge: false });
  const node = doc.contents;
  // Anything but one plain or quoted scalar (a ": " or "# " inside, a flow list) stays a string.
  if (doc.errors.length || doc.warnings.length || !isScalar(node)) return { key, value: raw };
  const v = node.value;
  if (typeof v === 'number' && !Number.isFinite(v)) return { key, value: raw };
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return { key, value: v };
  return { key, value: raw };
}
