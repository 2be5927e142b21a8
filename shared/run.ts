/** Runs as the engine reports them: live events and the final summary (the CLI's `--json`). */
import type { LogLevel } from './log';
import type { Artifact } from './artifacts';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'gate_failed' | 'cancelled' | 'interrupted';
export type NodeStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export interface NodeResult {
  status: Exclude<NodeStatus, 'queued' | 'running'>;
  cached: boolean;
  durationMs: number;
  /** why it was reused or re-run: "reused from run 3: unchanged", "re-run: param seed changed" */
  reason: string;
  error?: string;
  /** true when the failure is a missed gate */
  gateFailed?: boolean;
  metrics: Record<string, number>;
  /** output port -> the artifact it produced (the editor previews it by hash); optional so older summaries stay valid */
  outputs?: Record<string, NodeOutputRef>;
}

/** An output artifact as the editor sees it; for a table `meta` holds `{ rows, columns: [{ name, type }] }`. */
/** A node's output as runs report it (`--json`, run.get, events): the shared Artifact. */
export type NodeOutputRef = Artifact;

export interface RunSummary {
  run: {
    id: string;
    status: RunStatus;
    pipeline: string;
    durationMs: number;
    backend: string;
    /** why a run failed that no node explains (its records could not be written) */
    error?: string;
  };
  nodes: Record<string, NodeResult>;
}

/**
 * One trial of a node that runs many (train.sweep): recorded as a child execution of the node's
 * execution, never as a node of its own.
 */
export interface TrialRecord {
  /** 1-based, in the order the node defines its trials */
  index: number;
  params: Record<string, unknown>;
  metrics: Record<string, number>;
  status: 'succeeded' | 'failed';
  error?: string;
  durationMs: number;
}

export interface RunListItem {
  id: string;
  status: RunStatus;
  pipeline: string;
  startedAt: string;
  durationMs: number | null;
  metrics: Record<string, number>;
}

/**
 * How an execution came about, as the project file records it: the cache key, the input
 * artifacts' hashes and the compute backend (the one assumed when it starts, the one the node
 * really got when it finishes). Only `pipewright run` executions carry it (not `run-node`).
 */
export interface ExecutionFacts {
  cacheKey: string;
  /** input port -> artifact hash */
  inputs: Record<string, string>;
  backend: string | null;
  /** for a node that reads files: the path as written -> sha256 of the bytes it read (lineage) */
  files?: Record<string, string>;
}

/** Where a reused result came from: a recorded execution, or a node of this same run. */
export type ReusedFrom = { runId: string; executionId: number } | { runId: string; sameRunNode: string };

/**
 * Everything a run says while it runs, one discriminated union: the engine emits these and only
 * these; the recorder (persistence), the CLI's progress and the API's `run.events` consume them.
 */
export type RunEvent =
  | { type: 'run.started'; runId: string; pipeline: string; nodes: string[] }
  | { type: 'node.queued'; runId: string; nodeId: string }
  /** `execution`: what it starts with and why it runs (`reason`) */
  | { type: 'node.started'; runId: string; nodeId: string; execution?: ExecutionFacts & { reason: string; startedAt: string } }
  | { type: 'node.progress'; runId: string; nodeId: string; fraction: number; message?: string }
  | { type: 'node.log'; runId: string; nodeId: string; level: LogLevel; message: string; time: number }
  | { type: 'node.metric'; runId: string; nodeId: string; key: string; value: number; step?: number }
  | { type: 'node.trial'; runId: string; nodeId: string; trial: TrialRecord }
  /** `execution`: absent for a node that never got as far as a cache key (skipped, cancelled before it started) */
  | ({ type: 'node.finished'; runId: string; nodeId: string; execution?: ExecutionFacts & { reusedFrom?: ReusedFrom } } & NodeResult)
  /** the compute backend found for this machine (probed, or corrected by a node that got another): remembered for the next run */
  | { type: 'run.backend'; runId: string; backend: string; fingerprint: string }
  /** a message about the run as a whole (waiting for the project file's lock) */
  | { type: 'run.log'; runId: string; level: LogLevel; message: string; time: number }
  /** `error`: why a run failed that no node explains (its records could not be written) */
  | { type: 'run.finished'; runId: string; status: RunStatus; durationMs: number; backend: string; error?: string };

export type NodeEvent = Extract<RunEvent, { nodeId: string }>;

/** Exit code of `pipewright run` for a final status (contract section 2). */
export function exitCodeFor(status: RunStatus): number {
  switch (status) {
    case 'succeeded':
      return 0;
    case 'gate_failed':
      return 3;
    default:
      return 1;
  }
}
