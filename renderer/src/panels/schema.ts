/** Reading the JSON Schema (zod's toJSONSchema output) of a node's params into form fields. */
import type { JsonSchema } from '../../../shared/catalog';
import { PARAM_REF_RE, type ParamValue } from '../../../shared/pipeline/model';

export type FieldKind = 'enum' | 'boolean' | 'number' | 'integer' | 'string' | 'list' | 'record' | 'json';

export interface Field {
  name: string;
  kind: FieldKind;
  required: boolean;
  description?: string;
  default?: unknown;
  enumValues?: (string | number)[];
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
  /** for lists: the kind of the items */
  item?: 'number' | 'integer' | 'string' | 'json';
  /** for records: the kind of the values */
  value?: 'number' | 'string' | 'json';
}

function typeOf(s: JsonSchema): string | undefined {
  const t = s.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const nonNull = t.filter((x) => x !== 'null');
    return nonNull.length === 1 ? String(nonNull[0]) : undefined;
  }
  return undefined;
}

const SAFE_BOUND = 2 ** 52;

export function fieldsOf(schema: JsonSchema): Field[] {
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, p]) => fieldOf(name, p, required.has(name)));
}

function fieldOf(name: string, p: JsonSchema, required: boolean): Field {
  const base = { name, required, description: p.description as string | undefined, default: p.default };
  const t = typeOf(p);
  if (Array.isArray(p.enum)) return { ...base, kind: 'enum', enumValues: p.enum as (string | number)[] };
  if (t === 'boolean') return { ...base, kind: 'boolean' };
  if (t === 'number' || t === 'integer') {
    const lo = p.exclusiveMinimum ?? p.minimum;
    const hi = p.exclusiveMaximum ?? p.maximum;
    return {
      ...base,
      kind: t,
      min: typeof lo === 'number' && Math.abs(lo) < SAFE_BOUND ? lo : undefined,
      max: typeof hi === 'number' && Math.abs(hi) < SAFE_BOUND ? hi : undefined,
      exclusiveMin: p.exclusiveMinimum !== undefined,
      exclusiveMax: p.exclusiveMaximum !== undefined,
    };
  }
  if (t === 'string') return { ...base, kind: 'string' };
  if (t === 'array') {
    const it = typeOf((p.items ?? {}) as JsonSchema);
    const item = it === 'number' || it === 'integer' || it === 'string' ? it : 'json';
    return { ...base, kind: item === 'json' ? 'json' : 'list', item };
  }
  if (t === 'object' && p.additionalProperties && typeof p.additionalProperties === 'object') {
    const vt = typeOf(p.additionalProperties as JsonSchema);
    const value = vt === 'number' || vt === 'integer' ? 'number' : vt === 'string' ? 'string' : 'json';
    return { ...base, kind: value === 'json' ? 'json' : 'record', value };
  }
  return { ...base, kind: 'json' };
}

/** A number field's bound problem, said the way the validator says it; null when fine. */
export function boundProblem(f: Field, v: number): string | null {
  if (f.kind === 'integer' && !Number.isInteger(v)) return 'must be a whole number';
  if (f.min !== undefined && (f.exclusiveMin ? v <= f.min : v < f.min)) return `must be ${f.exclusiveMin ? 'greater than' : 'at least'} ${f.min}`;
  if (f.max !== undefined && (f.exclusiveMax ? v >= f.max : v > f.max)) return `must be ${f.exclusiveMax ? 'less than' : 'at most'} ${f.max}`;
  return null;
}

/** Reads what was typed in a scalar field: numbers for number fields, `${params.x}` kept as text. */
export function parseScalar(kind: 'number' | 'integer' | 'string' | 'json', text: string): ParamValue | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  if (PARAM_REF_RE.test(t)) return t;
  if (kind === 'number' || kind === 'integer') {
    const n = Number(t);
    return Number.isFinite(n) ? n : t;
  }
  return text;
}

/** `[64, 64]`, `64, 64` or `a, b` -> a list of the item kind. */
export function parseList(item: Field['item'], text: string): ParamValue[] | undefined {
  const t = text.trim().replace(/^\[/, '').replace(/\]$/, '');
  if (t === '') return [];
  return t.split(',').map((s) => {
    const v = s.trim();
    if (item === 'number' || item === 'integer') {
      const n = Number(v);
      return Number.isFinite(n) && v !== '' ? n : v;
    }
    return v.replace(/^["']|["']$/g, '');
  });
}

export function formatList(v: ParamValue | undefined): string {
  return Array.isArray(v) ? v.map((x) => String(x)).join(', ') : v === undefined ? '' : String(v);
}
