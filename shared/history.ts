/**
 * What the history reads return (contract sections 2b and 9), shared by the CLI's `--json`, the
 * local API and the Runs page. Pure types: main computes them (main/store/history.ts), the
 * renderer draws them.
 */
import type { PortKind } from './catalog';
import type { RunStatus } from './run';

export interface OutputInfo {
  hash: string;
  kind: PortKind;
  size: number;
  rows?: number;
  columns?: { name: string; type: string }[];
}

export interface ShowNode {
  type: string;
  status: string;
  cached: boolean;
  reason: string;
  durationMs: number | null;
  error?: string;
  metrics: Record<string, number>;
  outputs: Record<string, OutputInfo>;
}

export interface RunShow {
  run: { id: string; status: RunStatus; pipeline: string; startedAt: string; finishedAt: string | null; durationMs: number | null; backend: string | null };
  pipelineVersion: { id: number; hash: string } | null;
  params: Record<string, unknown>;
  options: Record<string, unknown>;
  environment: Record<string, unknown>;
  nodes: Record<string, ShowNode>;
}

export interface RunDiff {
  a: string;
  b: string;
  params: Record<string, { a: unknown; b: unknown }>;
  graph: { added: string[]; removed: string[]; changed: { node: string; fields: string[] }[] };
  data: Record<string, { a: string | null; b: string | null }>;
  metrics: Record<string, { a: number | null; b: number | null; delta: number | null }>;
  environment: Record<string, { a: unknown; b: unknown }>;
}

export interface LineageFile {
  path: string;
  /**
   * sha256 of the file as the run read it (recorded by the run); for runs recorded before that,
   * of the file as it is on disk now (null: it is gone)
   */
  sha256: string | null;
  /** true: the file on disk no longer has the bytes the run read (null when the run recorded no hash) */
  changedSince?: boolean | null;
}

export interface Lineage {
  ref: string;
  kind: PortKind;
  hash: string;
  /** null: an artifact no recorded execution produced (stored by hand, or its run was collected) */
  producedBy: { run: string; node: string; port: string; type: string; params: Record<string, unknown> } | null;
  inputs: (Lineage & { port: string })[];
  /** every data file read on the way, this node's own and its inputs', each once */
  files: LineageFile[];
  /** for a model version */
  registered?: { name: string; version: number };
  /** for a model version registered from a file (`models register`), not produced by a run here */
  registeredFrom?: { path: string; sha256: string };
}

/**
 * Every run of a project in one compact answer (the Runs page sorts and filters it itself):
 * columns as parallel arrays, one per field, metric and param (each name sent once).
 */
export interface RunsTable {
  /** runs in this answer */
  total: number;
  /** runs in the project (more than `total` when the answer was limited) */
  all: number;
  id: number[];
  status: RunStatus[];
  pipeline: string[];
  /** short hash of the pipeline version the run used ('' when none was recorded) */
  version: string[];
  versionId: (number | null)[];
  trigger: string[];
  startedAt: string[];
  durationMs: (number | null)[];
  /** metric -> one value per run (null: none): the run's headline metrics (its evaluate nodes' when it has any) */
  metrics: Record<string, (number | null)[]>;
  /** param -> one value per run (null: unset): the run's resolved pipeline params */
  params: Record<string, unknown[]>;
  metricKeys: string[];
  paramKeys: string[];
}

export interface CompareRun {
  id: string;
  status: RunStatus;
  pipeline: string;
  version: string;
  startedAt: string;
  durationMs: number | null;
}

export interface CompareResult {
  runs: CompareRun[];
  /** only the params whose values are not all equal: param -> one value per run (null: unset) */
  params: Record<string, unknown[]>;
  /** `<node>.<metric>` -> one value per run (null: the run has none); every scalar metric */
  metrics: Record<string, (number | null)[]>;
  /** each run against the first one (section 9's diff); diffs[0] is the first against itself */
  diffs: RunDiff[];
  /** node -> metric key -> one series per run (points [step, value]), thinned to at most 1,000 points */
  curves: Record<string, Record<string, [number, number][][]>>;
  /** evaluate node -> one confusion matrix per run (null: none) */
  confusion: Record<string, ({ labels: string[]; values: number[][] } | null)[]>;
  /** the pipeline version text of each run (null: not recorded), for the graph diff */
  texts: (string | null)[];
}

export interface VersionInfo {
  id: string;
  hash: string;
  createdAt: string;
  /** runs that used this version, newest first (at most 20) */
  runs: string[];
}

export interface GcPolicyPlan {
  /** null: keep every run (only unreferenced artifacts go) */
  keepLast: number | null;
  keptRuns: number;
  deletedRuns: number[];
  artifacts: { count: number; bytes: number };
  /** runs kept although the policy would drop them: registered model versions need them */
  protectedRuns: number[];
}

export interface GcOverview {
  policies: GcPolicyPlan[];
  running: { id: number; pid: number | null; host: string | null }[];
  fileBytes: number;
}
