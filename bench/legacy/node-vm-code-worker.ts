/**
 * BENCH ONLY: the features.code sandbox as it was before QuickJS (a node:vm context in a worker),
 * kept verbatim so `npm run bench` can print the new path's ratio to it. It is not a security
 * boundary (see issue 9) and nothing outside bench/ may use it.
 *
 * features.code ran here, in a worker thread of its own (bundled to dist/code-worker.cjs), and
 * inside that worker in a fresh `node:vm` context: no require, process, fetch, timers or any
 * other Node API, and no string code generation (eval, Function).
 *
 * The boundary is kept tight: only primitives (JSON strings, numbers) and typed arrays made
 * inside the context cross it, and the worker never hands one of its own objects to code that
 * runs inside. So the user's function cannot climb a prototype chain out of the context. The
 * parent still terminates the worker on timeout, so an endless async loop ends too.
 */
import { parentPort } from 'node:worker_threads';
import { types } from 'node:util';
import vm from 'node:vm';
import type { CodeColumn } from '../../main/data/code-worker';

export type { CodeColumn };

export interface CodeRequest {
  code: string;
  timeoutMs: number;
  rows: number;
  columns: CodeColumn[];
}

export type CodeResponse =
  | { ok: true; columns: CodeColumn[]; logs: string[] }
  | { ok: false; error: string; line?: number; column?: number };

export const CODE_FILENAME = 'features.code';

/**
 * Runs inside the context before the user's code, with the built-ins still untouched. It turns
 * the data handed in into the documented table shape and, afterwards, normalises what the
 * function returned into Float64Arrays and one JSON string.
 */
const PRELUDE = String.raw`
(function (g) {
  'use strict';
  const logs = [];
  const fmt = (a) => (typeof a === 'string' ? a : (() => { try { return JSON.stringify(a); } catch { return String(a); } })());
  const log = (...args) => { if (logs.length < 1000) logs.push(args.map(fmt).join(' ')); };
  g.console = Object.freeze({ log, info: log, warn: log, error: log, debug: log });

  function fromRows(rows) {
    if (!Array.isArray(rows)) throw new TypeError('fromRows expects an array of row objects');
    const names = [];
    const seen = new Set();
    for (const r of rows) for (const k of Object.keys(r ?? {})) if (!seen.has(k)) { seen.add(k); names.push(k); }
    const columns = {};
    for (const k of names) columns[k] = rows.map((r) => (r == null || r[k] === undefined ? null : r[k]));
    return makeTable(columns, rows.length);
  }

  function makeTable(columns, rowCount) {
    const t = { columns, rowCount };
    Object.defineProperty(t, 'rows', {
      enumerable: false,
      value() {
        const names = Object.keys(t.columns);
        const out = new Array(t.rowCount);
        for (let i = 0; i < t.rowCount; i++) {
          const row = {};
          for (const k of names) row[k] = t.columns[k][i];
          out[i] = row;
        }
        return out;
      },
    });
    Object.defineProperty(t, 'column', { enumerable: false, value: (name) => t.columns[name] });
    return t;
  }
  g.fromRows = fromRows;

  g.__build = function (rows) {
    const names = JSON.parse(g.__names);
    const text = JSON.parse(g.__text);
    const columns = {};
    names.forEach((name, j) => {
      const num = g['__num' + j];
      columns[name] = num ? Array.from(num, (v) => (Number.isNaN(v) ? null : v)) : text[j];
    });
    g.__table = makeTable(columns, rows);
    for (let j = 0; j < names.length; j++) delete g['__num' + j];
    delete g.__names;
    delete g.__text;
  };

  function normalize(r) {
    if (Array.isArray(r)) r = fromRows(r);
    if (r === null || typeof r !== 'object' || r.columns === null || typeof r.columns !== 'object') {
      throw new TypeError('the function must return a table ({ columns: { name: [values] } }) or an array of row objects');
    }
    const names = Object.keys(r.columns);
    if (names.length === 0) throw new TypeError('the returned table has no columns');
    let n = -1;
    let first = '';
    const kinds = [];
    const num = [];
    const text = [];
    for (const name of names) {
      const v = r.columns[name];
      if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new TypeError('column "' + name + '" is not an array');
      if (n < 0) { n = v.length; first = name; }
      else if (v.length !== n) throw new RangeError('column "' + name + '" has ' + v.length + ' values but column "' + first + '" has ' + n);
      let numeric = true;
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        if (typeof x === 'number' || typeof x === 'boolean' || x === null || x === undefined) continue;
        if (typeof x === 'string') { numeric = false; continue; }
        throw new TypeError('column "' + name + '", row ' + (i + 1) + ': ' + typeof x + ' values cannot go in a table (use numbers, text or null)');
      }
      if (numeric) {
        const f = new Float64Array(v.length);
        for (let i = 0; i < v.length; i++) { const x = v[i]; f[i] = x === null || x === undefined ? NaN : Number(x); }
        kinds.push(1);
        num.push(f);
        text.push(null);
      } else {
        kinds.push(0);
        num.push(null);
        text.push(Array.from(v, (x) => (x === null || x === undefined ? null : String(x))));
      }
    }
    g.__out = { names: JSON.stringify(names), kinds: JSON.stringify(kinds), text: JSON.stringify(text), num, logs: JSON.stringify(logs) };
  }

  g.__invoke = function () {
    const fn = g.__fn;
    delete g.__fn;
    if (typeof fn !== 'function') throw new TypeError('code must be a JavaScript function of a table, e.g. (table) => table');
    const r = fn(g.__table);
    if (r !== null && typeof r === 'object' && typeof r.then === 'function') {
      g.__pending = true;
      r.then((v) => { g.__pending = false; normalize(v); }, (e) => { g.__pending = false; g.__asyncError = e; });
    } else {
      normalize(r);
    }
  };
})(globalThis);
`;

