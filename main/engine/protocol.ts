/** Messages between the engine and its worker threads. JSON-safe (structured clone). */
import type { ArtifactRef, BackendName } from '../../nodes/types';
import type { NodeRunResult, NodeSignal } from './node-runner';

export interface RunJob {
  type: 'run';
  jobId: number;
  nodeType: string;
  nodeId: string;
  params: Record<string, unknown>;
  inputs: Record<string, ArtifactRef>;
  tmpDir: string;
  outDir: string;
  baseDir: string;
  plugins: string[];
}

export type ToWorker =
  | RunJob
  | { type: 'abort'; jobId: number }
  /** loads the compute backend and says which one it is */
  | { type: 'backend'; jobId: number }
  /** starts the worker's DuckDB engine and loads the node types, ahead of a node that will need them */
  | { type: 'warm'; plugins: string[] };

export type FromWorker =
  | { type: 'signal'; jobId: number; signal: NodeSignal }
  | { type: 'result'; jobId: number; result: NodeRunResult }
  | { type: 'backend'; jobId: number; backend: BackendName | null; error?: string }
  /** the warm-up ended (DuckDB's start is native work a terminate must not cut into) */
  | { type: 'warmed' };

export interface WorkerInit {
  /** where this worker's DuckDB writes its Parquet files */
  tmpDir: string;
  /**
   * The OS nice value this worker thread (and the threads it starts: DuckDB's, training's) runs at.
   * The app sets it so that a long run never takes the cores from the editor it is drawn in; the
   * CLI leaves it unset (a headless run has nobody to yield to).
   */
  nice?: number;
}
