/**
 * features.code runs here: in a worker thread of its own (bundled to dist/code-worker.cjs) that
 * hosts QuickJS compiled to WebAssembly (quickjs-emscripten). The security boundary is that
 * interpreter, not the thread: the user's code runs inside a QuickJS runtime whose whole world is
 * the WebAssembly module's linear memory. It has the standard JavaScript built-ins and nothing
 * else: no host function, object or prototype is ever put into it (we register no host
 * functions, no module loader and no timers), so there is nothing to climb out through.
 *
 * Data crosses only as copies of plain data: numbers as Float64Array bytes, text as one JSON
 * string, in both directions. The host never reads a property of a value the code made; it only
 * calls the prelude's closures (code-sandbox.prelude.ts), which return strings and ArrayBuffers,
 * and checks their type before reading them. Getters, `then`, `toJSON`, `toString` and Proxy
 * traps of the code's values therefore only ever run inside the sandbox, under its limits.
 *
 * Limits: a memory limit on the runtime's allocator (every object, string, ArrayBuffer and typed
 * array), a stack limit, and a deadline checked by QuickJS's interrupt handler, which also runs
 * while the promise jobs the host drives run; the parent thread also terminates the worker if it
 * does not answer in time (and on cancellation).
 */
import { parentPort } from 'node:worker_threads';
import variant from '@jitl/quickjs-wasmfile-release-sync';
import { newQuickJSWASMModuleFromVariant, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime, type QuickJSWASMModule } from 'quickjs-emscripten-core';
import { CODE_FILENAME, LOG_LINE_CHARS, LOG_NODE_CHARS, LOG_NODE_LINES, PRELUDE } from './code-sandbox.prelude';

export interface CodeColumn {
  name: string;
  numeric: boolean;
  values: Float64Array | (string | null)[];
}

export interface CodeRequest {
  code: string;
  timeoutMs: number;
  /** The runtime's memory limit, in bytes. */
  memoryLimit: number;
  rows: number;
  columns: CodeColumn[];
}

export type CodeResponse =
  | { ok: true; columns: CodeColumn[]; logs: string[]; ms: number }
  | { ok: false; error: string; line?: number; column?: number; ms: number };

/** What the worker posts: `started` when the user's code starts, then one `done`. */
export type CodeMessage = { kind: 'started' } | { kind: 'done'; response: CodeResponse };

/** QuickJS's own stack limit; the worker's native stack (code-runner.ts) is several times this. */
export const SANDBOX_STACK_BYTES = 1 << 20;

type Phase = 'reading the table' | 'running the code' | 'waiting for the code’s promise' | 'collecting the result';

interface Failure {
  error: string;
  line?: number;
  column?: number;
}

/** Ends a run with a message for the user. */
class SandboxStop extends Error {
  constructor(readonly failure: Failure) {
    super(failure.error);
  }
}

let modulePromise: Promise<QuickJSWASMModule> | undefined;

