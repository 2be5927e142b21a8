/**
 * Canonical writing of a pipeline (contract section 1): the same pipeline always gives the same
 * bytes. Written by hand rather than through the `yaml` stringifier so that key order, quoting,
 * flow/block choice and indentation are ours alone and cannot shift with a library upgrade;
 * comments (and blank lines) of a previous text are carried over to the same keys.
 */
import { isMap, isScalar, isSeq, parseDocument, Scalar, type Node as YamlNode, type YAMLMap } from 'yaml';
import type { NodeTypeChecker } from './checker';
import type { Issue, ParamValue, Pipeline } from './model';
import { formatNumber, inlineString, literalBlockHeader, type ScalarContext } from './yaml-scalars';
import { MAX_PIPELINE_BYTES } from './parse';
import { loadPipeline } from './validate';
import { triggersValue } from './triggers';

/** What a previous text said around one place. Paths are joined with NUL. */
interface Decoration {
  /** comment lines above the key (or sequence item) */
  before?: string;
  /** a blank line above (and above its comments) */
  spaceBefore?: boolean;
  /** comment at the end of the line */
  trailing?: string;
  /** comment lines right under `key:`, before the first child of a block collection */
  inner?: string;
  /** comment lines after the last child of a block collection */
  after?: string;
  /** a block scalar (`>-`, `|`) to keep when the string is unchanged: header and body lines without indentation */
  block?: { value: string; header: string; lines: string[] };
}

interface Decorations {
  top?: string;
  end?: string;
  at: Map<string, Decoration>;
}

const SEP = '\0';

function collectDecorations(previousText: string): Decorations | undefined {
  if (previousText.length > MAX_PIPELINE_BYTES) return undefined;
  const doc = parseDocument(previousText, { version: '1.2', schema: 'core', uniqueKeys: false, strict: false });
  if (doc.errors.length) return undefined;
  const deco: Decorations = { at: new Map() };
  if (doc.commentBefore) deco.top = doc.commentBefore;
  if (doc.comment) deco.end = doc.comment;
  const get = (path: string) => {
    let d = deco.at.get(path);
    if (!d) deco.at.set(path, (d = {}));
    return d;
  };
  const blockOf = (node: Scalar, d: Decoration) => {
    if ((node.type !== Scalar.BLOCK_FOLDED && node.type !== Scalar.BLOCK_LITERAL) || typeof node.value !== 'string' || !node.range) return;
    const src = previousText.slice(node.range[0], node.range[1]);
    const nl = src.indexOf('\n');
    if (nl < 0) return;
    const header = src.slice(0, nl).replace(/\s+#.*$/, '').trim();
    // An explicit indentation indicator is relative to the old indentation; recompute instead.
    if (!/^[|>][-+]?$/.test(header)) return;
    const raw = src.slice(nl + 1).replace(/\r?\n$/, '').split(/\r?\n/);
    const indents = raw.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0);
    const min = indents.length ? Math.min(...indents) : 0;
    const lines = raw.map((l) => (l.trim() === '' ? '' : l.slice(min)));
    // Keep the style only if re-indented it still reads as the same string (chomping and
    // trailing blank lines are easy to get subtly wrong).
    const probe = parseDocument(`k: ${header}\n${lines.map((l) => (l === '' ? '' : `  ${l}`)).join('\n')}\n`, { version: '1.2', schema: 'core' });
    const back: unknown = probe.errors.length ? undefined : probe.toJS();
    if (back !== null && typeof back === 'object' && (back as { k?: unknown }).k === node.value) d.block = { value: node.value, header, lines };
  };
  const walk = (node: YamlNode | null | undefined, path: string[]) => {
    if (!node) return;
    const d = get(path.join(SEP));
    if (node.comment) {
      if (isMap(node) || isSeq(node)) {
        if (node.flow) d.trailing = node.comment;
        else d.after = node.comment;
      } else d.trailing = node.comment;
    }
    if (node.commentBefore) {
      if ((isMap(node) || isSeq(node)) && !node.flow) d.inner = node.commentBefore;
      else d.before = d.before ? `${d.before}\n${node.commentBefore}` : node.commentBefore;
    }
    if (isScalar(node)) blockOf(node, d);
    if (isMap(node) && !node.flow) {
      for (const pair of (node as YAMLMap<YamlNode, YamlNode | null>).items) {
        const k = pair.key;
        if (!isScalar(k)) continue;
        const sub = [...path, k.value == null ? '' : String(k.value)];
        const kd = get(sub.join(SEP));
        if (k.commentBefore) kd.before = k.commentBefore;
        if (k.spaceBefore) kd.spaceBefore = true;
        if (k.comment) kd.trailing = k.comment;
        const v = pair.value as YamlNode | null;
        walk(v, sub);
        // `key: # note` above a block collection: the library files the note before the first
        // child; the key's own line says where it really was.
        if (v && (isMap(v) || isSeq(v)) && !v.flow && kd.inner != null && k.range) {
          const eol = previousText.indexOf('\n', k.range[0]);
          const line = previousText.slice(k.range[0], eol < 0 ? undefined : eol).replace(/\r$/, '');
          const m = /:[ \t]+#(.*)$/.exec(line);
          const [first, ...rest] = kd.inner.split('\n');
          if (m && m[1] === first) {
            kd.trailing = first;
            kd.inner = rest.length ? rest.join('\n') : undefined;
          }
        }
      }
    } else if (isSeq(node) && !node.flow) {
      node.items.forEach((item, i) => {
        const sub = [...path, String(i)];
        const it = item as YamlNode | null;
        walk(it, sub);
        if (it?.spaceBefore) get(sub.join(SEP)).spaceBefore = true;
      });
    }
  };
  walk(doc.contents as YamlNode | null, []);
  return deco;
}

