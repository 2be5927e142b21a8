/**
 * The one place for the SQL column lists of runs and node executions and for mapping their rows
 * to the store's types: project-store.ts (writes and run replay) and history.ts (show, diff,
 * lineage, gc) both read through these.
 */
import type { RunStatus } from '../../shared/run';
import type { ExecutionFinish, ExecutionRow, ExecutionStart, RunRow } from './types';

export const now = (): string => new Date().toISOString();

/** A JSON object column; anything else (damaged, an array) reads as `{}`. */
export function parseJson(text: string | null | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** `INSERT INTO table (a, b) VALUES (?, ?)` for a column list. */
export function insertSql(table: string, columns: readonly string[], verb = 'INSERT'): string {
  return `${verb} INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
}

// ---------------------------------------------------------------- runs

export interface RunDbRow {
  id: number;
  pipeline: string;
  pipeline_version_id: number | null;
  status: RunStatus;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  params: string;
  options: string;
  environment: string;
  backend: string | null;
}

/** Runs with their pipeline's name: add `WHERE …` / `ORDER BY …`. */
export const RUN_SELECT = `SELECT r.id, p.name AS pipeline, r.pipeline_version_id, r.status, r.started_at, r.finished_at, r.duration_ms,
  r.params, r.options, r.environment, r.backend FROM runs r JOIN pipelines p ON p.id = r.pipeline_id`;

export const RUN_INSERT = insertSql('runs', [
  'pipeline_id',
  'pipeline_version_id',
  'status',
  'started_at',
  'params',
  'options',
  'environment',
  'backend',
  'owner_host',
  'owner_pid',
  'heartbeat_at',
]);

export function toRun(r: RunDbRow): RunRow {
  return {
    id: r.id,
    pipeline: r.pipeline,
    pipelineVersionId: r.pipeline_version_id,
    status: r.status,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationMs: r.duration_ms,
    params: parseJson(r.params),
    options: parseJson(r.options),
    environment: parseJson(r.environment),
    backend: r.backend,
  };
}

// ---------------------------------------------------------------- executions

export interface ExecDbRow {
  id: number;
  run_id: number;
  node_id: string;
  type: string;
  type_version: number;
  status: ExecutionRow['status'];
  cache_key: string | null;
  cached: number;
  reused_from: number | null;
  reason: string;
  error: string | null;
  gate_failed: number;
  params: string;
  backend: string | null;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
}

/** Every column of node_executions but its id, in the order `execValues` gives them. */
const EXEC_COLUMNS = [
  'run_id',
  'node_id',
  'type',
  'type_version',
  'status',
  'cache_key',
  'cached',
  'reused_from',
  'reason',
  'error',
  'gate_failed',
  'params',
  'backend',
  'started_at',
  'finished_at',
  'duration_ms',
] as const;

export const EXEC_INSERT = insertSql('node_executions', EXEC_COLUMNS);
export const EXEC_SELECT = `SELECT id, ${EXEC_COLUMNS.join(', ')} FROM node_executions`;

/**
 * The values of a new execution row: a running one (no `durationMs` yet: not finished) or a
 * whole one. `reusedFrom` is the execution id the caller resolved.
 */
export function execValues(e: ExecutionStart & Partial<Omit<ExecutionFinish, 'status' | 'cacheKey' | 'backend' | 'reason'>>, reusedFrom: number | null): unknown[] {
  const finished = e.durationMs !== undefined;
  const t = now();
  return [
    e.runId,
    e.nodeId,
    e.type,
    e.typeVersion,
    e.status,
    e.cacheKey ?? null,
    e.cached ? 1 : 0,
    reusedFrom,
    e.reason ?? '',
    e.error ?? null,
    e.gateFailed ? 1 : 0,
    JSON.stringify(e.params ?? {}),
    e.backend ?? null,
    e.startedAt ?? (finished ? (e.finishedAt ?? t) : t),
    finished ? (e.finishedAt ?? t) : null,
    finished ? Math.round(e.durationMs!) : null,
  ];
}

export function toExec(r: ExecDbRow): ExecutionRow {
  return {
    id: r.id,
    runId: r.run_id,
    nodeId: r.node_id,
    type: r.type,
    typeVersion: r.type_version,
    status: r.status,
    cacheKey: r.cache_key,
    cached: r.cached === 1,
    reusedFrom: r.reused_from,
    reason: r.reason,
    error: r.error,
    gateFailed: r.gate_failed === 1,
    params: parseJson(r.params),
    backend: r.backend,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationMs: r.duration_ms,
  };
}
