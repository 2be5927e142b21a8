/**
 * The Triggers page's view of a project (local API `triggers.*`, main/api/triggers.ts): the
 * triggers of its pipeline files, the firings of its durable queue, and whether this app runs
 * them while the project is open (contract section 8).
 */

export type TriggerKindName = 'schedule' | 'files' | 'metric';

export interface TriggerInfo {
  /** the queue's identity of the trigger (file, kind and spec) */
  key: string;
  /** the pipeline file that declares it */
  file: string;
  pipeline: string;
  kind: TriggerKindName;
  /** the cron expression, the glob, or "node.metric > bound" */
  spec: string;
  /** the pipeline file a firing runs */
  runs: string;
  paused: boolean;
  /** a schedule's next firing (ISO time); null for other kinds and paused triggers */
  next: string | null;
  lastFiredAt: string | null;
}

export interface FiringInfo {
  id: number;
  triggerKey: string;
  kind: TriggerKindName;
  pipelineFile: string;
  firedAt: string;
  status: 'queued' | 'running' | 'done' | 'gave_up';
  attempts: number;
  runId: string | null;
  /** the run's status once done (succeeded, failed, gate_failed, cancelled, invalid) */
  outcome: string | null;
  error: string | null;
  /** what fired it: the scheduled time, the changed files, the run and metric value */
  detail: Record<string, unknown>;
}

export interface TriggersOverview {
  project: string;
  /** the folder whose pipeline files the app watches */
  folder: string;
  /**
   * `on`: this app fires and runs the project's triggers while it is open; `paused`: the
   * project's triggers are paused, kept in the project file (neither this app, after a restart
   * too, nor a `pipewright watch` fires or runs them); `off`: no window has the project open.
   */
  app: 'on' | 'paused' | 'off';
  triggers: TriggerInfo[];
  /** newest first */
  firings: FiringInfo[];
  /** pipeline files of the project whose triggers cannot be read (invalid file) */
  problems: { file: string; message: string }[];
}
