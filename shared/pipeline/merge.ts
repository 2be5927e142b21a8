/**
 * Three-way merge of pipeline files (contract section 9, `pipewright merge-driver`): per node and
 * per param, so that parallel edits to different nodes or params combine cleanly. The merged
 * pipeline is written canonically (with the comments of "ours"); a conflict is shown with
 * standard `<<<<<<<` / `=======` / `>>>>>>>` markers around the smallest block that differs
 * between "ours" and "theirs" resolutions.
 */
import type { Pipeline, PipelineNode, Position } from './model';
import { parseInputRef } from './model';
import { parsePipelineText } from './parse';
import { serializePipeline } from './serialize';
import { findCycle } from './graph';
import { setOwn } from './own';

export interface MergeResult {
  /** the merged text; with markers when `conflicts` is not empty */
  text: string;
  /** the places that both sides changed differently, e.g. `nodes.train.params.epochs` */
  conflicts: string[];
  /** merged without conflicting edits, but the result is not a consistent graph (a wire to a removed node, a cycle) */
  problems: string[];
}

export class MergeInputError extends Error {}

type Side = 'ours' | 'theirs';

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => same(v, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && same((a as Record<string, unknown>)[k], rb[k]));
}

class Merger {
  readonly conflicts = new Set<string>();
  constructor(readonly prefer: Side) {}

  /** One value: unchanged on a side means the other side's change wins. `undefined` is "absent". */
  value<T>(place: string, base: T | undefined, ours: T | undefined, theirs: T | undefined): T | undefined {
    if (same(ours, theirs)) return ours;
    if (same(base, ours)) return theirs;
    if (same(base, theirs)) return ours;
    this.conflicts.add(place);
    return this.prefer === 'ours' ? ours : theirs;
  }

  /** A record key by key, keeping ours' key order and appending theirs' new keys in their order. */
  record<T>(place: string, base: Record<string, T>, ours: Record<string, T>, theirs: Record<string, T>): Record<string, T> {
    const out: Record<string, T> = {};
    for (const k of orderedUnion(Object.keys(ours), Object.keys(theirs))) {
      const v = this.value(place ? `${place}.${k}` : k, own(base, k), own(ours, k), own(theirs, k));
      if (v !== undefined) setOwn(out, k, v);
    }
    return out;
  }

  node(base: PipelineNode | undefined, ours: PipelineNode | undefined, theirs: PipelineNode | undefined, id: string): PipelineNode | undefined {
    const place = `nodes.${id}`;
    if (same(ours, theirs)) return ours;
    if (same(base, ours)) return theirs;
    if (same(base, theirs)) return ours;
    // Both sides changed it, and at least one removed it: a removal cannot be merged with an edit.
    if (!ours || !theirs) {
      this.conflicts.add(place);
      return this.prefer === 'ours' ? ours : theirs;
    }
    const b: PipelineNode = base ?? { id, type: '', inputs: {}, params: {}, extensions: {} };
    return {
      id,
      type: this.value(`${place}.type`, base?.type, ours.type, theirs.type) ?? ours.type,
      inputs: this.record(`${place}.inputs`, b.inputs, ours.inputs, theirs.inputs),
      params: this.record(`${place}.params`, b.params, ours.params, theirs.params),
      cache: this.value(`${place}.cache`, base?.cache, ours.cache, theirs.cache),
      extensions: this.record(`${place}`, b.extensions, ours.extensions, theirs.extensions),
    };
  }

  pipeline(base: Pipeline, ours: Pipeline, theirs: Pipeline): Pipeline {
    const byId = (p: Pipeline) => new Map(p.nodes.map((n) => [n.id, n]));
    const [b, o, t] = [byId(base), byId(ours), byId(theirs)];
    const nodes: PipelineNode[] = [];
    for (const id of orderedUnion(ours.nodes.map((n) => n.id), theirs.nodes.map((n) => n.id))) {
      const n = this.node(b.get(id), o.get(id), t.get(id), id);
      if (n) nodes.push(n);
    }
    const ids = new Set(nodes.map((n) => n.id));
    // Positions are not meaning: a layout conflict takes ours' position and is not reported.
    const layout: Record<string, Position> = {};
    for (const id of orderedUnion(Object.keys(ours.layout), Object.keys(theirs.layout))) {
      if (!ids.has(id)) continue;
      const [bp, op, tp] = [own(base.layout, id), own(ours.layout, id), own(theirs.layout, id)];
      const pos = same(bp, op) ? (tp ?? op) : (op ?? tp);
      if (pos) setOwn(layout, id, pos);
    }
    const description = this.value('metadata.description', base.metadata.description, ours.metadata.description, theirs.metadata.description);
    return {
      apiVersion: this.value('apiVersion', base.apiVersion, ours.apiVersion, theirs.apiVersion) ?? ours.apiVersion,
      kind: this.value('kind', base.kind, ours.kind, theirs.kind) ?? ours.kind,
      metadata: {
        name: this.value('metadata.name', base.metadata.name, ours.metadata.name, theirs.metadata.name) ?? ours.metadata.name,
        ...(description !== undefined ? { description } : {}),
        extensions: this.record('metadata', base.metadata.extensions, ours.metadata.extensions, theirs.metadata.extensions),
      },
      params: this.record('params', base.params, ours.params, theirs.params),
      nodes,
      extensions: this.record('', base.extensions, ours.extensions, theirs.extensions),
      layout,
    };
  }
}

