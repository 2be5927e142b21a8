/**
 * The Node-side `NodeTypeChecker`: each node type's zod schema plus its `check()`, with zod's
 * issues turned into messages a pipeline author can act on ("must be a number between 0 and 1").
 */
import type { NodeTypeInfo, JsonSchema } from '../shared/catalog';
import type { NodeTypeChecker, NodeTypeLister, ParamProblem } from '../shared/pipeline/checker';
import { didYouMean } from '../shared/pipeline/suggest';
import { toInfo, type NodeRegistry } from './registry';
import type { NodeDefinition } from './types';

type Path = (string | number)[];

interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  values?: unknown[];
  keys?: string[];
  input?: unknown;
}

function asSchema(v: unknown): JsonSchema | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonSchema) : undefined;
}

/** The JSON Schema of the value at `path` below the params object, when it can be followed. */
function schemaAt(root: JsonSchema, path: Path): JsonSchema | undefined {
  let s: JsonSchema | undefined = root;
  for (const seg of path) {
    if (!s) return undefined;
    const alts = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
    if (Array.isArray(alts)) s = asSchema(alts.find((a) => asSchema(a)?.type !== 'null'));
    if (!s) return undefined;
    if (typeof seg === 'number') s = asSchema(s.items);
    else s = asSchema(asSchema(s.properties)?.[seg]) ?? asSchema(s.additionalProperties);
  }
  return s;
}

function types(s: JsonSchema): string[] {
  const t = s.type;
  if (Array.isArray(t)) return t.map(String);
  if (typeof t === 'string') return [t];
  const alts = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(alts)) return alts.flatMap((a) => (asSchema(a) ? types(a as JsonSchema) : []));
  return [];
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

