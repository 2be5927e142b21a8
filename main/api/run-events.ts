/**
 * Run events on their way to the pages, coalesced: a long training run emits a progress event and
 * a few metric points per epoch (tens of thousands a minute), and one WebSocket message per event
 * would keep both the main process and the page busy parsing instead of answering Cancel.
 *
 * Events are sent in order as batches, at most one batch per `intervalMs` (the first one of a
 * quiet spell at once). Within a pending batch a node's progress event replaces its previous one
 * (only the latest fraction matters); every other event (logs, metric points, results) is kept.
 * A run's last event (run.finished) flushes at once, so the end of a run is never late.
 */
import type { RunEvent } from '../../shared/run';

export interface RunEventBatcher {
  push(e: RunEvent): void;
  /** sends what is pending now */
  flush(): void;
}

export function batchRunEvents(send: (batch: RunEvent[]) => void, intervalMs = 50, now: () => number = () => performance.now()): RunEventBatcher {
  let pending: RunEvent[] = [];
  /** node id -> index in `pending` of its progress event */
  let progressAt = new Map<string, number>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastSent = -Infinity;

  const flush = (): void => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    progressAt = new Map();
    lastSent = now();
    send(batch);
  };

  return {
    push(e) {
      if (e.type === 'node.progress') {
        const at = progressAt.get(e.nodeId);
        if (at !== undefined) {
          pending[at] = e;
          return;
        }
        progressAt.set(e.nodeId, pending.length);
      } else if (e.type === 'node.finished' || e.type === 'node.started') {
        // A progress event queued before must not be applied after the node's result.
        progressAt.delete(e.nodeId);
      }
      pending.push(e);
      if (e.type === 'run.finished') return flush();
      if (timer) return;
      const wait = lastSent + intervalMs - now();
      if (wait <= 0) flush();
      else {
        timer = setTimeout(flush, wait);
        timer.unref?.();
      }
    },
    flush,
  };
}