function own<T>(r: Record<string, T>, k: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(r, k) ? r[k] : undefined;
}

/** `a`'s order, with each key only in `b` placed right after its nearest predecessor in `b`. */
function orderedUnion(a: string[], b: string[]): string[] {
  const out = [...a];
  const have = new Set(a);
  let after = -1;
  for (const k of b) {
    if (have.has(k)) {
      after = out.indexOf(k);
      continue;
    }
    out.splice(after + 1, 0, k);
    after++;
    have.add(k);
  }
  return out;
}

function parse(text: string, which: string): Pipeline {
  const r = parsePipelineText(text);
  if (!r.pipeline) {
    const e = r.errors[0];
    throw new MergeInputError(`${which}: ${e ? `${e.line != null ? `line ${e.line}: ` : ''}${e.place}: ${e.message}` : 'not a pipeline'}`);
  }
  return r.pipeline;
}

/** Wires to nodes that are gone, and cycles: what a clean merge of two consistent sides can still break. */
function graphProblems(p: Pipeline): string[] {
  const ids = new Set(p.nodes.map((n) => n.id));
  const problems: string[] = [];
  for (const n of p.nodes) {
    for (const [port, ref] of Object.entries(n.inputs)) {
      const r = parseInputRef(ref);
      if (r && !ids.has(r.node)) problems.push(`nodes.${n.id}.inputs.${port}: ${ref} names node "${r.node}", which the other side removed`);
    }
  }
  const cycle = problems.length ? null : findCycle(p);
  if (cycle) problems.push(`nodes: the merged graph has a cycle ${cycle.join(' -> ')}`);
  return problems;
}

/**
 * Merges three pipeline texts. Throws MergeInputError when one of them is not a readable
 * pipeline (the caller then falls back to a line merge).
 */
export function mergePipelineTexts(baseText: string, oursText: string, theirsText: string): MergeResult {
  const base = parse(baseText, 'base');
  const ours = parse(oursText, 'ours');
  const theirs = parse(theirsText, 'theirs');
  const a = new Merger('ours');
  const merged = a.pipeline(base, ours, theirs);
  const oursChoice = serializePipeline(merged, oursText);
  if (a.conflicts.size === 0) return { text: oursChoice, conflicts: [], problems: graphProblems(merged) };
  const theirsChoice = serializePipeline(new Merger('theirs').pipeline(base, ours, theirs), oursText);
  return { text: markConflicts(oursChoice, theirsChoice), conflicts: [...a.conflicts], problems: [] };
}

/** Lines of `a` and `b` with the blocks where they differ wrapped in conflict markers. */
export function markConflicts(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  const out: string[] = [];
  for (const h of diffLines(x, y)) {
    if (h.same) out.push(...h.a);
    else out.push('<<<<<<< ours', ...h.a, '=======', ...h.b, '>>>>>>> theirs');
  }
  return out.join('\n');
}

interface Hunk {
  same: boolean;
  a: string[];
  b: string[];
}

/** A longest-common-subsequence line diff (pipeline files are small; the common ends are trimmed first). */
export function diffLines(x: string[], y: string[]): Hunk[] {
  let pre = 0;
  while (pre < x.length && pre < y.length && x[pre] === y[pre]) pre++;
  let suf = 0;
  while (suf < x.length - pre && suf < y.length - pre && x[x.length - 1 - suf] === y[y.length - 1 - suf]) suf++;
  const xm = x.slice(pre, x.length - suf);
  const ym = y.slice(pre, y.length - suf);
  const hunks: Hunk[] = [];
  const push = (same: boolean, a: string[], b: string[]) => {
    if (!a.length && !b.length) return;
    const last = hunks[hunks.length - 1];
    if (last && last.same === same) {
      last.a.push(...a);
      last.b.push(...b);
    } else hunks.push({ same, a: [...a], b: [...b] });
  };
  push(true, x.slice(0, pre), y.slice(0, pre));
  const n = xm.length;
  const m = ym.length;
  if (n * m > 25_000_000) push(false, xm, ym);
  else {
    // lcs[i][j]: the LCS length of xm[i..] and ym[j..]
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        lcs[i * w + j] = xm[i] === ym[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && xm[i] === ym[j]) {
        push(true, [xm[i]], [ym[j]]);
        i++;
        j++;
      } else if (j < m && (i === n || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j])) {
        push(false, [], [ym[j++]]);
      } else {
        push(false, [xm[i++]], []);
      }
    }
  }
  push(true, x.slice(x.length - suf), y.slice(y.length - suf));
  return hunks;
}