type Entry = [key: string, value: ParamValue, path: string[]];

class Writer {
  readonly lines: string[] = [];
  constructor(private readonly deco: Decorations | undefined) {}

  private d(path: string[]): Decoration | undefined {
    return this.deco?.at.get(path.join(SEP));
  }

  private comments(text: string | undefined, indent: string): void {
    if (text == null) return;
    for (const line of text.split('\n')) this.lines.push(line === '' ? '' : `${indent}#${line}`);
  }

  private lead(path: string[], indent: string): void {
    const d = this.d(path);
    if (d?.spaceBefore && this.lines.length && this.lines[this.lines.length - 1] !== '') this.lines.push('');
    this.comments(d?.before, indent);
  }

  /**
   * Comments that sat inside a collection now written on one line (a block list of scalars
   * becomes `[a, b]`): they move above its key rather than being lost.
   */
  private orphans(path: string[], indent: string): void {
    if (!this.deco) return;
    const own = this.d(path);
    this.comments(own?.inner, indent);
    this.comments(own?.after, indent);
    const prefix = path.join(SEP) + SEP;
    for (const [p, d] of this.deco.at) {
      if (!p.startsWith(prefix)) continue;
      for (const c of [d.before, d.inner, d.trailing, d.after]) this.comments(c, indent);
    }
  }

  private withTrailing(line: string, path: string[]): string {
    const t = this.d(path)?.trailing;
    return t != null ? `${line} #${t}` : line;
  }

  key(k: string): string {
    return inlineString(k, 'key');
  }

  /** A scalar or flow collection on one line, or null when the value needs block lines. */
  inline(v: ParamValue, ctx: ScalarContext): string | null {
    if (v === null) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') return formatNumber(v);
    if (typeof v === 'string') {
      if (ctx === 'block' && literalBlockHeader(v)) return null;
      return inlineString(v, ctx);
    }
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      if (v.every((x) => x === null || typeof x !== 'object')) return `[${v.map((x) => this.inline(x, 'flow') as string).join(', ')}]`;
      return null;
    }
    return Object.keys(v).length === 0 ? '{}' : null;
  }

  /** `key: value` (or `- value` when key is null) at `indent`, with everything below it. */
  entry(key: string | null, v: ParamValue, path: string[], indent: string): void {
    this.lead(path, indent);
    const head = key === null ? `${indent}-` : `${indent}${this.key(key)}:`;
    const d = this.d(path);
    if (typeof v === 'string' && d?.block && d.block.value === v) {
      this.lines.push(this.withTrailing(`${head} ${d.block.header}`, path));
      for (const l of d.block.lines) this.lines.push(l === '' ? '' : `${indent}  ${l}`);
      return;
    }
    const one = this.inline(v, 'block');
    if (one !== null) {
      if (v !== null && typeof v === 'object') this.orphans(path, indent);
      this.lines.push(this.withTrailing(`${head} ${one}`, path));
      return;
    }
    if (typeof v === 'string') {
      const header = literalBlockHeader(v) as string;
      this.lines.push(this.withTrailing(`${head} ${header}`, path));
      const body = header === '|' ? v.slice(0, -1) : v;
      for (const l of body.split('\n')) this.lines.push(l === '' ? '' : `${indent}  ${l}`);
      return;
    }
    const headAt = this.lines.length;
    this.lines.push(this.withTrailing(head, path));
    const child = `${indent}  `;
    this.comments(d?.inner, child);
    const firstChild = this.lines.length;
    if (Array.isArray(v)) v.forEach((x, i) => this.entry(null, x, [...path, String(i)], child));
    else this.map(Object.entries(v as { [key: string]: ParamValue }).map(([k, x]) => [k, x, [...path, k]] as Entry), child);
    this.comments(d?.after, child);
    // A collection inside a sequence item starts on the `- ` line (`- name: a`), as people write it.
    const first = this.lines[firstChild];
    if (key === null && firstChild === headAt + 1 && this.lines[headAt] === head && first?.startsWith(child) && first[child.length] !== '#' && first[child.length] !== ' ') {
      this.lines.splice(headAt, 2, `${indent}- ${first.slice(child.length)}`);
    }
  }

  map(entries: Entry[], indent: string): void {
    for (const [k, v, path] of entries) this.entry(k, v, path, indent);
  }

  /** One ready-made line, with the comments the previous text had around `path`. */
  flowLine(path: string[], indent: string, text: string): void {
    this.lead(path, indent);
    this.lines.push(this.withTrailing(`${indent}${text}`, path));
  }

  /** A block collection under `key:` whose entries the caller writes. */
  section(key: string, path: string[], indent: string, body: () => void): void {
    this.lead(path, indent);
    this.lines.push(this.withTrailing(`${indent}${this.key(key)}:`, path));
    const d = this.d(path);
    this.comments(d?.inner, `${indent}  `);
    body();
    this.comments(d?.after, `${indent}  `);
  }
}