function article(word: string): string {
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

/** What a value at this schema must be, as a sentence fragment after "must be". */
function expectation(s: JsonSchema | undefined): string | undefined {
  if (!s) return undefined;
  if (Array.isArray(s.enum)) return `one of: ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if ('const' in s) return JSON.stringify(s.const);
  const t = types(s);
  if (t.length === 1 && (t[0] === 'number' || t[0] === 'integer')) {
    const word = t[0] === 'integer' ? 'whole number' : 'number';
    const lo = num(s.minimum) ?? num(s.exclusiveMinimum);
    const hi = num(s.maximum) ?? num(s.exclusiveMaximum);
    if (lo !== undefined && hi !== undefined) return `${article(word)} between ${lo} and ${hi}`;
    if (lo !== undefined) return `${article(word)} ${s.exclusiveMinimum !== undefined ? 'greater than' : 'of at least'} ${lo}`;
    if (hi !== undefined) return `${article(word)} ${s.exclusiveMaximum !== undefined ? 'less than' : 'of at most'} ${hi}`;
    return article(word);
  }
  if (t.length === 1 && t[0] === 'string') return num(s.minLength) ? 'a non-empty string' : 'a string';
  if (t.length === 1 && t[0] === 'boolean') return 'true or false';
  if (t.length === 1 && t[0] === 'array') {
    const item = asSchema(s.items);
    const it = item ? types(item) : [];
    const of = it.length === 1 ? ` of ${it[0] === 'integer' ? 'whole number' : it[0]}s` : '';
    const min = num(s.minItems);
    return `a list${of}${min ? ` with at least ${min} item${min === 1 ? '' : 's'}` : ''}`;
  }
  if (t.length === 1 && t[0] === 'object') return 'a mapping';
  if (t.length > 1) return t.map((x) => (x === 'integer' ? 'a whole number' : x === 'array' ? 'a list' : article(x))).join(' or ');
  return undefined;
}

function valueAt(root: unknown, path: Path): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function problemsOf(issue: ZodIssueLike, schema: JsonSchema, params: Record<string, unknown>): ParamProblem[] {
  const path = issue.path.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number');
  const expected = () => expectation(schemaAt(schema, path));
  switch (issue.code) {
    case 'unrecognized_keys':
      return (issue.keys ?? []).map((k) => {
        const known = Object.keys(asSchema(schemaAt(schema, path)?.properties) ?? {});
        return { path: [...path, k], message: `${path.length === 0 ? 'unknown param' : 'unknown key'} '${k}'${didYouMean(k, known)}` };
      });
    case 'invalid_type': {
      if (valueAt(params, path) === undefined) return [{ path, message: 'required' }];
      const e = expected();
      return [{ path, message: e ? `must be ${e}` : `must be ${article(issue.expected ?? 'value')}` }];
    }
    case 'too_small':
    case 'too_big': {
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        const e = expected();
        if (e) return [{ path, message: `must be ${e}` }];
        const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
        return [{ path, message: `must be ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(bound)}` }];
      }
      if (issue.origin === 'string') return [{ path, message: issue.code === 'too_small' && Number(issue.minimum) === 1 ? 'must not be empty' : `must be ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(issue.code === 'too_small' ? issue.minimum : issue.maximum)} characters long` }];
      if (issue.origin === 'array' || issue.origin === 'set') {
        const n = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
        return [{ path, message: `must have ${issue.code === 'too_small' ? 'at least' : 'at most'} ${n} item${n === 1 ? '' : 's'}` }];
      }
      return [{ path, message: issue.message }];
    }
    case 'invalid_value':
      return [{ path, message: `must be one of: ${(issue.values ?? []).map((v) => JSON.stringify(v)).join(', ')}` }];
    case 'invalid_union': {
      const e = expected();
      return [{ path, message: e ? `must be ${e}` : issue.message }];
    }
    case 'not_multiple_of':
      return [{ path, message: issue.message }];
    default:
      return [{ path, message: issue.message }];
  }
}

/** A checker over a registry (the core catalogue, plus plugins). */
export function createChecker(registry: NodeRegistry): NodeTypeChecker & NodeTypeLister {
  const infos = new Map<string, NodeTypeInfo>();
  const infoOf = (type: string): NodeTypeInfo | undefined => {
    let info = infos.get(type);
    if (!info) {
      const def = registry.get(type);
      if (!def) return undefined;
      info = toInfo(def);
      infos.set(type, info);
    }
    return info;
  };
  return {
    info: infoOf,
    types: () => registry.list().map((d) => d.type),
    checkParams(type, params) {
      const def = registry.get(type);
      const info = infoOf(type);
      if (!def || !info) return [{ path: [], message: `unknown node type '${type}'` }];
      const r = def.params.safeParse(params, { reportInput: true });
      if (!r.success) {
        return (r.error.issues as ZodIssueLike[]).flatMap((i) => problemsOf(i, info.paramsSchema, params));
      }
      return (def.check?.(r.data) ?? []).map((c) => ({ path: c.param ? [c.param] : [], message: c.message }));
    },
    migrate(type, from, params) {
      const def = registry.get(type);
      if (!def) return { error: `unknown node type '${type}'` };
      return migrateParams(def, from, params);
    },
  };
}

/**
 * Params written for version `from` of a type, upgraded step by step to its current version
 * (a version without a migration step keeps its params).
 */
export function migrateParams(def: NodeDefinition, from: number, params: Record<string, unknown>): { params: Record<string, unknown> } | { error: string } {
  if (!Number.isInteger(from) || from < 1) return { error: `${def.type}@${from}: versions start at 1` };
  if (from > def.version) return { error: `${def.type}@${from} is newer than this Pipewright knows (version ${def.version}); update Pipewright` };
  let out = { ...params };
  for (let v = from; v < def.version; v++) {
    const step = def.migrations?.[v];
    if (!step) continue;
    try {
      out = step(out);
    } catch (e) {
      return { error: `${def.type}: cannot upgrade params from version ${v} to ${v + 1}: ${(e as Error).message}` };
    }
  }
  return { params: out };
}

/**
 * The full params of a node with every default filled in: what the node runs with and what
 * its cache key is made of. Throws when the params are invalid (validate first).
 */
export function applyDefaults(def: NodeDefinition, params: Record<string, unknown>): Record<string, unknown> {
  const r = def.params.safeParse(params);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new Error(`${def.type}: invalid params (${first.path.map(String).join('.') || 'params'}: ${first.message})`);
  }
  return r.data as Record<string, unknown>;
}
