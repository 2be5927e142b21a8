/**
 * Validation against the catalogue (contract section 1): reports every error it finds, each
 * with its place, so one `pipewright validate` shows the whole list.
 */
import type { NodeTypeInfo } from '../catalog';
import type { NodeTypeChecker, NodeTypeLister } from './checker';
import { didYouMean } from './suggest';
import { findCycle } from './graph';
import {
  PARAM_REF_RE,
  parseInputRef,
  type Issue,
  type ParamValue,
  type Pipeline,
} from './model';
import { setOwn } from './own';
import { validateTriggers } from './triggers';
import { parsePipelineText, type PositionMap } from './parse';
import { apiVersionProblem, kindProblem, nodeIdProblem, paramNameProblem, pipelineNameProblem } from './rules';

/** A variadic port becomes a table name in SQL, so it is an identifier. */
const VARIADIC_PORT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface ValidateOptions {
  /** from `parsePipelineText`: attaches line and column to each issue */
  positions?: PositionMap;
  /** the file's own name, when known (a trigger naming it is checked for loops) */
  fileName?: string;
}

export interface ResolvedParams {
  /** node id -> params with every `${params.x}` replaced */
  nodes: Record<string, Record<string, ParamValue>>;
  /** pipeline params after overrides */
  params: Record<string, ParamValue>;
  errors: Issue[];
}

/** Which pipeline param a value refers to, when it is a whole-value `${params.x}` string. */
export function paramRefOf(v: ParamValue): string | null {
  if (typeof v !== 'string') return null;
  const m = PARAM_REF_RE.exec(v);
  return m ? m[1] : null;
}

/** Every pipeline param a value refers to (at any depth), in first-use order, each once. */
export function paramRefsIn(v: ParamValue, out: string[] = []): string[] {
  const ref = paramRefOf(v);
  if (ref !== null) {
    if (!out.includes(ref)) out.push(ref);
  } else if (Array.isArray(v)) for (const x of v) paramRefsIn(x, out);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) paramRefsIn(x, out);
  return out;
}

function substitute(
  v: ParamValue,
  params: Record<string, ParamValue>,
  place: string,
  errors: Issue[],
): ParamValue {
  const ref = paramRefOf(v);
  if (ref !== null) {
    if (Object.prototype.hasOwnProperty.call(params, ref)) return params[ref];
    const declared = Object.keys(params);
    errors.push({
      place,
      message: `refers to undeclared pipeline param '${ref}'${declared.length ? ` (declared: ${declared.join(', ')})` : ' (the pipeline declares no params)'}`,
    });
    return v;
  }
  if (Array.isArray(v)) return v.map((x, i) => substitute(x, params, `${place}.${i}`, errors));
  if (v !== null && typeof v === 'object') {
    const out: { [key: string]: ParamValue } = {};
    for (const [k, x] of Object.entries(v)) setOwn(out, k, substitute(x, params, `${place}.${k}`, errors));
    return out;
  }
  return v;
}

/**
 * Replaces whole-value `${params.x}` references (at any depth) with pipeline params, after
 * `--param` overrides. An override or a reference naming an undeclared param is an error.
 */
export function resolveParamRefs(p: Pipeline, overrides: Record<string, unknown> = {}): ResolvedParams {
  const errors: Issue[] = [];
  const params: Record<string, ParamValue> = { ...p.params };
  for (const [k, v] of Object.entries(overrides)) {
    if (!Object.prototype.hasOwnProperty.call(p.params, k)) {
      const declared = Object.keys(p.params);
      errors.push({ place: `params.${k}`, message: `'${k}' is not a declared pipeline param${declared.length ? ` (declared: ${declared.join(', ')})` : ' (the pipeline declares no params)'}` });
      continue;
    }
    setOwn(params, k, v as ParamValue);
  }
  const nodes: Record<string, Record<string, ParamValue>> = {};
  for (const n of p.nodes) {
    const out: Record<string, ParamValue> = {};
    for (const [k, v] of Object.entries(n.params)) setOwn(out, k, substitute(v, params, `nodes.${n.id}.params.${k}`, errors));
    setOwn(nodes, n.id, out);
  }
  return { nodes, params, errors };
}

/** Nearest known place (the place itself, else its parents) -> line and column. */
export function locate(issue: Issue, positions: PositionMap | undefined): Issue {
  if (!positions || issue.line != null) return issue;
  const parts = issue.place.split('.');
  for (let n = parts.length; n > 0; n--) {
    const pos = positions[parts.slice(0, n).join('.')];
    if (pos) return { ...issue, line: pos.line, column: pos.column };
  }
  return issue;
}