/** Loads QuickJS (about 1 MB of WebAssembly) once per worker. */
export function loadQuickJS(): Promise<QuickJSWASMModule> {
  modulePromise ??= newQuickJSWASMModuleFromVariant(variant);
  return modulePromise;
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

/**
 * Runs the request. `onStart` is called when the user's code is about to run (the table is in):
 * the time limit counts from there, and the parent arms its backstop then.
 */
export async function runInSandbox(req: CodeRequest, onStart?: () => void): Promise<CodeResponse> {
  const quickjs = await loadQuickJS();
  let started = Date.now();
  // Copying the table in is this module's own code and cannot loop; it is not charged to the
  // user's time limit (a slow, loaded machine must not fail a 3-row table at 400 ms).
  let deadline = Number.POSITIVE_INFINITY;
  let phase: Phase = 'reading the table';
  let interruptedAt: number | undefined;
  const rt: QuickJSRuntime = quickjs.newRuntime();
  rt.setMemoryLimit(req.memoryLimit);
  rt.setMaxStackSize(SANDBOX_STACK_BYTES);
  rt.setInterruptHandler(() => {
    if (interruptedAt !== undefined) return true;
    if (Date.now() <= deadline) return false;
    interruptedAt = Date.now();
    return true;
  });
  const vm: QuickJSContext = rt.newContext();
  const handles: QuickJSHandle[] = [];
  const keep = (h: QuickJSHandle) => (handles.push(h), h);
  const ms = () => Date.now() - started;

  const timeUp = () =>
    `the code did not finish within ${req.timeoutMs} ms (time limit hit after ${(interruptedAt ?? Date.now()) - started} ms, while ${phase})`;
  const outOfMemory = () => `the code ran out of memory (limit ${mb(req.memoryLimit)} MB, hit after ${ms()} ms, while ${phase})`;

  /** Turns an exception handle into a message, asking the prelude (never reading it here). */
  const explain = (err: QuickJSHandle, describe: QuickJSHandle | undefined): Failure => {
    if (interruptedAt !== undefined) return { error: timeUp() };
    if (!describe) return { error: `the code failed while ${phase}` };
    // A little room to describe an error that was thrown because the limit was reached.
    rt.setMemoryLimit(req.memoryLimit + 32 * 2 ** 20);
    const r = vm.callFunction(describe, vm.undefined, err);
    if (r.error) {
      r.error.dispose();
      return { error: interruptedAt !== undefined ? timeUp() : `the code failed while ${phase}` };
    }
    const text = stringOf(r.value);
    r.value.dispose();
    const d = text === undefined ? undefined : (JSON.parse(text) as { message?: unknown; line?: unknown; column?: unknown; outOfMemory?: unknown });
    if (!d || typeof d.message !== 'string') return { error: `the code failed while ${phase}` };
    if (d.outOfMemory === true) return { error: outOfMemory() };
    // The message is the code's own text: cut like a log line, it goes into the project file.
    const message = d.message.length > LOG_LINE_CHARS ? `${d.message.slice(0, LOG_LINE_CHARS)} … (message truncated at ${LOG_LINE_CHARS} characters)` : d.message;
    return typeof d.line === 'number'
      ? { error: message, line: d.line, ...(typeof d.column === 'number' ? { column: d.column } : {}) }
      : { error: message };
  };

  /** A string the sandbox returned; anything else (checked by its tag, not read) is refused. */
  const stringOf = (h: QuickJSHandle): string | undefined => (vm.typeof(h) === 'string' ? vm.getString(h) : undefined);

  let describe: QuickJSHandle | undefined;
  let broken = false;
  try {
    const api = vm.evalCode(PRELUDE, 'prelude');
    if (api.error) throw new SandboxStop(explain(keep(api.error), undefined));
    keep(api.value);
    const fn = (name: string) => keep(vm.getProp(api.value, name));
    describe = fn('describe');
    const [build, invoke, finish, numeric, state, failure] = ['build', 'invoke', 'finish', 'numeric', 'state', 'failure'].map(fn);

    const fail = (h: QuickJSHandle): never => {
      throw new SandboxStop(explain(keep(h), describe));
    };
    const callApi = (f: QuickJSHandle, ...args: QuickJSHandle[]): QuickJSHandle => {
      const r = vm.callFunction(f, vm.undefined, ...args);
      return r.error ? fail(r.error) : keep(r.value);
    };

    // The table goes in as one JSON string (names, text columns, where numeric columns have
    // nulls) and one ArrayBuffer of float64 per numeric column.
    const numericCols = req.columns.filter((c) => c.numeric);
    const nulls = numericCols.map((c) => {
      const v = c.values as Float64Array;
      const at: number[] = [];
      for (let i = 0; i < v.length; i++) if (v[i] !== v[i]) at.push(i);
      return at;
    });
    const meta = JSON.stringify({ names: req.columns.map((c) => c.name), text: req.columns.map((c) => (c.numeric ? null : c.values)), nulls });
    const buffers = numericCols.map((c) => {
      const v = c.values as Float64Array;
      return keep(vm.newArrayBuffer(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)));
    });
    callApi(build, keep(vm.newNumber(req.rows)), keep(vm.newString(meta)), ...buffers);

    phase = 'running the code';
    started = Date.now();
    deadline = started + Math.max(1, req.timeoutMs);
    onStart?.();
    // The function expression is compiled alone so its line numbers are the user's own.
    const compiled = vm.evalCode(`(${req.code}\n)`, CODE_FILENAME);
    const userFn = compiled.error ? fail(compiled.error) : keep(compiled.value);
    const status = callApi(invoke, userFn);
    let st = stringOf(status);
    if (st === 'pending') {
      phase = 'waiting for the code’s promise';
      // Only the host runs promise jobs, and only until the deadline (the interrupt handler
      // stops a job that loops). No timers or I/O exist inside, so once no job is left a
      // pending promise can never settle.
      for (;;) {
        const jobs = rt.executePendingJobs(-1);
        if (jobs.error) fail(jobs.error);
        else jobs.dispose();
        // An interrupt inside a promise job becomes that job's rejection, which the code could
        // even see: once the deadline has passed, nothing it did afterwards counts.
        if (interruptedAt !== undefined) throw new SandboxStop({ error: timeUp() });
        st = stringOf(callApi(state));
        if (st !== 'pending') break;
        if (!rt.hasPendingJob()) {
          throw new SandboxStop({
            error: `the code's promise never settled: nothing was left to run after ${ms()} ms (the sandbox has no timers or I/O; the time limit was ${req.timeoutMs} ms)`,
          });
        }
      }
    }
    if (st === 'rejected') fail(callApi(failure));
    if (st !== 'returned') throw new SandboxStop({ error: 'internal: the sandbox reported no result' });

    phase = 'collecting the result';
    const metaOut = stringOf(callApi(finish));
    if (interruptedAt !== undefined) throw new SandboxStop({ error: timeUp() });
    if (metaOut === undefined) throw new SandboxStop({ error: 'internal: the sandbox returned a malformed result' });
    return { ok: true, ...readResult(vm, metaOut, (j) => callApi(numeric, keep(vm.newNumber(j)))), ms: ms() };
  } catch (e) {
    if (e instanceof SandboxStop) return { ok: false, ...e.failure, ms: ms() };
    // A failure of the WebAssembly machine itself (the native stack, deep in a built-in that
    // recurses in C, or a trap): this module instance is no longer usable. The worker is thrown
    // away after this answer; in this thread, the next run loads a fresh one.
    broken = true;
    modulePromise = undefined;
    const message = e instanceof Error ? e.message : String(e);
    if (interruptedAt !== undefined) return { ok: false, error: timeUp(), ms: ms() };
    if (/call stack|stack overflow/i.test(message)) return { ok: false, error: `the code overflowed the stack while ${phase} (after ${ms()} ms)`, ms: ms() };
    if (/allocate|memory/i.test(message)) return { ok: false, error: outOfMemory(), ms: ms() };
    return { ok: false, error: `the sandbox stopped while ${phase}: ${message}`, ms: ms() };
  } finally {
    if (!broken) {
      try {
        for (const h of handles.reverse()) if (h.alive) h.dispose();
        vm.dispose();
        rt.dispose();
      } catch {
        // QuickJS asserts, when a runtime is freed, that none of its objects is still alive; code
        // interrupted at the time limit can leave some (a pending job's closure), and the assertion
        // aborts this WebAssembly instance. The answer above stands; the next run loads a fresh
        // instance instead of reusing an aborted one.
        modulePromise = undefined;
      }
    }
  }
}

