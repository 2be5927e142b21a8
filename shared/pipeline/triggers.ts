/**
 * `triggers:` (contract section 8): what starts a pipeline without a person. Read from plain
 * values here (the parser hands over the YAML already checked), validated against the
 * pipeline and the catalogue, and turned back into plain values for the canonical writer.
 */
import { Cron } from 'croner';
import type { NodeTypeInfo } from '../catalog';
import type { NodeTypeChecker } from './checker';
import { parseInputRef, type Issue, type ParamValue, type Pipeline } from './model';
import { setOwn } from './own';

export interface MetricCondition {
  node: string;
  name: string;
  above?: number;
  below?: number;
}

export interface Trigger {
  /** cron, 5 fields or 6 with seconds first, local time */
  schedule?: string;
  /** a glob under the pipeline file's folder */
  files?: string;
  metric?: MetricCondition;
  /** run this pipeline file (relative to this one) instead of this one */
  pipeline?: string;
  extensions: Record<string, ParamValue>;
}

export type TriggerKind = 'schedule' | 'files' | 'metric';
export const TRIGGER_KINDS: readonly TriggerKind[] = ['schedule', 'files', 'metric'];

export function triggerKind(t: Trigger): TriggerKind | null {
  return t.schedule !== undefined ? 'schedule' : t.files !== undefined ? 'files' : t.metric !== undefined ? 'metric' : null;
}

const TRIGGER_KEYS = ['schedule', 'files', 'metric', 'pipeline'];
const METRIC_KEYS = ['node', 'name', 'above', 'below'];

function isMap(v: ParamValue | undefined): v is { [key: string]: ParamValue } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Reads `triggers:` from its plain value; each problem goes to `error` with its place. */
export function readTriggers(value: ParamValue, error: (place: string, message: string) => void): Trigger[] {
  if (value === null) return [];
  if (!Array.isArray(value)) {
    error('triggers', 'must be a list of triggers (- schedule: …, - files: …, - metric: …)');
    return [];
  }
  return value.map((item, i) => {
    const place = `triggers.${i}`;
    const t: Trigger = { extensions: {} };
    if (!isMap(item)) {
      error(place, 'must be a mapping with one of schedule, files or metric');
      return t;
    }
    for (const [key, v] of Object.entries(item)) {
      const sub = `${place}.${key}`;
      if (key.startsWith('x-')) setOwn(t.extensions, key, v);
      else if (key === 'schedule' || key === 'files' || key === 'pipeline') {
        if (typeof v === 'string' && v.trim() !== '') t[key] = v;
        else error(sub, 'must be a non-empty string');
      } else if (key === 'metric') {
        if (!isMap(v)) {
          error(sub, 'must be a mapping: { node, name, above or below }');
          continue;
        }
        const m: Partial<MetricCondition> = {};
        for (const [k, x] of Object.entries(v)) {
          if (k === 'node' || k === 'name') {
            if (typeof x === 'string' && x !== '') m[k] = x;
            else error(`${sub}.${k}`, 'must be a non-empty string');
          } else if (k === 'above' || k === 'below') {
            if (typeof x === 'number') m[k] = x;
            else error(`${sub}.${k}`, 'must be a number');
          } else error(`${sub}.${k}`, `unknown key '${k}' (a metric trigger has ${METRIC_KEYS.join(', ')})`);
        }
        t.metric = { node: m.node ?? '', name: m.name ?? '', ...(m.above !== undefined && { above: m.above }), ...(m.below !== undefined && { below: m.below }) };
      } else error(sub, `unknown key '${key}' (a trigger has ${TRIGGER_KEYS.join(', ')} and x- keys)`);
    }
    return t;
  });
}

/** The plain value the canonical writer prints, keys in contract order. */
export function triggersValue(triggers: Trigger[]): ParamValue {
  return triggers.map((t) => {
    const out: { [key: string]: ParamValue } = {};
    if (t.schedule !== undefined) out.schedule = t.schedule;
    if (t.files !== undefined) out.files = t.files;
    if (t.metric) {
      const m: { [key: string]: ParamValue } = { node: t.metric.node, name: t.metric.name };
      if (t.metric.above !== undefined) m.above = t.metric.above;
      if (t.metric.below !== undefined) m.below = t.metric.below;
      out.metric = m;
    }
    if (t.pipeline !== undefined) out.pipeline = t.pipeline;
    for (const k of Object.keys(t.extensions)) if (k.startsWith('x-')) setOwn(out, k, t.extensions[k]);
    return out;
  });
}

/** A cron expression's problem (5 fields, or 6 with seconds first), or null. */
export function cronProblem(expr: string): string | null {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return `a cron schedule has 5 fields (minute hour day month weekday) or 6 with seconds first; '${expr}' has ${fields.length}`;
  try {
    new Cron(expr, { paused: true });
    return null;
  } catch (e) {
    return `not a cron schedule: ${e instanceof Error ? e.message.replace(/^CronPattern: /, '') : String(e)}`;
  }
}

/**
 * A relative path or glob's problem if it could reach outside the pipeline file's folder
 * (absolute, a drive, `..` above the folder, a home or variable expansion), or null.
 */
