/**
 * `pipewright runs --project P [--json]`: recorded runs, newest first, with status and headline
 * metrics. `--json` prints `{ "runs": [ { id, status, pipeline, startedAt, durationMs, metrics } ] }`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { openProject, ProjectFileError, ProjectWriteError } from '../../store/project-store';
import { parseCommandArgs } from '../args';
import { UsageError, type Command } from '../io';
import { formatDuration, formatMetrics } from '../progress';
import { defaultProjectPath } from './run';

const USAGE = 'usage: pipewright runs --project P [--json]   (or: pipewright runs FILE.pipeline.yaml)';

const command: Command = async (argv, io) => {
  const { values, positionals: files } = parseCommandArgs(argv, { project: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
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
    const runs = store.listRuns();
    if (json) {
      io.stdout(`${JSON.stringify({ runs }, null, 2)}\n`);
      return 0;
    }
    if (runs.length === 0) {
      io.stdout('no runs recorded yet\n');
      return 0;
    }
    const rows = runs.map((r) => [r.id, r.status, r.pipeline, r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), r.durationMs == null ? '—' : formatDuration(r.durationMs), formatMetrics(r.metrics)]);
    const head = ['RUN', 'STATUS', 'PIPELINE', 'STARTED', 'DURATION', 'METRICS'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
    io.stdout(`${[line(head), ...rows.map(line)].join('\n')}\n`);
    return 0;
  } finally {
    store.close();
  }
};
export default command;
