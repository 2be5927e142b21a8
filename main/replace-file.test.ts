import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { replaceFile } from './replace-file';

const dir = mkdtempSync(join(tmpdir(), 'pw-replace-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A reader on another thread reads the file over and over while this thread writes the same
 * content to it again and again (as a second node producing the same JSON does while the
 * recorder stores the first): it counts the reads that were not the whole content.
 */
async function partialReads(write: (text: string) => void): Promise<{ reads: number; partial: number }> {
  const text = JSON.stringify({ scalars: Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`metric${i}`, i / 7])) });
  const path = join(dir, 'same.json');
  writeFileSync(path, text);
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const reader = new Worker(
    `const { readFileSync } = require('node:fs');
     const { workerData, parentPort } = require('node:worker_threads');
     const stop = new Int32Array(workerData.stop);
     let reads = 0, partial = 0;
     parentPort.postMessage('ready');
     while (Atomics.load(stop, 0) === 0) { reads++; if (readFileSync(workerData.path, 'utf8') !== workerData.text) partial++; }
     parentPort.postMessage({ reads, partial });`,
    { eval: true, workerData: { path, text, stop: stop.buffer } },
  );
  let ready: () => void = () => {};
  const started = new Promise<void>((r) => (ready = r));
  const done = new Promise<{ reads: number; partial: number }>((resolve, reject) => {
    reader.on('message', (m) => (m === 'ready' ? ready() : resolve(m as { reads: number; partial: number })));
    reader.on('error', reject);
  });
  await started;
  const until = performance.now() + 400;
  while (performance.now() < until) write(text);
  Atomics.store(stop, 0, 1);
  const result = await done;
  await reader.terminate();
  return result;
}

describe('replaceFile', () => {
  it('never shows a reader a part of the file while the same content is written again', async () => {
    const { reads, partial } = await partialReads((text) => replaceFile(join(dir, 'same.json'), text));
    expect(reads).toBeGreaterThan(100);
    expect(partial).toBe(0);
    // no temporary file is left behind
    expect(readdirSync(dir)).toEqual(['same.json']);
  });
});
