/**
 * `pipewright watch --project P FILE... [--once]` (contract sections 2b, 8): runs the triggers of
 * the given pipeline files until stopped (SIGINT/SIGTERM), each fired trigger written to the
 * project's durable queue before its run starts. `--once` runs each due trigger once, waits for
 * those runs, and exits 0 (1 when one of them did not succeed). While the project's triggers are
 * paused (the editor's switch, kept in the project file) nothing fires and nothing is taken.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { openProject, ProjectFileError, ProjectWriteError } from '../../store/project-store';
import { triggersPaused } from '../../watch/queue';
import { PAUSED_NOTE, TriggerFileError, Watcher } from '../../watch/watcher';
import { parseCommandArgs } from '../args';
import { createProgress } from '../progress';
import { UsageError, type Command } from '../io';

const USAGE = 'usage: pipewright watch --project P FILE... [--once]';

const command: Command = async (argv, io) => {
  const { values, positionals: files } = parseCommandArgs(argv, { project: { type: 'string' }, once: { type: 'boolean' } }, USAGE);
  if (!values.project) throw new UsageError(`give the project file with --project\n${USAGE}`);
  if (files.length === 0) throw new UsageError(`give at least one pipeline file\n${USAGE}`);
  const say = (line: string): void => io.stderr(`pipewright watch: ${line}\n`);
  const paths = files.map((f) => resolve(io.cwd, f));
  for (const p of paths) {
    if (!existsSync(p)) {
      say(`${p}: no such file`);
      return 2;
    }
  }
  let store;
  try {
    store = openProject(resolve(io.cwd, values.project), { create: true, onWait: say });
  } catch (e) {
    if (e instanceof ProjectFileError) {
      say(e.message);
      return 2;
    }
    if (e instanceof ProjectWriteError) {
      say(e.message);
      return 1;
    }
    throw e;
  }
  const ac = new AbortController();
  const stop = (): void => {
    if (ac.signal.aborted) process.exit(130);
    say('stopping (again to quit at once; a run cut short is retried by the next watcher)');
    ac.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const progress = createProgress(io);
    const watcher = new Watcher({ store, files: paths, log: say, signal: ac.signal, onEvent: (e) => progress.onEvent(e) });
    let triggers;
    try {
      triggers = watcher.load();
    } catch (e) {
      if (e instanceof TriggerFileError) {
        io.stderr(`${e.message}\n`);
        return 2;
      }
      throw e;
    }
    if (triggers.length === 0) say('the files declare no triggers');
    if (values.once) {
      if (triggersPaused(store)) say(`${PAUSED_NOTE}: nothing runs`);
      const results = await watcher.once();
      for (const r of results) io.stdout(`${r.firing.kind}\t${r.runId ?? '-'}\t${r.status}\t${r.firing.pipelineFile}\n`);
      return results.every((r) => r.status === 'succeeded') ? 0 : 1;
    }
    say(`watching ${triggers.length} trigger${triggers.length === 1 ? '' : 's'} of ${paths.length} file${paths.length === 1 ? '' : 's'} (owner ${watcher.owner})`);
    await watcher.watch();
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    store.close();
  }
};
export default command;