/**
 * The canonical text of a pipeline. With `previousText`, comments, blank lines and block-scalar
 * styles of unchanged strings are carried over to the same keys.
 */
export function serializePipeline(p: Pipeline, previousText?: string): string {
  const deco = previousText ? collectDecorations(previousText) : undefined;
  const w = new Writer(deco);
  if (deco?.top != null) {
    w.lines.push(...deco.top.split('\n').map((l) => (l === '' ? '' : `#${l}`)));
    w.lines.push('');
  }
  const ext = (e: Record<string, ParamValue>, path: string[]): Entry[] =>
    Object.keys(e)
      .filter((k) => k.startsWith('x-'))
      .map((k) => [k, e[k], [...path, k]] as Entry);

  w.entry('apiVersion', p.apiVersion, ['apiVersion'], '');
  w.entry('kind', p.kind, ['kind'], '');
  w.section('metadata', ['metadata'], '', () => {
    const m: Entry[] = [['name', p.metadata.name, ['metadata', 'name']]];
    if (p.metadata.description !== undefined) m.push(['description', p.metadata.description, ['metadata', 'description']]);
    w.map([...m, ...ext(p.metadata.extensions, ['metadata'])], '  ');
  });
  if (Object.keys(p.params).length) {
    w.entry('params', p.params, ['params'], '');
  }
  if (p.nodes.length === 0) w.entry('nodes', {}, ['nodes'], '');
  else
    w.section('nodes', ['nodes'], '', () => {
      for (const n of p.nodes) {
        const path = ['nodes', n.id];
        w.section(n.id, path, '  ', () => {
          const e: Entry[] = [['type', n.type, [...path, 'type']]];
          if (Object.keys(n.inputs).length) e.push(['inputs', n.inputs, [...path, 'inputs']]);
          if (Object.keys(n.params).length) e.push(['params', n.params, [...path, 'params']]);
          if (n.cache !== undefined) e.push(['cache', n.cache, [...path, 'cache']]);
          w.map([...e, ...ext(n.extensions, path)], '    ');
        });
      }
    });
  if (p.triggers?.length) w.entry('triggers', triggersValue(p.triggers), ['triggers'], '');
  w.map(ext(p.extensions, []), '');
  const ids = Object.keys(p.layout);
  if (ids.length) {
    w.section('layout', ['layout'], '', () => {
      for (const id of ids) {
        const pos = p.layout[id];
        // One line per node, so moving a node changes exactly one line.
        w.flowLine(['layout', id], '  ', `${w.key(id)}: { x: ${formatNumber(pos.x)}, y: ${formatNumber(pos.y)} }`);
      }
    });
  }
  if (deco?.end != null) {
    w.lines.push(...deco.end.split('\n').map((l) => (l === '' ? '' : `#${l}`)));
  }
  return `${w.lines.join('\n')}\n`;
}

export interface FormatResult {
  text: string;
  changed: boolean;
  errors: Issue[];
}

/** `pipewright fmt` on one text: the canonical form of a valid file (comments kept). */
export function formatPipelineText(text: string, checker: NodeTypeChecker): FormatResult {
  const loaded = loadPipeline(text, checker);
  if (!loaded.pipeline) return { text, changed: false, errors: loaded.errors };
  const out = serializePipeline(loaded.pipeline, text);
  return { text: out, changed: out !== text, errors: [] };
}
