/**
 * The JavaScript that runs inside the QuickJS sandbox before the user's code (see code-worker.ts).
 * It is evaluated in a fresh context whose built-ins are still untouched, and evaluates to an
 * object of closures that only the host holds a handle to: the user's code never sees it. The
 * closures capture the built-ins they use, so code that later replaces `Array.prototype.push` or
 * `JSON.stringify` changes nothing here (and, since everything runs inside the sandbox anyway,
 * could only spoil its own result, which the host checks again).
 *
 * Protocol (every value crossing is a number, a string or an ArrayBuffer copied by the host):
 * - `build(rows, metaJson, ...numericBuffers)`: makes the `table` the function gets;
 * - `invoke(fn)`: calls it; returns 'returned' or 'pending' (a promise or thenable);
 * - `state()`: 'pending' | 'returned' | 'rejected';
 * - `finish()`: checks and converts the result; returns one JSON string
 *   `{ names, kinds, text, logs }` (kinds: 1 numeric, 0 text; text: string[] or null per column);
 * - `numeric(j)`: the j-th numeric result column as a fresh ArrayBuffer of float64 (NaN = null);
 * - `failure()`: the rejection of a pending promise, to describe;
 * - `describe(e)`: a JSON string `{ message, line?, column?, outOfMemory? }`, reading the value
 *   only through own data properties (a getter on the thrown value is not run here either);
 * - `logs()`: the log lines as a JSON string array (for a failed run).
 */
export const LOG_LINE_CHARS = 2000;
export const LOG_NODE_LINES = 1000;
export const LOG_NODE_CHARS = 200_000;
export const CODE_FILENAME = 'features.code';

