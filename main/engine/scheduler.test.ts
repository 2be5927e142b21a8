/**
 * The scheduler alone: real node functions that take time, a diamond and an independent branch.
 * A node starts only after its upstream nodes ended, independent nodes overlap, a failure skips
 * exactly its downstream (naming it), a cancel leaves the unstarted cancelled, and a node
 * function that throws is that node's engine error, not the run's.
 */
import { describe, expect, it } from 'vitest';
import type { NodeResult } from '../../shared/run';
import { runSchedule, type NodeEnd } from './scheduler';

// a -> b, a -> c, (b, c) -> d; x independent
const UP: Record<string, string[]> = { a: [], b: ['a'], c: ['a'], d: ['b', 'c'], x: [] };
const ORDER = ['a', 'b', 'c', 'x', 'd'];
const ok = (ms = 0): NodeEnd => ({ status: 'succeeded', cached: false, durationMs: ms, reason: 'first run', metrics: {} });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function harness(behave: (id: string) => Promise<NodeEnd>, signal = new AbortController().signal) {
  const log: string[] = [];
  const ends: [string, NodeResult][] = [];
  const done = runSchedule({
    order: ORDER,
    upstream: (id) => UP[id],
    signal,
    run: async (id) => {
      log.push(`start ${id}`);
      const e = await behave(id);
      log.push(`end ${id}`);
      return e;
    },
    ended: (id, e) => ends.push([id, e]),
  });
  return { log, ends, done };
}

describe('runSchedule', () => {
  it('starts a node after all its upstream nodes ended, and runs independent ones together', async () => {
    const { log, ends, done } = harness(async (id) => {
      await sleep(id === 'b' ? 60 : 10);
      return ok();
    });
    const results = await done;
    expect([...results.values()].every((r) => r.status === 'succeeded')).toBe(true);
    const at = (s: string) => log.indexOf(s);
    expect(at('start b')).toBeGreaterThan(at('end a'));
    expect(at('start c')).toBeGreaterThan(at('end a'));
    expect(at('start d')).toBeGreaterThan(at('end b'));
    expect(at('start d')).toBeGreaterThan(at('end c'));
    // x is ready at once: it starts with a, before either ends
    expect(at('start x')).toBeLessThan(at('end a'));
    // c (10 ms) ends while b (60 ms) still runs: siblings overlap
    expect(at('end c')).toBeLessThan(at('end b'));
    expect(ends.map(([id]) => id).sort()).toEqual([...ORDER].sort());
  });

  it('skips the downstream of a failure, naming it; the independent branch still runs', async () => {
    const { log, done } = harness(async (id) => (id === 'c' ? { ...ok(), status: 'failed', error: 'boom' } : ok()));
    const r = await done;
    expect(r.get('c')).toMatchObject({ status: 'failed', error: 'boom' });
    expect(r.get('d')).toEqual({ status: 'skipped', cached: false, durationMs: 0, reason: 'skipped: upstream c failed', metrics: {} });
    expect(r.get('b')?.status).toBe('succeeded');
    expect(r.get('x')?.status).toBe('succeeded');
    expect(log).not.toContain('start d');
  });

  it('after a cancel, nodes that had not started are cancelled without running', async () => {
    const ac = new AbortController();
    const { log, done } = harness(async (id) => {
      if (id === 'a') {
        await sleep(5);
        ac.abort();
      }
      return ok();
    }, ac.signal);
    const r = await done;
    expect(r.get('b')).toMatchObject({ status: 'cancelled', reason: 'cancelled before it started' });
    expect(r.get('d')).toMatchObject({ status: 'cancelled' });
    expect(log.filter((l) => l.startsWith('start'))).toEqual(['start a', 'start x']);
  });

  it('a node function that throws fails that node as an engine error and skips its downstream', async () => {
    const { done } = harness(async (id) => {
      if (id === 'b') throw new Error('disk vanished');
      return ok();
    });
    const r = await done;
    expect(r.get('b')).toMatchObject({ status: 'failed', reason: 'engine error', error: 'engine error: disk vanished' });
    expect(r.get('d')?.reason).toBe('skipped: upstream b failed');
  });

  it('keeps the execution facts off the results (they are for the events)', async () => {
    const { ends, done } = harness(async () => ({ ...ok(), execution: { cacheKey: 'k', inputs: {}, backend: null } }));
    const r = await done;
    expect(r.get('a')).not.toHaveProperty('execution');
    expect(ends.find(([id]) => id === 'a')?.[1]).toHaveProperty('execution');
  });

  it('a last node (afterGates) waits for every other node but its downstream, and is skipped when a gate failed', async () => {
    // a -> deploy -> notify; x and gate are independent of deploy, gate fails as a gate
    const up: Record<string, string[]> = { a: [], deploy: ['a'], notify: ['deploy'], x: [], gate: ['a'] };
    const order = ['a', 'deploy', 'notify', 'x', 'gate'];
    const go = (gateFails: boolean) => {
      const log: string[] = [];
      const done = runSchedule({
        order,
        upstream: (id) => up[id],
        last: (id) => id === 'deploy',
        downstream: (id) => new Set(id === 'deploy' ? ['notify'] : []),
        signal: new AbortController().signal,
        run: async (id) => {
          log.push(`start ${id}`);
          await sleep(id === 'x' ? 40 : 5);
          log.push(`end ${id}`);
          return id === 'gate' && gateFails ? { ...ok(), status: 'failed', gateFailed: true, error: 'below the bound' } : ok();
        },
        ended: () => {},
      });
      return { log, done };
    };
    const passed = go(false);
    const r = await passed.done;
    expect(r.get('deploy')?.status).toBe('succeeded');
    const at = (s: string) => passed.log.indexOf(s);
    for (const other of ['a', 'x', 'gate']) expect(at('start deploy'), other).toBeGreaterThan(at(`end ${other}`));
    expect(at('start notify')).toBeGreaterThan(at('end deploy'));

    const missed = go(true);
    const m = await missed.done;
    expect(m.get('deploy')).toMatchObject({ status: 'skipped', reason: 'skipped: gate gate failed' });
    expect(m.get('notify')).toMatchObject({ status: 'skipped', reason: 'skipped: upstream deploy was skipped' });
    expect(missed.log).not.toContain('start deploy');
  });
});