const lengthOf = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Float64Array.prototype) as object, 'length')!.get!;
const setTyped = Float64Array.prototype.set;

/** Reads a string the context produced; anything else means the built-ins were tampered with. */
function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new Error(`internal: ${what} is not text (were built-ins replaced?)`);
  return v;
}

function describeError(e: unknown): { error: string; line?: number; column?: number } {
  let message = 'the code failed';
  let stack = '';
  try {
    const m = (e as { message?: unknown } | null)?.message;
    const name = (e as { name?: unknown } | null)?.name;
    const s = (e as { stack?: unknown } | null)?.stack;
    if (typeof m === 'string') message = typeof name === 'string' && name !== 'Error' ? `${name}: ${m}` : m;
    else if (typeof e === 'string' || typeof e === 'number') message = String(e);
    if (typeof s === 'string') stack = s;
  } catch {
    // a hostile getter: keep the generic message
  }
  const at = new RegExp(`${CODE_FILENAME.replace('.', '\\.')}:(\\d+):(\\d+)`).exec(stack);
  return at ? { error: message, line: Number(at[1]), column: Number(at[2]) } : { error: message };
}

export function runInSandbox(req: CodeRequest): CodeResponse {
  const sandbox = Object.create(null) as Record<string, unknown>;
  const context = vm.createContext(sandbox, {
    name: CODE_FILENAME,
    codeGeneration: { strings: false, wasm: false },
    // Promises settle inside the time limit, not after it.
    microtaskMode: 'afterEvaluate',
  });
  vm.runInContext(PRELUDE, context, { filename: 'prelude' });
  sandbox.__names = JSON.stringify(req.columns.map((c) => c.name));
  sandbox.__text = JSON.stringify(req.columns.map((c) => (c.numeric ? null : c.values)));
  req.columns.forEach((c, j) => {
    if (!c.numeric) return;
    const inner = vm.runInContext(`new Float64Array(${req.rows})`, context) as Float64Array;
    setTyped.call(inner, c.values as Float64Array);
    sandbox[`__num${j}`] = inner;
  });
  vm.runInContext(`__build(${req.rows})`, context);
  const timeout = Math.max(1, req.timeoutMs);
  try {
    // The function expression is compiled alone so its line numbers are the user's own.
    sandbox.__fn = vm.runInContext(`(${req.code}\n)`, context, { filename: CODE_FILENAME, timeout });
    vm.runInContext('__invoke()', context, { filename: 'invoke', timeout });
  } catch (e) {
    const d = describeError(e);
    if (/Script execution timed out/.test(d.error)) return { ok: false, error: `the code did not finish within ${req.timeoutMs} ms` };
    return { ok: false, ...d };
  }
  if (sandbox.__pending === true) return { ok: false, error: `the code's promise did not settle within ${req.timeoutMs} ms` };
  if ('__asyncError' in sandbox) return { ok: false, ...describeError(sandbox.__asyncError) };
  const out = sandbox.__out as Record<string, unknown> | undefined;
  if (!out || typeof out !== 'object') return { ok: false, error: 'the code returned nothing' };
  const names = JSON.parse(str(out.names, 'names')) as unknown;
  const kinds = JSON.parse(str(out.kinds, 'kinds')) as unknown;
  const text = JSON.parse(str(out.text, 'text')) as unknown;
  const logs = JSON.parse(str(out.logs, 'logs')) as unknown;
  const num = out.num as unknown[];
  if (!Array.isArray(names) || !Array.isArray(kinds) || !Array.isArray(text) || !Array.isArray(logs)) throw new Error('internal: malformed result');
  const columns: CodeColumn[] = names.map((name, j) => {
    if (typeof name !== 'string') throw new Error('internal: malformed column name');
    if (kinds[j] === 1) {
      const inner = num[j];
      if (!types.isFloat64Array(inner)) throw new Error('internal: malformed numeric column');
      const copy = new Float64Array(lengthOf.call(inner) as number);
      setTyped.call(copy, inner);
      return { name, numeric: true, values: copy };
    }
    const values = text[j];
    if (!Array.isArray(values) || !values.every((v) => v === null || typeof v === 'string')) throw new Error('internal: malformed text column');
    return { name, numeric: false, values: values as (string | null)[] };
  });
  return { ok: true, columns, logs: logs.filter((l): l is string => typeof l === 'string') };
}

if (parentPort) {
  const port = parentPort;
  port.once('message', (req: CodeRequest) => {
    let res: CodeResponse;
    try {
      res = runInSandbox(req);
    } catch (e) {
      res = { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    const transfer = res.ok ? res.columns.filter((c) => c.numeric).map((c) => (c.values as Float64Array).buffer as ArrayBuffer) : [];
    port.postMessage(res, transfer);
  });
}
