/**
 * `pipewright runs --project P [--pipeline NAME] [--status S] [--limit N] [--json]`: recorded runs,
 * newest first, with status and headline metrics (filtered in SQL: store/history.ts).
 * `--json` prints `{ "runs": [ { id, status, pipeline, startedAt, durationMs, metrics } ] }`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { RUN_STATUSES } from '../../store/history';
import { openProject, ProjectFileError, ProjectWriteError } from '../../store/project-store';
import type { RunStatus } from '../../../shared/run';
import { runTriggers } from '../../watch/queue';
import { parseCommandArgs } from '../args';
import { UsageError, type Command } from '../io';
import { formatDuration, formatMetrics } from '../progress';
import { defaultProjectPath } from './run';

const USAGE = 'usage: pipewright runs --project P [--pipeline NAME] [--status S] [--limit N] [--json]   (or: pipewright runs FILE.pipeline.yaml)';

const command: Command = async (argv, io) => {
  const { values, positionals: files } = parseCommandArgs(
    argv,
    { project: { type: 'string' }, json: { type: 'boolean' }, pipeline: { type: 'string' }, status: { type: 'string' }, limit: { type: 'string' } },
    USAGE,
  );
  const status = values.status as RunStatus | undefined;
  if (status !== undefined && !RUN_STATUSES.includes(status)) throw new UsageError(`--status ${status}: not a run status (${RUN_STATUSES.join(', ')})\n${USAGE}`);
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0 && /^\d+$/.test(values.limit!))) throw new UsageError(`--limit ${values.limit}: give a whole number of runs, 1 or more\n${USAGE}`);
  let project = values.project;
  const json = values.json ?? false;
  if (!project && files.length === 1) project = defaultProjectPath(files[0]);
  if (!project || files.length > 1) throw new UsageError(`give the project file with --project\n${USAGE}`);
  const path = resolve(io.cwd, project);
  const fail = (message: string, code = 2): number => {
    if (json) io.stdout(`${JSON.stringify({ errors: [{ place: 'project', message }] })}\n`);
    else io.stderr(`pipewright runs: ${message}\n`);
    return code;
  };
  if (!existsSync(path)) return fail(`${path}: no such project file`);
  let store;
  try {
    store = openProject(path, { onWait: (m) => io.stderr(`pipewright runs: ${m}\n`) });
  } catch (e) {
    if (e instanceof ProjectFileError) return fail(e.message);
    if (e instanceof ProjectWriteError) return fail(e.message, 1);
    throw e;
  }
  try {
    const listed = store.listRuns({ pipeline: values.pipeline, status, limit });
    const triggers = runTriggers(store, listed.map((r) => r.id));
    const runs = listed.map((r) => ({ ...r, trigger: triggers.get(Number(r.id)) ?? 'manual' }));
    if (json) {
      io.stdout(`${JSON.stringify({ runs }, null, 2)}\n`);
      return 0;
    }
    if (runs.length === 0) {
      io.stdout(values.pipeline || status ? 'no run matches\n' : 'no runs recorded yet\n');
      return 0;
    }
    const rows = runs.map((r) => [r.id, r.status, r.pipeline, r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), r.durationMs == null ? '—' : formatDuration(r.durationMs), r.trigger, formatMetrics(r.metrics)]);
    const head = ['RUN', 'STATUS', 'PIPELINE', 'STARTED', 'DURATION', 'TRIGGER', 'METRICS'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
    io.stdout(`${[line(head), ...rows.map(line)].join('\n')}\n`);
    return 0;
  } finally {
    store.close();
  }
};
export default command;
