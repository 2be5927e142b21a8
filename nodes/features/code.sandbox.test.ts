/**
 * Adversarial suite for features.code (issue 9): every way out of the old node:vm sandbox, and
 * others, tried against the QuickJS sandbox through the real node (real worker, real DuckDB
 * engine). Each attack, if it reached the host, would write a marker file, run a child process
 * that creates another, leak a secret environment variable into the output or log, and post a
 * fake success to the parent; each test checks that none of that happened, not only that the
 * node failed. Attacks that run inside the sandbox (getters, traps) report "contained" into the
 * result where they can, which shows they ran there and found no way out.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DATA_DIR, makeTestContext, outputArtifact, runNode, tableArtifact, type TestContext } from '../../test/helpers/node-context';
import type { ArtifactRef } from '../types';
import code from './code.node';

const SECRET = `pw-secret-${process.pid}-${Date.now()}`;
const dir = mkdtempSync(join(tmpdir(), 'pw-sandbox-attack-'));
const MARK = join(dir, 'escaped');
const CHILD_MARK = join(dir, 'child-ran');

/**
 * Tries every known way to a host function from where it is called; with one, it writes the
 * marker files (fs and a child process), reads the environment and posts a fake success. It
 * returns 'contained' when nothing worked.
 */
const PWN = String.raw`
function pwn(where) {
  const found = [];
  const add = (v) => { if (v !== undefined && v !== null) found.push(v); };
  try {
    const before = Error.prepareStackTrace;
    Error.prepareStackTrace = (e, frames) => frames;
    const frames = new Error('x').stack;
    Error.prepareStackTrace = before;
    if (Array.isArray(frames)) for (const f of frames) {
      try { add(f.getFunction()); } catch (e) {}
      try { add(f.getThis()); } catch (e) {}
    }
  } catch (e) {}
  try { let c = pwn.caller; for (let i = 0; c && i < 50; i++) { add(c); c = c.caller; } } catch (e) {}
  add(globalThis);
  add(this);
  for (const v of found) {
    try {
      const F = (typeof v === 'function' ? v : v.constructor).constructor;
      const p = F('return typeof process === "object" ? process : undefined')();
      if (p) { hit(p, where); return 'ESCAPED'; }
    } catch (e) {}
  }
  return 'contained';
}
function hit(p, where) {
  const req = p.getBuiltinModule ? (m) => p.getBuiltinModule(m) : p.mainModule.require;
  req('fs').writeFileSync(${JSON.stringify(MARK)}, where + ' ' + JSON.stringify(p.env));
  req('child_process').execSync('touch ' + ${JSON.stringify(CHILD_MARK)});
  try { req('worker_threads').parentPort.postMessage({ ok: true, columns: [{ name: 'pwned', numeric: true, values: new Float64Array([1]) }], logs: ['fake success'], ms: 0 }); } catch (e) {}
}
`;

interface Outcome {
  ok: boolean;
  error: string;
  rows: Record<string, unknown>[];
  columns: string[];
  logs: string[];
}

