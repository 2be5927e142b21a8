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

export type RunEvent =
  | { type: 'run.started'; runId: string; pipeline: string; nodes: string[] }
  | { type: 'node.queued'; runId: string; nodeId: string }
  | { type: 'node.started'; runId: string; nodeId: string }
  | { type: 'node.progress'; runId: string; nodeId: string; fraction: number; message?: string }
  | { type: 'node.log'; runId: string; nodeId: string; level: LogLevel; message: string; time: number }
  | { type: 'node.metric'; runId: string; nodeId: string; key: string; value: number; step?: number }
  | { type: 'node.trial'; runId: string; nodeId: string; trial: TrialRecord }
  | ({ type: 'node.finished'; runId: string; nodeId: string } & NodeResult)
  /** a message about the run as a whole (waiting for the project file's lock) */
  | { type: 'run.log'; runId: string; level: LogLevel; message: string; time: number }
  /** `error`: why a run failed that no node explains (its records could not be written) */
  | { type: 'run.finished'; runId: string; status: RunStatus; durationMs: number; backend: string; error?: string };

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