/** Checks and copies the result the prelude produced: plain JSON and float64 bytes only. */
function readResult(vm: QuickJSContext, metaJson: string, numericAt: (j: number) => QuickJSHandle): { columns: CodeColumn[]; logs: string[] } {
  const bad = (what: string): never => {
    throw new SandboxStop({ error: `internal: the sandbox returned a malformed ${what}` });
  };
  const meta = JSON.parse(metaJson) as { names?: unknown; kinds?: unknown; text?: unknown; logs?: unknown };
  const { names, kinds, text, logs } = meta;
  if (!Array.isArray(names) || !Array.isArray(kinds) || !Array.isArray(text) || !Array.isArray(logs)) return bad('result');
  let rows = -1;
  let numericIndex = 0;
  const columns = names.map((name: unknown, j): CodeColumn => {
    if (typeof name !== 'string') return bad('column name');
    let values: CodeColumn['values'];
    if (kinds[j] === 1) {
      const h = numericAt(numericIndex++);
      if (vm.typeof(h) !== 'object') return bad('numeric column');
      let bytes;
      try {
        bytes = vm.getArrayBuffer(h);
      } catch {
        return bad('numeric column');
      }
      try {
        if (bytes.value.byteLength % 8 !== 0) return bad('numeric column');
        values = new Float64Array(bytes.value.slice().buffer);
      } finally {
        bytes.dispose();
      }
    } else {
      const v = text[j] as unknown;
      if (!Array.isArray(v) || !v.every((x) => x === null || typeof x === 'string')) return bad('text column');
      values = v as (string | null)[];
    }
    if (rows < 0) rows = values.length;
    else if (values.length !== rows) bad('column length');
    return { name, numeric: kinds[j] === 1, values };
  });
  return { columns, logs: capLogs(logs) };
}

/** The log caps again, on this side: the sandbox's own copy of them is only a courtesy. */
export function capLogs(lines: unknown[]): string[] {
  const out: string[] = [];
  let chars = 0;
  let dropped = 0;
  for (const l of lines) {
    if (typeof l !== 'string') continue;
    if (out.length >= LOG_NODE_LINES + 1 || chars >= LOG_NODE_CHARS + 200) {
      dropped++;
      continue;
    }
    const line = l.length > LOG_LINE_CHARS + 200 ? `${l.slice(0, LOG_LINE_CHARS)} … (line truncated at ${LOG_LINE_CHARS} characters)` : l;
    out.push(line);
    chars += line.length;
  }
  if (dropped > 0) out.push(`… ${dropped} more log lines truncated (a node keeps at most ${LOG_NODE_LINES} lines and ${LOG_NODE_CHARS} characters)`);
  return out;
}

if (parentPort) {
  const port = parentPort;
  port.once('message', (req: CodeRequest) => {
    void runInSandbox(req, () => port.postMessage({ kind: 'started' } satisfies CodeMessage))
      .catch((e: unknown): CodeResponse => ({ ok: false, error: e instanceof Error ? e.message : String(e), ms: 0 }))
      .then((response) => {
        const transfer = response.ok ? response.columns.filter((c) => c.numeric).map((c) => (c.values as Float64Array).buffer as ArrayBuffer) : [];
        port.postMessage({ kind: 'done', response } satisfies CodeMessage, transfer);
      });
  });
}
