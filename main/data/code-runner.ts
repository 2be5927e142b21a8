/**
 * Starts the features.code worker (main/data/code-worker.ts; dist/code-worker.cjs once built),
 * hands it the table's columns and the limits, and enforces what only the parent can: a
 * wall-clock backstop (terminate) in case the sandbox's own deadline cannot fire, and
 * cancellation. The security boundary is the QuickJS runtime inside the worker, not the worker.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ColumnData } from '../../nodes/types';
import { NodeError } from '../../nodes/types';
import type { CodeColumn, CodeMessage, CodeRequest, CodeResponse } from './code-worker';

const MB = 2 ** 20;
/** WebAssembly memory (32-bit) ends at 2 GB: the table copied in, the limit and some room must fit. */
const WASM_BYTES = 2048 * MB;

/**
 * The sandbox's memory limit: 8× the table (the arrays the function sees, its result, copies),
 * at least 512 MB, and whatever the 2 GB WebAssembly memory leaves once the table is in.
 */
export function memoryLimitFor(input: ColumnData[]): { limit: number; tableBytes: number } {
  let tableBytes = 0;
  for (const c of input) {
    if (c.numeric) tableBytes += c.values.length * 8;
    else for (const v of c.values as (string | null)[]) tableBytes += v === null ? 5 : v.length * 3 + 3;
  }
  const ceiling = WASM_BYTES - 3 * tableBytes - 128 * MB;
  return { limit: Math.min(ceiling, Math.max(512 * MB, 8 * tableBytes)), tableBytes };
}

/** Where the worker script is: bundled next to this file in dist/, or the TypeScript source run through tsx. */
function workerScript(): { script: string; eval: boolean } {
  const here = typeof __dirname === 'string' ? __dirname : join(process.cwd(), 'main', 'data');
  const bundled = [join(here, 'code-worker.cjs'), join(here, '..', '..', 'dist', 'code-worker.cjs')];
  const source = join(here, 'code-worker.ts');
  // From the sources (tests, tsx) the worker is TypeScript: load it through tsx's require hook.
  if (!existsSync(bundled[0]) && existsSync(source)) {
    return { script: `require('tsx/cjs'); require(${JSON.stringify(source)});`, eval: true };
  }
  const found = bundled.find((f) => existsSync(f));
  if (!found) throw new Error(`the features.code worker was not found next to ${here}; run npm run build`);
  return { script: found, eval: false };
}

export interface CodeRunResult {
  columns: ColumnData[];
  logs: string[];
}

export async function runCodeInWorker(
  code: string,
  input: ColumnData[],
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<CodeRunResult> {
  options.signal?.throwIfAborted();
  const rows = input.length ? input[0].values.length : 0;
  const { limit, tableBytes } = memoryLimitFor(input);
  if (limit < 256 * MB) {
    throw new NodeError(
      `the table is too large for features.code (about ${Math.round(tableBytes / MB)} MB; the sandbox's 2 GB memory holds tables up to about 500 MB): use data.sql or a smaller table`,
    );
  }
  const { script, eval: isEval } = workerScript();
  // The host side of the worker holds the table a few times over (in, JSON, out).
  const heapMb = Math.min(8192, Math.max(256, Math.ceil((tableBytes * 6) / MB)));
  const worker = new Worker(script, {
    eval: isEval,
    env: {},
    argv: [],
    execArgv: [],
    stdout: true,
    stderr: true,
    // The native stack is several times QuickJS's own limit, so the interpreter reports a
    // stack overflow before the host's stack runs out.
    resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 64, stackSizeMb: 8 },
  });
  const request: CodeRequest = {
    code,
    timeoutMs: options.timeoutMs,
    memoryLimit: limit,
    rows,
    columns: input.map((c): CodeColumn => ({ name: c.name, numeric: c.numeric, values: c.values })),
  };
  try {
    const res = await new Promise<CodeResponse>((resolve, reject) => {
      let done = false;
      const finish = (f: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        f();
      };
      // The sandbox has its own deadline (checked by the interpreter, also in promise jobs);
      // this backstop is for when it cannot fire: a single built-in running long in C (say
      // JSON.stringify of a deeply nested object) never returns to the interpreter's check.
      // Loading QuickJS and copying the table in get a generous allowance of their own; the
      // user's time limit starts when the worker says the code starts.
      const stop = (ms: number, what: () => string) => setTimeout(() => finish(() => reject(new NodeError(what()))), ms);
      const setup = 60_000 + Math.ceil(tableBytes / MB) * 1000;
      let timer = stop(setup, () => `the code worker did not get the table ready within ${Math.round(setup / 1000)} s`);
      const onMessage = (m: CodeMessage) => {
        if (m.kind === 'done') {
          finish(() => resolve(m.response));
          return;
        }
        clearTimeout(timer);
        const begun = Date.now();
        timer = stop(
          options.timeoutMs + 3000,
          () => `the code did not finish within ${options.timeoutMs} ms (the sandbox did not stop by itself and was terminated after ${Date.now() - begun} ms)`,
        );
      };
      worker.on('message', onMessage);
      const onAbort = () => finish(() => reject(options.signal?.reason ?? new Error('cancelled')));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      worker.once('error', (e: Error & { code?: string }) =>
        finish(() =>
          reject(
            e.code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? new NodeError(`the code worker ran out of memory on the host side (limit ${heapMb} MB)`)
              : new NodeError(`the code worker failed: ${e.message}`),
          ),
        ),
      );
      worker.once('exit', (c) => finish(() => reject(new NodeError(`the code worker exited (code ${c}) without an answer`))));
      // Numeric columns are copied, not transferred: the caller may still use its arrays.
      worker.postMessage(request);
    });
    if (!res.ok) {
      const where = res.line !== undefined ? ` (line ${res.line}${res.column !== undefined ? `, column ${res.column}` : ''})` : '';
      throw new NodeError(`the code failed: ${res.error}${where}`, res.line !== undefined ? { line: res.line } : undefined);
    }
    const byName = new Map(input.map((c) => [c.name, c]));
    const columns = res.columns.map((c): ColumnData => {
      // A column that keeps its name and kind keeps its declared type (INTEGER, DATE, ...).
      const before = byName.get(c.name);
      if (c.numeric) return { name: c.name, type: before?.numeric ? before.type : 'DOUBLE', numeric: true, values: c.values as Float64Array };
      return { name: c.name, type: before && !before.numeric ? before.type : 'VARCHAR', numeric: false, values: c.values as (string | null)[] };
    });
    return { columns, logs: res.logs };
  } finally {
    await worker.terminate();
  }
}
