/**
 * `pipewright gc --project P [--keep-last N] [--dry-run] [--json]` (contract section 2b): deletes
 * the artifacts no kept run needs, then compacts the file, and says what it freed.
 * Kept: every run without `--keep-last`; with it, the newest N runs of each pipeline, every run
 * those reused results from, and any running run. Runs not kept are deleted with their records.
 * While a run is running gc deletes nothing and exits 1 saying which run (its unlinked outputs and
 * what it may still reuse cannot be seen from here); a project whose lock another process holds
 * is waited for (saying so), then exit 1 naming the file.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { applyGc, planGc, type GcPlan } from '../../store/history';
import { compactProject } from '../../store/history-views';
import { openProject, ProjectFileError, ProjectWriteError, type ProjectStore } from '../../store/project-store';
import { parseCommandArgs } from '../args';
import { UsageError, type Command } from '../io';

const USAGE = 'usage: pipewright gc --project P [--keep-last N] [--dry-run] [--json]';

export interface GcResult extends GcPlan {
  dryRun: boolean;
  /** the file's size (with its WAL) before and after; after = before on a dry run */
  fileBytes: { before: number; after: number };
  compacted: boolean;
}

const fileSize = (path: string): number => [path, `${path}-wal`].reduce((s, f) => s + (existsSync(f) ? statSync(f).size : 0), 0);

function mb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

const command: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(
    argv,
    { project: { type: 'string' }, 'keep-last': { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
    USAGE,
  );
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'\n${USAGE}`);
  if (!values.project) throw new UsageError(`give the project file with --project\n${USAGE}`);
  const k = values['keep-last'];
  if (k !== undefined && !/^\d+$/.test(k)) throw new UsageError(`--keep-last ${k}: give a whole number of runs\n${USAGE}`);
  const keepLast = k === undefined ? undefined : Number(k);
  const json = values.json ?? false;
  const dryRun = values['dry-run'] ?? false;
  const path = resolve(io.cwd, values.project);
  const fail = (message: string, code: number): number => {
    if (json) io.stdout(`${JSON.stringify({ errors: [{ place: 'project', message }] }, null, 2)}\n`);
    else io.stderr(`pipewright gc: ${message}\n`);
    return code;
  };
  let store: ProjectStore;
  try {
    store = openProject(path, { onWait: (m) => io.stderr(`pipewright gc: ${m}\n`) });
  } catch (e) {
    if (e instanceof ProjectFileError) return fail(e.message, 2);
    if (e instanceof ProjectWriteError) return fail(e.message, 1);
    throw e;
  }
  let result: GcResult;
  try {
    const before = fileSize(path);
    let plan: GcPlan;
    try {
      plan = dryRun ? (({ hashes: _h, ...p }) => p)(planGc(store, keepLast)) : applyGc(store, keepLast);
    } catch (e) {
      if (e instanceof ProjectWriteError) return fail(e.message, 1);
      throw e;
    }
    if (plan.running.length && !dryRun) {
      const r = plan.running[0];
      return fail(
        `run ${r.id} is running${r.pid ? ` (process ${r.pid}${r.host ? ` on ${r.host}` : ''})` : ''}: gc deletes nothing while a run is running; run it again when ${plan.running.length > 1 ? 'they have' : 'it has'} finished`,
        1,
      );
    }
    let compacted = false;
    if (!dryRun) {
      const why = compactProject(store);
      if (why) io.stderr(`pipewright gc: deleted, but could not compact the file (${why}); run gc again when no other process has it open\n`);
      compacted = why === null;
    }
    result = { dryRun, ...plan, fileBytes: { before, after: dryRun ? before : fileSize(path) }, compacted };
  } finally {
    store.close();
  }
  if (json) {
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  }
  const verb = dryRun ? 'would delete' : 'deleted';
  const lines = [
    `${verb} ${result.deletedRuns.length} run${result.deletedRuns.length === 1 ? '' : 's'}${result.deletedRuns.length ? ` (${result.deletedRuns.join(', ')})` : ''}, kept ${result.keptRuns}`,
    `${verb} ${result.artifacts.count} artifact${result.artifacts.count === 1 ? '' : 's'} (${mb(result.artifacts.bytes)})`,
  ];
  if (dryRun && result.running.length) lines.push(`run ${result.running.map((r) => r.id).join(', ')} is running: gc would wait for it to finish`);
  if (!dryRun) lines.push(`project file ${mb(result.fileBytes.before)} → ${mb(result.fileBytes.after)}${result.compacted ? '' : ' (not compacted)'}`);
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
};
export default command;
