/**
 * The scheduler: which node may start when, and nothing else (no caching, files or project
 * file). A node starts once every upstream node in the selection has finished, so independent
 * branches run at the same time (the worker pool bounds how many really compute at once). A node
 * whose upstream did not succeed is skipped, naming it; once the run's signal is aborted, a node
 * that has not started is cancelled. A node that runs last (the deploy nodes' `afterGates`) waits
 * for every other node of the run except its downstream and the other last ones, and is skipped,
 * naming the gate, when a gate failed.
 */
import type { NodeResult, RunEvent } from '../../shared/run';

/** How a node ended, as its `node.finished` event says it (without the event's own fields). */
export type NodeEnd = Omit<Extract<RunEvent, { type: 'node.finished' }>, 'type' | 'runId' | 'nodeId'>;

export interface Schedule {
  /** the nodes to run, in topological order */
  order: readonly string[];
  /** every upstream node of a node (each once) */
  upstream(id: string): readonly string[];
  /** a node that runs after every other node, and only when no gate failed */
  last?(id: string): boolean;
  /** the downstream nodes of a node (a last node does not wait for them) */
  downstream?(id: string): ReadonlySet<string>;
  signal: AbortSignal;
  /** runs one node whose upstream nodes all succeeded; a throw is an engine error of that node */
  run(id: string): Promise<NodeEnd>;
  /** told once per node, in the order nodes end (skipped and cancelled ones included) */
  ended(id: string, end: NodeEnd): void;
}

const unstarted = (status: 'skipped' | 'cancelled', reason: string): NodeEnd => ({ status, cached: false, durationMs: 0, reason, metrics: {} });

function skipReason(bad: string[], results: ReadonlyMap<string, NodeResult>): string {
  const upStatus = results.get(bad[0])?.status;
  return `skipped: upstream ${bad.join(', ')} ${upStatus === 'skipped' ? 'was skipped' : upStatus === 'cancelled' ? 'was cancelled' : 'failed'}`;
}

/** Runs the schedule to the end; resolves with every node's result (never rejects for a node). */
export function runSchedule(s: Schedule): Promise<Map<string, NodeResult>> {
  const results = new Map<string, NodeResult>();
  const inSelection = new Set(s.order);
  const dependents = new Map<string, string[]>();
  const waiting = new Map<string, number>();
  const last = new Set(s.order.filter((id) => s.last?.(id)));
  for (const id of s.order) {
    const ups = new Set(s.upstream(id).filter((u) => inSelection.has(u)));
    if (last.has(id)) {
      const after = s.downstream?.(id) ?? new Set<string>();
      for (const o of s.order) if (o !== id && !after.has(o) && !last.has(o)) ups.add(o);
    }
    waiting.set(id, ups.size);
    for (const u of ups) {
      const list = dependents.get(u);
      if (list) list.push(id);
      else dependents.set(u, [id]);
    }
  }

  const start = async (id: string): Promise<NodeEnd> => {
    if (s.signal.aborted) return unstarted('cancelled', 'cancelled before it started');
    const bad = s.upstream(id).filter((u) => results.get(u)?.status !== 'succeeded');
    if (bad.length) return unstarted('skipped', skipReason(bad, results));
    if (last.has(id)) {
      const missed = [...results].filter(([, r]) => r.gateFailed).map(([g]) => g);
      if (missed.length) return unstarted('skipped', `skipped: gate ${missed.join(', ')} failed`);
    }
    return s.run(id);
  };

  return new Promise((resolveAll) => {
    let remaining = s.order.length;
    if (remaining === 0) return resolveAll(results);
    const end = (id: string, e: NodeEnd): void => {
      const { execution: _facts, ...result } = e;
      results.set(id, result);
      s.ended(id, e);
    };
    const launch = (id: string): void => {
      start(id)
        .catch((e: unknown): NodeEnd => ({ status: 'failed', cached: false, durationMs: 0, reason: 'engine error', error: `engine error: ${(e as Error)?.message ?? String(e)}`, metrics: {} }))
        .then((e) => end(id, e))
        .catch(() => {
          // the result is kept; a listener that throws does not stop the schedule
        })
        .finally(() => {
          for (const d of dependents.get(id) ?? []) {
            const n = waiting.get(d)! - 1;
            waiting.set(d, n);
            if (n === 0) launch(d);
          }
          if (--remaining === 0) resolveAll(results);
        });
    };
    for (const id of s.order) if (waiting.get(id) === 0) launch(id);
  });
}