export function escapesFolder(path: string): string | null {
  if (/^([\\/]|[A-Za-z]:|~)/.test(path)) return 'must be relative to the pipeline file’s folder';
  if (path.includes('\0')) return 'must not contain a NUL character';
  let depth = 0;
  for (const part of path.split(/[\\/]+/)) {
    if (part === '..') depth--;
    else if (part !== '.' && part !== '') depth++;
    if (depth < 0) return 'must stay under the pipeline file’s folder (no .. above it)';
  }
  return null;
}

function globMatches(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+')}$`);
  return re.test(name);
}

/**
 * Whether a node can produce a metric name: its type's declared names and patterns, or (for
 * a type that passes metrics on) its upstream node's; a type with a metrics output that
 * declares nothing may produce any name. Returns the known names when it cannot.
 */
function metricProducible(p: Pipeline, nodeId: string, name: string, info: (type: string) => NodeTypeInfo | undefined, depth = 0): { ok: true } | { ok: false; known: string[] } {
  const node = p.nodes.find((n) => n.id === nodeId);
  const type = node ? info(node.type) : undefined;
  if (!node || !type || depth > p.nodes.length) return { ok: true };
  const decl = type.capabilities?.metrics;
  if (!decl) return type.outputs.some((o) => o.kind === 'metrics') ? { ok: true } : { ok: false, known: [] };
  const names = decl.names ?? [];
  const patterns = decl.patterns ?? [];
  if (names.includes(name) || patterns.some((pat) => globMatches(pat, name))) return { ok: true };
  if (decl.from) {
    const ref = node.inputs[decl.from];
    const up = ref ? parseInputRef(ref) : null;
    if (up) return metricProducible(p, up.node, name, info, depth + 1);
  }
  return { ok: false, known: [...names, ...patterns] };
}

/** A relative path with `.`, empty parts and `dir/..` folded away (escapesFolder refused any `..` above the start). */
function normalRelative(path: string): string {
  const out: string[] = [];
  for (const part of path.split(/[\\/]+/)) {
    if (part === '..') out.pop();
    else if (part !== '.' && part !== '') out.push(part);
  }
  return out.join('/');
}

export interface TriggerCheckOptions {
  /** the pipeline file's own name, without folders (a `pipeline:` naming it is a loop for a metric trigger) */
  fileName?: string;
}

/** Every problem of the pipeline's triggers, each with its place. */
export function validateTriggers(p: Pipeline, checker: NodeTypeChecker, opts: TriggerCheckOptions = {}): Issue[] {
  const issues: Issue[] = [];
  const add = (place: string, message: string) => issues.push({ place, message });
  (p.triggers ?? []).forEach((t, i) => {
    const place = `triggers.${i}`;
    const kinds = TRIGGER_KINDS.filter((k) => t[k] !== undefined);
    if (kinds.length !== 1) {
      add(place, kinds.length ? `a trigger has exactly one of schedule, files or metric (this one has ${kinds.join(' and ')})` : 'a trigger needs one of schedule, files or metric');
    }
    if (t.schedule !== undefined) {
      const problem = cronProblem(t.schedule);
      if (problem) add(`${place}.schedule`, problem);
    }
    if (t.files !== undefined) {
      const problem = escapesFolder(t.files);
      if (problem) add(`${place}.files`, problem);
    }
    if (t.pipeline !== undefined) {
      const problem = escapesFolder(t.pipeline);
      if (problem) add(`${place}.pipeline`, problem);
      else if (!/\.pipeline\.ya?ml$/.test(t.pipeline)) add(`${place}.pipeline`, 'must name a *.pipeline.yaml file');
    }
    const m = t.metric;
    if (!m) return;
    const mplace = `${place}.metric`;
    if (!m.node) add(`${mplace}.node`, 'required');
    if (!m.name) add(`${mplace}.name`, 'required');
    if ((m.above === undefined) === (m.below === undefined)) add(mplace, 'needs exactly one of above or below');
    if (t.pipeline === undefined) add(place, 'a metric trigger without pipeline: would start this same pipeline after each of its own runs (a loop); name the pipeline to run');
    else if (opts.fileName !== undefined && !escapesFolder(t.pipeline) && normalRelative(t.pipeline) === opts.fileName) {
      add(`${place}.pipeline`, `${t.pipeline} is this same file: a metric trigger would start it after each of its own runs (a loop); name another pipeline to run`);
    }
    if (!m.node) return;
    const node = p.nodes.find((n) => n.id === m.node);
    if (!node) {
      add(`${mplace}.node`, `no node '${m.node}' in this pipeline${p.nodes.length ? ` (nodes: ${p.nodes.map((n) => n.id).join(', ')})` : ''}`);
      return;
    }
    if (!m.name) return;
    const r = metricProducible(p, m.node, m.name, (type) => checker.info(type));
    if (!r.ok) {
      add(`${mplace}.name`, r.known.length ? `${node.type} never produces a metric '${m.name}' (it gives ${r.known.join(', ')})` : `${node.type} produces no metrics`);
    }
  });
  return issues;
}
