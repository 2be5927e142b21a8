/**
 * One step of bench/features.bench.ts in a process of its own, so its peak RSS is its own:
 * `view FEATURES OUTDIR` runs features.view, `join LABELS VIEW OUTDIR` runs features.join.
 * Prints one JSON line: { ms, maxRssKb, out }.
 */
import { makeTestContext, runNode } from '../test/helpers/node-context';
import type { ArtifactRef } from '../nodes/types';
import view from '../nodes/features/view.node';
import joinNode from '../nodes/features/join.node';

async function main(): Promise<void> {
  const [step, a, b] = process.argv.slice(2);
  const ctx = await makeTestContext({ nodeId: step });
  const ref = (path: string): ArtifactRef => ({ kind: 'table', path, hash: '', meta: {} });
  const t = performance.now();
  let out: Record<string, unknown>;
  if (step === 'view') {
    const r = await runNode(view, ctx, { table: ref(a) }, { name: 'driver_stats', entity: 'driver', timestamp: 'ts', createdTimestamp: 'created', ttl: '30d' });
    out = { path: (r.view as { path: string }).path };
  } else {
    const r = await runNode(joinNode, ctx, { labels: ref(a), view: ref(b) }, { timestamp: 'label_time' });
    out = { path: (r.table as { path: string }).path, found: ctx.logs.map((l) => l.message).find((m) => m.includes('found features')) };
  }
  const ms = performance.now() - t;
  // the files stay for the parent (it removes the whole folder); only DuckDB is closed
  await ctx.data.close();
  process.stdout.write(`${JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS, out })}\n`);
}

void main();