export const PRELUDE = String.raw`(function () {
  'use strict';
  const G = globalThis;
  const call = Function.prototype.call;
  const uncurry = (f) => call.bind(f);
  const JSONstringify = JSON.stringify;
  const JSONparse = JSON.parse;
  const isArray = Array.isArray;
  const isView = ArrayBuffer.isView;
  const keys = Object.keys;
  const defineProperty = Object.defineProperty;
  const getOwn = Object.getOwnPropertyDescriptor;
  const getProto = Object.getPrototypeOf;
  const freeze = Object.freeze;
  const create = Object.create;
  const F64 = Float64Array;
  const Str = String;
  const NumberIsNaN = Number.isNaN;
  const PromiseResolve = Promise.resolve.bind(Promise);
  const then = uncurry(Promise.prototype.then);
  const push = uncurry(Array.prototype.push);
  const join = uncurry(Array.prototype.join);
  const slice = uncurry(Array.prototype.slice);
  const strSlice = uncurry(String.prototype.slice);
  const exec = uncurry(RegExp.prototype.exec);
  const f64Buffer = uncurry(getOwn(getProto(F64.prototype), 'buffer').get);
  const TypeErr = TypeError;
  const RangeErr = RangeError;
  const errorProto = Error.prototype;
  const LINE = ${LOG_LINE_CHARS};
  const LINES = ${LOG_NODE_LINES};
  const CHARS = ${LOG_NODE_CHARS};
  const FILE = /${CODE_FILENAME.replace('.', '\\.')}:(\d+):(\d+)/;

  // console: lines are cut at LINE characters, and a node keeps at most LINES lines and CHARS
  // characters; what is dropped is counted and said in one last line.
  const lines = [];
  let chars = 0;
  let dropped = 0;
  const fmt = (a) => {
    if (typeof a === 'string') return a;
    if (a === undefined || typeof a === 'number' || typeof a === 'boolean' || typeof a === 'bigint' || a === null) return Str(a);
    if (typeof a === 'symbol' || typeof a === 'function') return typeof a;
    try { const s = JSONstringify(a); return s === undefined ? Str(a) : s; } catch (e) { return '[object]'; }
  };
  const log = (...args) => {
    if (lines.length >= LINES || chars >= CHARS) { dropped++; return; }
    let parts = [];
    let length = 0;
    for (let i = 0; i < args.length && length <= LINE; i++) {
      let s;
      try { s = fmt(args[i]); } catch (e) { s = '[unprintable]'; }
      if (typeof s !== 'string') s = '[unprintable]';
      if (s.length > LINE + 1) s = strSlice(s, 0, LINE + 1);
      push(parts, s);
      length += s.length + 1;
    }
    let line = join(parts, ' ');
    if (line.length > LINE) line = strSlice(line, 0, LINE) + ' … (line truncated at ' + LINE + ' characters)';
    push(lines, line);
    chars += line.length;
  };
  const logLines = () => {
    const out = slice(lines);
    if (dropped > 0) push(out, '… ' + dropped + ' more log line' + (dropped === 1 ? '' : 's') + ' truncated (a node keeps at most ' + LINES + ' lines and ' + CHARS + ' characters)');
    return out;
  };
  G.console = freeze({ log, info: log, warn: log, error: log, debug: log });

  function makeTable(columns, rowCount) {
    const t = { columns, rowCount };
    defineProperty(t, 'rows', {
      enumerable: false,
      value() {
        const names = keys(t.columns);
        const out = [];
        for (let i = 0; i < t.rowCount; i++) {
          const row = {};
          for (let k = 0; k < names.length; k++) row[names[k]] = t.columns[names[k]][i];
          out[i] = row;
        }
        return out;
      },
    });
    defineProperty(t, 'column', { enumerable: false, value: (name) => t.columns[name] });
    return t;
  }

  function fromRows(rows) {
    if (!isArray(rows)) throw new TypeErr('fromRows expects an array of row objects');
    const names = [];
    const seen = new Set();
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (r === null || typeof r !== 'object') continue;
      const ks = keys(r);
      for (let k = 0; k < ks.length; k++) if (!seen.has(ks[k])) { seen.add(ks[k]); push(names, ks[k]); }
    }
    const columns = {};
    for (let k = 0; k < names.length; k++) {
      const name = names[k];
      const col = [];
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i];
        const v = r === null || typeof r !== 'object' ? undefined : r[name];
        col[i] = v === undefined ? null : v;
      }
      defineProperty(columns, name, { value: col, enumerable: true, writable: true, configurable: true });
    }
    return makeTable(columns, rows.length);
  }
  G.fromRows = fromRows;

  let table;
  let status = 'idle';
  let result;
  let rejection;
  let out = [];

  function build(rows, metaJson, ...buffers) {
    const meta = JSONparse(metaJson);
    const columns = {};
    let b = 0;
    for (let j = 0; j < meta.names.length; j++) {
      let col;
      if (meta.text[j] === null) {
        col = [...new F64(buffers[b])];
        const nulls = meta.nulls[b++];
        for (let k = 0; k < nulls.length; k++) col[nulls[k]] = null;
      } else {
        col = meta.text[j];
      }
      defineProperty(columns, meta.names[j], { value: col, enumerable: true, writable: true, configurable: true });
    }
    table = makeTable(columns, rows);
  }

  function invoke(fn) {
    if (typeof fn !== 'function') throw new TypeErr('code must be a JavaScript function of a table, e.g. (table) => table');
    const arg = table;
    table = undefined;
    const r = fn(arg);
    if (r !== null && (typeof r === 'object' || typeof r === 'function') && typeof r.then === 'function') {
      status = 'pending';
      then(PromiseResolve(r), (v) => { result = v; status = 'returned'; }, (e) => { rejection = e; status = 'rejected'; });
    } else {
      result = r;
      status = 'returned';
    }
    return status;
  }

  function finish() {
    let r = result;
    result = undefined;
    if (isArray(r)) r = fromRows(r);
    if (r === null || typeof r !== 'object' || r.columns === null || typeof r.columns !== 'object') {
      throw new TypeErr('the function must return a table ({ columns: { name: [values] } }) or an array of row objects');
    }
    const cols = r.columns;
    const names = keys(cols);
    if (names.length === 0) throw new TypeErr('the returned table has no columns');
    let n = -1;
    let first = '';
    const kinds = [];
    const text = [];
    out = [];
    for (let c = 0; c < names.length; c++) {
      const name = names[c];
      const v = cols[name];
      if (!isArray(v) && !isView(v)) throw new TypeErr('column "' + name + '" is not an array');
      const len = v.length;
      if (typeof len !== 'number' || len !== len >>> 0) throw new TypeErr('column "' + name + '" is not an array');
      if (n < 0) { n = len; first = name; }
      else if (len !== n) throw new RangeErr('column "' + name + '" has ' + len + ' values but column "' + first + '" has ' + n);
      // Float64Array bytes must fit a 32-bit WebAssembly memory (2 GB) with room to spare.
      if (len > 0x10000000) throw new RangeErr('column "' + name + '" has ' + len + ' values: more than the sandbox can hold (at most 268435456, within its memory limit)');
      const f = new F64(len);
      let numeric = true;
      for (let i = 0; i < len; i++) {
        const x = v[i];
        if (typeof x === 'number') f[i] = x;
        else if (x === null || x === undefined) f[i] = NaN;
        else if (typeof x === 'boolean') f[i] = x ? 1 : 0;
        else if (typeof x === 'string') { numeric = false; break; }
        else throw new TypeErr('column "' + name + '", row ' + (i + 1) + ': ' + typeof x + ' values cannot go in a table (use numbers, text or null)');
      }
      if (numeric) {
        push(kinds, 1);
        push(text, null);
        push(out, f64Buffer(f));
        continue;
      }
      const s = [];
      for (let i = 0; i < len; i++) {
        const x = v[i];
        if (x === null || x === undefined) s[i] = null;
        else if (typeof x === 'string') s[i] = x;
        else if (typeof x === 'number' || typeof x === 'boolean') s[i] = Str(x);
        else throw new TypeErr('column "' + name + '", row ' + (i + 1) + ': ' + typeof x + ' values cannot go in a table (use numbers, text or null)');
      }
      push(kinds, 0);
      push(text, s);
    }
    return JSONstringify({ names, kinds, text, logs: logLines() });
  }

  // Reads a property only if it is an own data property: no getter, no Proxy trap beyond the
  // descriptor lookup (which runs here, in the sandbox, under the same limits).
  const own = (o, k) => {
    try {
      const d = getOwn(o, k);
      return d && 'value' in d ? d.value : undefined;
    } catch (e) {
      return undefined;
    }
  };

  function describe(e) {
    let message = 'the code failed';
    let stack = '';
    let outOfMemory = false;
    if (e !== null && typeof e === 'object') {
      const m = own(e, 'message');
      let name = own(e, 'name');
      if (name === undefined) {
        try { const p = getProto(e); const c = p && own(p, 'constructor'); name = p && p !== errorProto ? own(p, 'name') ?? (c && own(c, 'name')) : undefined; } catch (x) { name = undefined; }
      }
      const s = own(e, 'stack');
      if (typeof m === 'string') message = typeof name === 'string' && name !== 'Error' && name !== '' ? name + ': ' + m : m;
      if (typeof s === 'string') stack = s;
      outOfMemory = name === 'InternalError' && m === 'out of memory';
    } else if (typeof e === 'string' || typeof e === 'number' || typeof e === 'boolean') {
      message = Str(e);
    }
    const at = exec(FILE, stack);
    return JSONstringify(at ? { message, line: +at[1], column: +at[2], outOfMemory } : { message, outOfMemory });
  }

  return freeze({
    build,
    invoke,
    finish,
    numeric: (j) => out[j],
    state: () => status,
    failure: () => rejection,
    describe,
    logs: () => JSONstringify(logLines()),
  });
})()`;