function portList(ports: { name: string }[]): string {
  return ports.length ? ports.map((x) => x.name).join(', ') : 'none';
}

/** Every error in the pipeline, each with its place (and line/column when positions are given). */
export function validatePipeline(p: Pipeline, checker: NodeTypeChecker, opts: ValidateOptions = {}): Issue[] {
  const issues: Issue[] = [];
  const add = (place: string, message: string) => issues.push({ place, message });

  const check = (place: string, problem: string | null) => problem && add(place, problem);
  check('apiVersion', apiVersionProblem(p.apiVersion));
  check('kind', kindProblem(p.kind));
  check('metadata.name', pipelineNameProblem(p.metadata.name));
  for (const name of Object.keys(p.params)) check(`params.${name}`, paramNameProblem(name));

  const byId = new Map<string, { info?: NodeTypeInfo }>();
  for (const n of p.nodes) {
    check(`nodes.${n.id}`, nodeIdProblem(n.id));
    if (byId.has(n.id)) add(`nodes.${n.id}`, `duplicate node id '${n.id}'`);
    byId.set(n.id, { info: n.type ? checker.info(n.type) : undefined });
  }

  const resolved = resolveParamRefs(p);
  issues.push(...resolved.errors);

  for (const n of p.nodes) {
    const place = `nodes.${n.id}`;
    if (!n.type) {
      add(`${place}.type`, 'required');
      continue;
    }
    const info = checker.info(n.type);
    if (!info) {
      const lister = checker as Partial<NodeTypeLister>;
      add(`${place}.type`, `unknown node type '${n.type}'${lister.types ? didYouMean(n.type, lister.types()) : ''}`);
      // Its ports are unknown, but where its inputs point can still be checked.
      for (const [port, ref] of Object.entries(n.inputs)) {
        const from = parseInputRef(ref);
        if (!from) add(`${place}.inputs.${port}`, `must be "<nodeId>.<outputPort>", got '${ref}'`);
        else if (!byId.has(from.node)) add(`${place}.inputs.${port}`, `refers to missing node '${from.node}'${didYouMean(from.node, byId.keys())}`);
      }
      continue;
    }

    // Params: check the resolved values; a param whose reference failed is already reported.
    const params = { ...resolved.nodes[n.id] };
    const unresolved = new Set(Object.keys(n.params).filter((k) => hasUnresolved(n.params[k], resolved.params)));
    for (const k of unresolved) delete params[k];
    for (const prob of checker.checkParams(n.type, params)) {
      if (prob.path.length && unresolved.has(String(prob.path[0]))) continue;
      add([`${place}.params`, ...prob.path.map(String)].join('.'), prob.message);
    }

    // Inputs
    const declared = new Map(info.inputs.map((port) => [port.name, port]));
    const variadic = info.variadicInputs;
    for (const [port, ref] of Object.entries(n.inputs)) {
      const iplace = `${place}.inputs.${port}`;
      let kind = declared.get(port)?.kind;
      if (!kind) {
        if (variadic) {
          if (!VARIADIC_PORT_RE.test(port)) {
            add(iplace, `input names of ${n.type} become SQL table names: letters, digits and _ only, not starting with a digit`);
            continue;
          }
          kind = variadic.kind;
        } else {
          add(iplace, `unknown input port '${port}'${didYouMean(port, info.inputs.map((x) => x.name))} (${n.type} has: ${portList(info.inputs)})`);
          continue;
        }
      }
      const from = parseInputRef(ref);
      if (!from) {
        add(iplace, `must be "<nodeId>.<outputPort>", got '${ref}'`);
        continue;
      }
      const src = byId.get(from.node);
      if (!src) {
        add(iplace, `refers to missing node '${from.node}'${didYouMean(from.node, byId.keys())}`);
        continue;
      }
      if (from.node === n.id) {
        add(iplace, `a node cannot read its own output (cycle: ${n.id} -> ${n.id})`);
        continue;
      }
      if (!src.info) continue; // its unknown type is reported on that node
      const out = src.info.outputs.find((o) => o.name === from.port);
      if (!out) {
        add(iplace, `node '${from.node}' (${src.info.type}) has no output port '${from.port}'${didYouMean(from.port, src.info.outputs.map((x) => x.name))} (it has: ${portList(src.info.outputs)})`);
        continue;
      }
      if (out.kind !== kind) add(iplace, `wrong port kind: '${port}' takes a ${kind}, but ${ref} is a ${out.kind}`);
    }
    for (const port of info.inputs) {
      if (!port.optional && !(port.name in n.inputs)) add(`${place}.inputs.${port.name}`, `required input '${port.name}' (${port.kind}) is not connected`);
    }
    if (variadic) {
      const count = Object.keys(n.inputs).filter((k) => !declared.has(k)).length;
      if (count < variadic.min) add(`${place}.inputs`, `${n.type} needs at least ${variadic.min} input ${variadic.kind}${variadic.min === 1 ? '' : 's'} (each port named freely)`);
    }
  }

  // Every cycle, not just the first: report one, cut the edge it was reported on, look again.
  // Self-loops are already reported above.
  const rest: Pipeline = {
    ...p,
    nodes: p.nodes.map((n) => ({ ...n, inputs: Object.fromEntries(Object.entries(n.inputs).filter(([, ref]) => parseInputRef(ref)?.node !== n.id)) })),
  };
  for (let guard = 0; guard < p.nodes.length; guard++) {
    const cycle = findCycle(rest);
    if (!cycle) break;
    const [from, to] = cycle;
    const target = rest.nodes.find((n) => n.id === to);
    const port = Object.entries(target?.inputs ?? {}).find(([, ref]) => parseInputRef(ref)?.node === from)?.[0];
    add(port ? `nodes.${to}.inputs.${port}` : `nodes.${to}`, `cycle: ${cycle.join(' -> ')}`);
    if (!target || !port) break;
    target.inputs = Object.fromEntries(Object.entries(target.inputs).filter(([k]) => k !== port));
  }

  for (const id of Object.keys(p.layout)) {
    if (!byId.has(id)) add(`layout.${id}`, `no node '${id}' in this pipeline`);
  }
  issues.push(...validateTriggers(p, checker, { fileName: opts.fileName }));
  return issues.map((i) => locate(i, opts.positions));
}

