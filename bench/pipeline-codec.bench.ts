/**
 * The pipeline file codec: load (parse + validate), canonical write, and refusal of hostile
 * input. Targets (issue 2): a 1 KB alias bomb refused in well under 100 ms; loading and writing
 * an ordinary pipeline far below what an editor keystroke can notice (~16 ms).
 *
 * Run: npx tsx bench/pipeline-codec.bench.ts
 */
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createChecker } from '../nodes/checker';
import { registry } from '../nodes/registry';
import { loadPipeline, MAX_PIPELINE_BYTES, parsePipelineText, serializePipeline, type Pipeline } from '../shared/pipeline';

const root = join(__dirname, '..');
const checker = createChecker(registry);

function median(fn: () => unknown, runs: number): number {
  for (let i = 0; i < Math.min(5, runs); i++) fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const row = (label: string, ms: number, extra = '') => console.log(`${label.padEnd(44)} ${ms.toFixed(3).padStart(10)} ms${extra ? `  ${extra}` : ''}`);

console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} (timings scale with it)`);

const exDir = join(root, 'resources/examples');
for (const f of readdirSync(exDir).filter((x) => x.endsWith('.pipeline.yaml'))) {
  const text = readFileSync(join(exDir, f), 'utf8');
  const p = loadPipeline(text, checker).pipeline as Pipeline;
  row(`load ${f}`, median(() => loadPipeline(text, checker), 50), `${text.length} bytes`);
  row(`write ${f} (with previous text)`, median(() => serializePipeline(p, text), 50));
}

// A large but realistic graph: 200 chained nodes with params, inputs and layout.
const big: string[] = ['apiVersion: pipewright/v1', 'kind: Pipeline', 'metadata:', '  name: big', 'params:', '  seed: 1', 'nodes:', '  n0:', '    type: data.csv', '    params:', '      path: a.csv'];
for (let i = 1; i < 200; i++) {
  big.push(`  n${i}:`, '    type: features.split', '    inputs:', `      table: n${i - 1}.train`, '    params:', '      testFraction: 0.2', '      seed: ${params.seed}');
}
big[big.indexOf('      table: n0.train')] = '      table: n0.table';
big.push('layout:', ...Array.from({ length: 200 }, (_, i) => `  n${i}: { x: ${i * 10}, y: 0 }`));
const bigText = `${big.join('\n')}\n`;
const bigP = loadPipeline(bigText, checker);
if (bigP.errors.length) throw new Error(JSON.stringify(bigP.errors.slice(0, 3)));
row('load 200-node pipeline', median(() => loadPipeline(bigText, checker), 20), `${bigText.length} bytes`);
row('write 200-node pipeline', median(() => serializePipeline(bigP.pipeline as Pipeline), 20));
row('write 200-node pipeline (with previous text)', median(() => serializePipeline(bigP.pipeline as Pipeline, bigText), 20));

const bomb = readFileSync(join(root, 'test/fixtures/bad/alias-bomb.pipeline.yaml'), 'utf8');
const bombMs = median(() => parsePipelineText(bomb), 50);
row(`refuse ${bomb.length}-byte alias bomb`, bombMs, `target < 100 ms: ${(100 / bombMs).toFixed(0)}x under`);

const lines = ['apiVersion: pipewright/v1', 'kind: Pipeline', 'metadata:', '  name: t', 'x-a: &a [lol, lol]'];
for (let i = 0; i < 40_000; i++) lines.push(`x-${i}: &b${i} [${Array(9).fill(i ? `*b${i - 1}` : '*a').join(', ')}]`);
lines.push('nodes: {}');
const huge = lines.join('\n');
row(`refuse ${(huge.length / 2 ** 20).toFixed(1)} MiB of aliases`, median(() => parsePipelineText(huge), 3));
const oversize = `x: ${'a'.repeat(MAX_PIPELINE_BYTES)}`;
row('refuse a file over 5 MiB', median(() => parsePipelineText(oversize), 10));