describe('features.code sandbox: attacks leave no trace', () => {
  let ctx: TestContext;
  let iris: ArtifactRef;
  let small: ArtifactRef;
  beforeAll(async () => {
    process.env.PW_SANDBOX_SECRET = SECRET;
    ctx = await makeTestContext({ nodeId: 'js' });
    iris = await tableArtifact(join(DATA_DIR, 'iris.csv'), ctx);
    const path = await ctx.data.writeColumns([
      { name: 'x', type: 'DOUBLE', numeric: true, values: Float64Array.from([1, 2, NaN]) },
      { name: 's', type: 'VARCHAR', numeric: false, values: ['a', null, 'c'] },
    ]);
    small = await tableArtifact(path, ctx);
  });
  afterAll(async () => {
    delete process.env.PW_SANDBOX_SECRET;
    await ctx.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the code (with pwn() in scope) through the node and collects everything it left. */
  async function attack(body: string, opts: { timeoutMs?: number; table?: ArtifactRef; signal?: AbortSignal } = {}): Promise<Outcome> {
    ctx.logs.length = 0;
    const src = `(table) => {\n${PWN}\nreturn (${body})(table);\n}`;
    const runCtx = opts.signal ? { ...ctx, signal: opts.signal } : ctx;
    try {
      const out = await runNode(code, runCtx, { table: opts.table ?? small }, { code: src, timeoutMs: opts.timeoutMs ?? 5000 });
      const t = await outputArtifact(out.table, ctx);
      const rows = await ctx.data.query('SELECT * FROM t', { t });
      const columns = (t.meta.columns as { name: string }[]).map((c) => c.name);
      return { ok: true, error: '', rows, columns, logs: ctx.logs.map((l) => l.message) };
    } catch (e) {
      return { ok: false, error: (e as Error).message, rows: [], columns: [], logs: ctx.logs.map((l) => l.message) };
    }
  }

  /** The checks every attack must pass, whatever the node said. */
  function noTrace(o: Outcome): void {
    expect(existsSync(MARK), 'a marker file was written from inside the sandbox').toBe(false);
    expect(existsSync(CHILD_MARK), 'a child process ran from inside the sandbox').toBe(false);
    const everything = JSON.stringify(o);
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain('ESCAPED');
    expect(o.columns).not.toContain('pwned');
    expect(o.logs).not.toContain('fake success');
  }

  afterEach(() => {
    // one attack's marker must not hide the next one's
    rmSync(MARK, { force: true });
    rmSync(CHILD_MARK, { force: true });
  });

  it('sanity: pwn() does escape where host functions are reachable (so the checks below can fail)', () => {
    // Run the same attack in a plain Function of this process: it reaches process and leaves marks.
    const probe = new Function(`${PWN}; return pwn('host');`) as () => string;
    try {
      expect(probe()).toBe('ESCAPED');
      expect(existsSync(MARK)).toBe(true);
      expect(existsSync(CHILD_MARK)).toBe(true);
    } finally {
      rmSync(MARK, { force: true });
      rmSync(CHILD_MARK, { force: true });
    }
  });

  it('stack frames (Error.prepareStackTrace + getFunction/getThis, caller chains) lead nowhere', async () => {
    const o = await attack(`(t) => ({ columns: { r: [pwn('frames'), typeof Error.captureStackTrace, typeof process] } })`);
    noTrace(o);
    expect(o.rows.map((r) => r.r)).toEqual(['contained', 'undefined', 'undefined']);
  });

  it('constructor chains and code generation build sandbox functions only', async () => {
    const o = await attack(`(t) => {
      const ctors = [t.constructor, t.columns.x.constructor, fromRows.constructor, console.log.constructor, (() => {}).constructor,
        Object.getPrototypeOf(async function () {}).constructor, Object.getPrototypeOf(function* () {}).constructor,
        Object.getPrototypeOf(async function* () {}).constructor, globalThis.constructor, Reflect.getPrototypeOf(fromRows).constructor];
      const seen = ctors.map((c) => { try { return String(c.constructor('return typeof process + typeof require + typeof module')()); } catch (e) { return 'threw'; } });
      seen.push(String(eval('typeof process')), String(new Function('return this')() === globalThis), String(Function('return typeof process')()));
      return { columns: { r: seen } };
    }`);
    noTrace(o);
    expect(new Set(o.rows.map((r) => r.r))).toEqual(new Set(['undefinedundefinedundefined', 'true', 'undefined']));
  });

  it('a thrown object with getters, and a thrown Proxy, run no host code and name no host', async () => {
    const getters = await attack(`(t) => { throw { get message() { pwn('message'); return 'm'; }, get name() { pwn('name'); return 'n'; },
      get stack() { pwn('stack'); return 's'; }, get constructor() { pwn('constructor'); return Object; }, toString() { pwn('toString'); return 'x'; } }; }`);
    noTrace(getters);
    expect(getters.error).toBe('js: the code failed: the code failed');
    const proxy = await attack(`(t) => { const h = {}; for (const k of ['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'apply', 'construct']) h[k] = (...a) => { pwn('trap ' + k); return Reflect[k](...a); };
      throw new Proxy(new Error('through a proxy'), h); }`);
    noTrace(proxy);
    expect(proxy.ok).toBe(false);
  });

  it('an async rejection with a hostile reason is contained too', async () => {
    const o = await attack(`async (t) => { await null; throw new Proxy({}, { get(_, k) { pwn('async ' + String(k)); return () => 'x'; }, getOwnPropertyDescriptor() { pwn('gopd'); return undefined; } }); }`);
    noTrace(o);
    expect(o.error).toBe('js: the code failed: the code failed');
    const rejected = await attack(`(t) => Promise.reject({ get message() { pwn('reject'); return 'm'; } })`);
    noTrace(rejected);
    expect(rejected.ok).toBe(false);
  });

  it('getters on globals and on Object.prototype are never run by the host', async () => {
    const o = await attack(`(t) => {
      const result = { columns: { x: [1, 2, 3] } };
      // A getter that runs pwn() once per read (not while pwn itself reads globals), then
      // returns the real value.
      let inside = false;
      const hook = (o, k) => {
        const real = o[k];
        try {
          Object.defineProperty(o, k, { get() { if (!inside) { inside = true; try { pwn('getter ' + k); } finally { inside = false; } } return real; }, configurable: true });
        } catch (e) {}
      };
      for (const k of Object.getOwnPropertyNames(globalThis)) hook(globalThis, k);
      for (const k of ['then', 'toJSON', 'message', 'stack', 'name', 'columns', 'ok', 'error', 'logs', 'length']) hook(Object.prototype, k);
      return result;
    }`);
    noTrace(o);
    expect(o.ok).toBe(true);
    expect(o.rows.map((r) => r.x)).toEqual([1, 2, 3]);
  });

  it('a returned thenable, getters and Proxies in the result run inside the sandbox only', async () => {
    const thenable = await attack(`(t) => ({ get then() { pwn('then getter'); return (resolve) => resolve({ columns: { r: [pwn('then')] } }); } })`);
    noTrace(thenable);
    expect(thenable.rows).toEqual([{ r: 'contained' }]);
    const getters = await attack(`(t) => {
      const col = ['a'];
      Object.defineProperty(col, 0, { get() { return pwn('index getter'); } });
      return { get columns() { pwn('columns getter'); return { get r() { pwn('column getter'); return col; } }; } };
    }`);
    noTrace(getters);
    expect(getters.rows).toEqual([{ r: 'contained' }]);
    const proxy = await attack(`(t) => new Proxy({ columns: { r: ['p'] } }, { get(o, k) { pwn('result proxy'); return o[k]; }, getPrototypeOf(o) { pwn('proto trap'); return Object.prototype; } })`);
    noTrace(proxy);
    expect(proxy.rows).toEqual([{ r: 'p' }]);
  });

  it('toJSON, toString and valueOf of logged and returned values run inside only', async () => {
    const o = await attack(`(t) => {
      console.log({ toJSON() { return pwn('toJSON'); } }, { toString() { return pwn('toString'); } });
      return { columns: { r: [{ valueOf() { pwn('valueOf'); return 1; }, toString() { pwn('toString'); return 'x'; } }] } };
    }`);
    noTrace(o);
    expect(o.error).toMatch(/column "r", row 1: object values cannot go in a table/);
    const logged = await attack(`(t) => { console.log({ toJSON() { return pwn('toJSON'); } }); return { columns: { r: [1] } }; }`);
    noTrace(logged);
    expect(logged.logs).toEqual(['"contained"']);
  });

  it('import(), require, WebAssembly and blocking Atomics are not there', async () => {
    const o = await attack(`async (t) => {
      const r = [];
      for (const m of ['fs', 'node:child_process', 'worker_threads', '/etc/passwd', 'data:text/javascript,export default 1']) {
        try { const mod = await import(m); r.push('imported ' + m); try { mod.writeFileSync(${JSON.stringify(MARK)}, 'x'); } catch (e) {} } catch (e) { r.push('no'); }
      }
      r.push(typeof require, typeof WebAssembly, typeof module, typeof exports);
      try { Atomics.wait(new Int32Array(new SharedArrayBuffer(16)), 0, 0, 1e9); r.push('waited'); } catch (e) { r.push('no-wait'); }
      try { const s = new SharedArrayBuffer(3 * 2 ** 30); r.push('sab ' + s.byteLength); } catch (e) { r.push('no-sab'); }
      return { columns: { r } };
    }`);
    noTrace(o);
    expect(o.rows.map((r) => r.r)).toEqual(['no', 'no', 'no', 'no', 'no', 'undefined', 'undefined', 'undefined', 'undefined', 'no-wait', 'no-sab']);
  });

  it('the environment is not readable: no process.env, no /proc/self/environ', async () => {
    const o = await attack(`(t) => {
      const r = [];
      try { r.push(String(process.env.PW_SANDBOX_SECRET)); } catch (e) { r.push('no-process'); }
      try { r.push(String(globalThis.process)); } catch (e) { r.push('no'); }
      return { columns: { r } };
    }`);
    noTrace(o);
    expect(o.rows.map((r) => r.r)).toEqual(['no-process', 'undefined']);
  });

  it('returned __proto__ / constructor keys do not pollute the host', async () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const o = await attack(`(t) => {
      const columns = JSON.parse('{"__proto__": [1, 2], "constructor": [3, 4], "polluted": [5, 6]}');
      const rows = fromRows(JSON.parse('[{"__proto__": {"polluted": "yes"}, "a": 1}, {"a": 2, "toString": "x"}]'));
      return { columns: { ...columns, a: rows.columns.a } };
    }`);
    noTrace(o);
    expect(o.ok).toBe(true);
    expect(o.columns).toEqual(['__proto__', 'constructor', 'polluted', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
  });

  it('memory: 3 GB of Float64Array, huge strings and huge arrays stop at the limit, which is named', async () => {
    const typed = await attack(`(t) => { const keep = []; for (let i = 0; i < 30; i++) keep.push(new Float64Array(12.5e6)); return { columns: { n: [keep.length] } }; }`, {
      timeoutMs: 120_000,
    });
    noTrace(typed);
    expect(typed.error).toMatch(/^js: the code failed: the code ran out of memory \(limit 512 MB, hit after \d+ ms, while running the code\)$/);
    const text = await attack(`(t) => { let s = 'xxxxxxxx'; for (;;) s = s + s + '.'; }`, { timeoutMs: 120_000 });
    noTrace(text);
    expect(text.error).toMatch(/ran out of memory \(limit 512 MB|InternalError: string too long/);
    const sparse = await attack(`(t) => ({ columns: { x: new Array(2 ** 31) } })`, { timeoutMs: 120_000 });
    noTrace(sparse);
    expect(sparse.error).toMatch(/column "x" has 2147483648 values: more than the sandbox can hold/);
  }, 300_000);

  it('deep recursion, direct or through getters, JSON and Proxies, ends in an error, not a crash', async () => {
    for (const body of [
      `(t) => { const f = (n) => f(n + 1) + 1; return f(0); }`,
      `(t) => { const o = {}; Object.defineProperty(o, 'x', { get() { return this.x; } }); return o.x; }`,
      `(t) => { const a = []; let o = a; for (let i = 0; i < 1e5; i++) o = o[0] = []; return { columns: { s: [String(a).length] } }; }`,
      `(t) => eval('('.repeat(1e5) + '1' + ')'.repeat(1e5))`,
      `(t) => { const p = new Proxy({}, { get(o, k, r) { return r[k]; } }); return p.x; }`,
      `(t) => { const o = { toString() { return String(this); } }; console.log(String(o)); }`,
    ]) {
      const o = await attack(body, { timeoutMs: 60_000 });
      noTrace(o);
      expect(o.error).toMatch(/InternalError: stack overflow \(line \d+, column \d+\)$|the code overflowed the stack while running the code/);
    }
  });

  it('time: loops in code, getters, toJSON and promise jobs stop at the limit, which is named; catch cannot hold it', async () => {
    const cases: [string, RegExp][] = [
      [`(t) => { for (;;) { try { for (;;) {} } catch (e) {} } }`, /while running the code\)$/],
      [`(t) => ({ columns: { get r() { for (;;) {} } } })`, /while collecting the result\)$/],
      [`(t) => { console.log({ toJSON() { for (;;) {} } }); }`, /while running the code\)$/],
      [`async (t) => { for (;;) await null; }`, /while waiting for the code’s promise\)$/],
      [`(t) => ({ then(resolve) { Promise.resolve().then(function again() { return Promise.resolve().then(again); }); } })`, /while waiting for the code’s promise\)$/],
      [`(t) => /(a+)+$/.test('a'.repeat(40) + 'b')`, /while running the code\)$/],
    ];
    for (const [body, where] of cases) {
      const o = await attack(body, { timeoutMs: 400 });
      noTrace(o);
      expect(o.error).toMatch(/^js: the code failed: the code did not finish within 400 ms \(time limit hit after (\d+) ms, while /);
      expect(Number(/after (\d+) ms/.exec(o.error)![1])).toBeGreaterThanOrEqual(400);
      expect(o.error).toMatch(where);
    }
  });

  it('a built-in that runs long in C, out of the interpreter\'s reach, is stopped by the parent', async () => {
    // JSON.stringify checks nesting with a linear scan: quadratic, and it never returns to the
    // interrupt check; the parent terminates the worker shortly after the limit.
    const o = await attack(`(t) => { let o = {}; for (let i = 0; i < 1e5; i++) o = { o }; return { columns: { s: [JSON.stringify(o).length] } }; }`, { timeoutMs: 1000 });
    noTrace(o);
    expect(o.error).toMatch(/^js: the code failed: the code did not finish within 1000 ms \(|^js: the code did not finish within 1000 ms \(the sandbox did not stop by itself and was terminated after \d+ ms\)$/);
  });

  it('a promise that can never settle fails at once, saying so (not "within the limit")', async () => {
    for (const body of [`(t) => new Promise(() => {})`, `(t) => ({ then() {} })`, `async (t) => { await new Promise(() => {}); }`]) {
      const o = await attack(body, { timeoutMs: 60_000 });
      noTrace(o);
      expect(o.error).toMatch(/^js: the code failed: the code's promise never settled: nothing was left to run after (\d+) ms \(the sandbox has no timers or I\/O; the time limit was 60000 ms\)$/);
      expect(Number(/after (\d+) ms/.exec(o.error)![1])).toBeLessThan(60_000);
    }
  });

  it('results that are not plain data are refused with a message', async () => {
    const cases: [string, RegExp][] = [
      [`(t) => ({ columns: { f: [() => 1] } })`, /column "f", row 1: function values cannot go in a table/],
      [`(t) => ({ columns: { s: [Symbol('x')] } })`, /column "s", row 1: symbol values/],
      [`(t) => ({ columns: { b: [1n] } })`, /column "b", row 1: bigint values/],
      [`(t) => ({ columns: { d: [new Date(0)] } })`, /column "d", row 1: object values/],
      [`(t) => ({ columns: { s: 'abc' } })`, /column "s" is not an array/],
      [`(t) => ({ columns: { l: { length: 3, 0: 1 } } })`, /column "l" is not an array/],
      [`(t) => ({ columns: {} })`, /the returned table has no columns/],
      [`(t) => 'text'`, /must return a table/],
      [`(t) => ({ ok: true, columns: [{ name: 'pwned', numeric: true, values: [1] }], logs: ['fake success'] })`, /column "0" is not an array/],
    ];
    for (const [body, message] of cases) {
      const o = await attack(body);
      noTrace(o);
      expect(o.error).toMatch(message);
    }
  });

  it('code that closes the function expression early still runs only inside, under the limits', async () => {
    ctx.logs.length = 0;
    const src = `0), (function () { ${PWN.replace(/\n/g, ' ')}; pwn('early'); for (;;) {} })(`;
    const o = await runNode(code, ctx, { table: small }, { code: src, timeoutMs: 400 }).then(
      () => ({ ok: true, error: '', rows: [], columns: [], logs: [] }),
      (e: Error) => ({ ok: false, error: e.message, rows: [], columns: [], logs: ctx.logs.map((l) => l.message) }),
    );
    noTrace(o);
    expect(o.error).toMatch(/did not finish within 400 ms \(time limit hit after \d+ ms, while running the code\)$/);
  });

  it('a huge error message is cut before it reaches the project file', async () => {
    const o = await attack(`(t) => { throw new Error('x'.repeat(5e7)); }`, { timeoutMs: 60_000 });
    noTrace(o);
    expect(o.error.length).toBeLessThan(2200);
    expect(o.error).toMatch(/… \(message truncated at 2000 characters\)/);
  });

  it('a fake success message does not make a failed node succeed', async () => {
    const o = await attack(`(t) => { console.log('features.code succeeded: 3 rows'); pwn('fake'); throw new Error('real failure'); }`);
    noTrace(o);
    expect(o.ok).toBe(false);
    expect(o.error).toMatch(/^js: the code failed: real failure \(line \d+, column \d+\)$/);
    expect(o.logs).toEqual([]);
  });

  it('console output is capped per line and per node, with a truncated note', async () => {
    const o = await attack(`(t) => {
      const big = 'x'.repeat(1e6);
      for (let i = 0; i < 200; i++) console.log(big);
      for (let i = 0; i < 100000; i++) console.log('line', i);
      return { columns: { n: [1] } };
    }`, { timeoutMs: 60_000 });
    noTrace(o);
    expect(o.ok).toBe(true);
    const total = o.logs.reduce((s, l) => s + l.length, 0);
    expect(total).toBeLessThan(210_000);
    expect(o.logs.length).toBeLessThanOrEqual(1001);
    expect(o.logs[0]).toMatch(/^x{2000} … \(line truncated at 2000 characters\)$/);
    expect(o.logs.at(-1)).toMatch(/^… \d+ more log lines truncated \(a node keeps at most 1000 lines and 200000 characters\)$/);
  });

  it('cancellation ends a run that would loop for a minute', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('cancelled by the test')), 300);
    const o = await attack(`(t) => { for (;;) {} }`, { timeoutMs: 60_000, signal: controller.signal });
    noTrace(o);
    expect(o.error).toMatch(/cancelled by the test/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('still does its job on a real table after all that', async () => {
    const o = await attack(`(t) => ({ columns: { ...t.columns, area: t.columns.petal_length.map((l, i) => l * t.columns.petal_width[i]), who: t.rows().map(() => pwn('rows')) } })`, {
      table: iris,
    });
    noTrace(o);
    expect(o.rows).toHaveLength(150);
    expect(new Set(o.rows.map((r) => r.who))).toEqual(new Set(['contained']));
  });
});