function hasUnresolved(v: ParamValue, params: Record<string, ParamValue>): boolean {
  const ref = paramRefOf(v);
  if (ref !== null) return !Object.prototype.hasOwnProperty.call(params, ref);
  if (Array.isArray(v)) return v.some((x) => hasUnresolved(x, params));
  if (v !== null && typeof v === 'object') return Object.values(v).some((x) => hasUnresolved(x, params));
  return false;
}

export interface LoadResult {
  /** null whenever `errors` is not empty */
  pipeline: Pipeline | null;
  errors: Issue[];
  positions: PositionMap;
  /** the best-effort model when the YAML was readable but invalid (for the editor; never run it) */
  partial?: Pipeline;
}

/** `type: T@N`: a node written for version N of type T. */
const VERSIONED_TYPE_RE = /^(.+)@([0-9]+)$/;

/**
 * Upgrades nodes that name an older version of their type (`type: T@N`) with the type's
 * migrations, in place: afterwards they are plain `T` nodes of the current version. A checker
 * without migrations leaves them as they are (their type is then reported unknown).
 */
export function migrateNodes(p: Pipeline, checker: NodeTypeChecker): Issue[] {
  const errors: Issue[] = [];
  if (!checker.migrate) return errors;
  for (const n of p.nodes) {
    const m = VERSIONED_TYPE_RE.exec(n.type);
    if (!m || !checker.info(m[1])) continue;
    const r = checker.migrate(m[1], Number(m[2]), n.params);
    if ('error' in r) {
      errors.push({ place: `nodes.${n.id}.type`, message: r.error });
      continue;
    }
    n.type = m[1];
    n.params = r.params as Record<string, ParamValue>;
  }
  return errors;
}

/** Parse + migrate + validate: every error of the file, located. */
export function loadPipeline(text: string, checker: NodeTypeChecker, opts: { fileName?: string } = {}): LoadResult {
  const parsed = parsePipelineText(text);
  const model = parsed.pipeline ?? parsed.partial;
  if (!model) return { pipeline: null, errors: parsed.errors, positions: parsed.positions };
  parsed.errors.push(...migrateNodes(model, checker).map((e) => locate(e, parsed.positions)));
  // A place the parser (or a migration) already found wrong is not reported again by validation,
  // which checks the same rules (shared/pipeline/rules.ts) on the model.
  const reported = parsed.errors.map((e) => e.place);
  const more = validatePipeline(model, checker, { positions: parsed.positions, fileName: opts.fileName }).filter(
    (e) => !reported.some((p) => e.place === p || e.place.startsWith(`${p}.`)),
  );
  const errors = [...parsed.errors, ...more].map((e, i) => ({ e, i }));
  errors.sort((a, b) => (a.e.line ?? Infinity) - (b.e.line ?? Infinity) || a.i - b.i);
  const all = errors.map((x) => x.e);
  if (all.length) return { pipeline: null, errors: all, positions: parsed.positions, partial: model };
  return { pipeline: model, errors: [], positions: parsed.positions };
}
