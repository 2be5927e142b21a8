/**
 * The run-free half of a node type: its params (a zod schema with defaults), the rules zod cannot
 * say (`check`) and the steps from older versions (`migrations`), and the checker that turns zod's
 * issues into messages a pipeline author can act on ("must be a number between 0 and 1").
 *
 * Nothing here runs a node or reaches DuckDB, tfjs or Node: the editor bundles every
 * `nodes/<stage>/<name>.params.ts` with this module and validates as main does, message for
 * message, without a round trip (renderer/src/local-validate.ts).
 */
import type { z } from 'zod';
import type { Catalog, JsonSchema, NodeTypeInfo } from '../shared/catalog';
import type { NodeTypeChecker, NodeTypeLister, ParamProblem } from '../shared/pipeline/checker';
import { didYouMean } from '../shared/pipeline/suggest';

/** What validation needs of a node type: a node file spreads it into its definition. */
export interface NodeParams<S extends z.ZodType = z.ZodType> {
  type: string;
  version: number;
  /** a zod object schema; defaults fill missing params */
  params: S;
  /** Extra checks zod cannot express (exactly one of two params, ...). Places are param names. */
  check?(params: z.infer<S>): { param: string; message: string }[];
  /**
   * Upgrades params written for an older version (a file names it as `type: T@N`): key is the
   * version migrated from, each step gives the params of the next version. A version bump that
   * changes no params needs no step. Applied by the loader, before validation.
   */
  migrations?: Record<number, (params: Record<string, unknown>) => Record<string, unknown>>;
  /**
   * Params that depend on the other types of the catalogue (train.sweep offers every trainer):
   * the editor's checker calls it with the catalogue main sent (plugins included).
   */
  bindParams?(catalog: Catalog): NodeParams;
}

/** Helps TypeScript infer the params' type from the schema in each `.params.ts` file. */
export function defineParams<S extends z.ZodType>(p: NodeParams<S>): NodeParams<S> {
  return p;
}

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

/** Problems of one node's params (references already resolved): zod's, in words, then `check`'s. */
export function paramProblems(spec: NodeParams, paramsSchema: JsonSchema, params: Record<string, unknown>): ParamProblem[] {
  const r = spec.params.safeParse(params, { reportInput: true });
  if (!r.success) return (r.error.issues as ZodIssueLike[]).flatMap((i) => problemsOf(i, paramsSchema, params));
  return (spec.check?.(r.data) ?? []).map((c) => ({ path: c.param ? [c.param] : [], message: c.message }));
}

/** A checker from type infos and params specs, however they were found (registry or catalogue). */
export function checkerOver(
  info: (type: string) => NodeTypeInfo | undefined,
  spec: (type: string) => NodeParams | undefined,
  types: () => string[],
): NodeTypeChecker & NodeTypeLister {
  return {
    info,
    types,
    checkParams(type, params) {
      const s = spec(type);
      const i = info(type);
      if (!s || !i) return [{ path: [], message: `unknown node type '${type}'` }];
      return paramProblems(s, i.paramsSchema, params);
    },
    migrate(type, from, params) {
      const s = spec(type);
      if (!s) return { error: `unknown node type '${type}'` };
      return migrateParams(s, from, params);
    },
  };
}

/**
 * The editor's checker: type infos from the catalogue main sent, params from the bundled specs.
 * `covers(type)` is false for a type the catalogue has and the bundle does not (a plugin's): the
 * editor asks main about a pipeline using one.
 */
export function createCatalogChecker(catalog: Catalog, specs: readonly NodeParams[]): NodeTypeChecker & NodeTypeLister & { covers(type: string): boolean } {
  const infos = new Map(catalog.map((i) => [i.type, i]));
  const bySpec = new Map<string, NodeParams>();
  for (const s of specs) if (infos.has(s.type)) bySpec.set(s.type, s.bindParams ? s.bindParams(catalog) : s);
  const checker = checkerOver((t) => infos.get(t), (t) => bySpec.get(t), () => catalog.map((i) => i.type));
  return { ...checker, covers: (type) => !infos.has(type) || bySpec.has(type) };
}

/**
 * Params written for version `from` of a type, upgraded step by step to its current version
 * (a version without a migration step keeps its params).
 */
export function migrateParams(def: NodeParams, from: number, params: Record<string, unknown>): { params: Record<string, unknown> } | { error: string } {
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

