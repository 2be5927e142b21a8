/**
 * Starts the features.code worker (main/data/code-worker.ts; dist/code-worker.cjs once built),
 * hands it the table's columns and enforces the limits the sandbox cannot: wall-clock time
 * (terminate), memory (resourceLimits) and cancellation.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ColumnData } from '../../nodes/types';
import { NodeError } from '../../nodes/types';
import type { CodeColumn, CodeRequest, CodeResponse } from './code-worker';

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
  const { script, eval: isEval } = workerScript();
  // Room for the table a few times over (the JS arrays the function sees, its result, copies).
  const bytes = input.reduce((s, c) => s + (c.numeric ? c.values.length * 8 : c.values.length * 40), 0);
  const heapMb = Math.min(8192, Math.max(512, Math.ceil((bytes * 8) / 2 ** 20)));
  const worker = new Worker(script, {
    eval: isEval,
    env: {},
    stdout: true,
    stderr: true,
    resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 64, stackSizeMb: 4 },
  });
  const request: CodeRequest = {
    code,
    timeoutMs: options.timeoutMs,
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
      // The sandbox has its own time limit; this one also covers stuck async code. It starts once
      // the worker is up, so a slow start on a busy machine is not charged to the user's code.
      const stop = (ms: number, what: string) => setTimeout(() => finish(() => reject(new NodeError(what))), ms);
      let timer = stop(60_000, 'the code worker did not start within 60 s');
      worker.once('online', () => {
        clearTimeout(timer);
        timer = stop(options.timeoutMs + 2000, `the code did not finish within ${options.timeoutMs} ms (stopped)`);
      });
      const onAbort = () => finish(() => reject(options.signal?.reason ?? new Error('cancelled')));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      worker.once('message', (m: CodeResponse) => finish(() => resolve(m)));
      worker.once('error', (e: Error & { code?: string }) =>
        finish(() =>
          reject(
            e.code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? new NodeError(`the code ran out of memory (limit ${heapMb} MB)`)
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
