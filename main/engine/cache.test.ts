/**
 * Caching decisions on a real project file: a recorded result with the same key is reused, with
 * the run it came from; a result of this run is reused within it; a never-cached type, --no-cache,
 * cache: false and --from each force a run with their reason, and a never-cached result is not
 * offered to a later node of the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NodeDefinition } from '../../nodes/types';
import { openProject } from '../store';
import { cacheKey, RunCache, type KeyParts, type RunCacheOptions } from './cache';
import type { PlannedNode } from './planner';

const dir = mkdtempSync(join(tmpdir(), 'pw-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const node = (id: string, more: Partial<NodeDefinition> = {}, cache = true): PlannedNode =>
  ({ id, type: 't.x', def: { type: 't.x', version: 1, outputs: [], ...more } as unknown as NodeDefinition, params: { a: 1 }, inputs: {}, cache, staticKey: '' }) as PlannedNode;
const parts: KeyParts = { type: 't.x', version: 1, params: { a: 1 }, inputs: {} };

describe('RunCache', () => {
  it('reuses, or runs with the reason', () => {
    const store = openProject(join(dir, 'c.pwproj'), { create: true });
    const first = store.createRun({ pipeline: 'p' }).id;
    store.append([{ type: 'execution.recorded', execution: { runId: first, nodeId: 'n', type: 't.x', typeVersion: 1, status: 'succeeded', cacheKey: cacheKey(parts), reason: 'first run', durationMs: 1 } }]);
    const exec = store.getExecutions(first)[0].id;
    const second = store.createRun({ pipeline: 'p' }).id;
    const opts: RunCacheOptions = { pipeline: 'p', runId: second, noCache: false, forced: new Set(), baseDir: dir };
    const cache = new RunCache(store, opts);

    expect(cache.decide(node('n'), parts)).toMatchObject({ reuse: true, reason: `reused from run ${first}: unchanged`, from: { runId: String(first), executionId: exec } });
    expect(cache.decide(node('n', { neverCached: true }), parts)).toMatchObject({ reuse: false, reason: 're-run: never cached (t.x)' });
    expect(cache.decide(node('n', {}, false), parts)).toMatchObject({ reuse: false, reason: 're-run: cache: false' });
    expect(new RunCache(store, { ...opts, noCache: true }).decide(node('n'), parts)).toMatchObject({ reuse: false, reason: 're-run: --no-cache' });
    expect(new RunCache(store, { ...opts, from: 'n', forced: new Set(['n']) }).decide(node('n'), parts)).toMatchObject({ reuse: false, reason: 're-run: run from n' });

    // within the run: a result of this run stands in for a later node with the same key
    const other: KeyParts = { ...parts, params: { a: 2 } };
    expect(cache.decide(node('m'), other)).toMatchObject({ reuse: false, reason: 'first run' });
    cache.remember(node('m', { neverCached: true }), cacheKey(other), {}, { v: 1 });
    expect(cache.decide(node('m2'), other).reuse).toBe(false);
    cache.remember(node('m'), cacheKey(other), {}, { v: 1 });
    expect(cache.decide(node('m2'), other)).toMatchObject({ reuse: true, from: { runId: String(second), sameRunNode: 'm' }, metrics: { v: 1 } });
    store.close();
  });
});
