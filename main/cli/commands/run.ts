/**
 * `pipewright run FILE [--project P] [--param k=v]... [--no-cache] [--json] [--junit OUT]`
 * (contract section 2): runs the pipeline and records it in the project file.
 * Exit codes: 0 succeeded, 1 a node failed (or the run was cancelled), 2 invalid pipeline or
 * usage, 3 a gate failed.
 */
import { basename, dirname, resolve } from 'node:path';
import { loadPipeline, parseParamOverride, type Issue, type ParamValue } from '../../../shared/pipeline';
import { exitCodeFor, type RunSummary } from '../../../shared/run';
import { createChecker } from '../../../nodes/checker';
import { startRun } from '../../engine/engine';
import { InvalidPipelineError, planPipeline, type Plan } from '../../engine/planner';
import { loadRegistry } from '../../engine/plugins';
import { takePrestartedPool } from '../../engine/prestart';
import type { WorkerPool } from '../../engine/pool';
import { openProject, ProjectFileError, ProjectWriteError, type ProjectStore } from '../../store/project-store';
import { parseCommandArgs, type OptionSpecs } from '../args';
import { HelpRequested, UsageError, type CliIO, type Command } from '../io';
import { gatesOf, writeJunit } from '../junit';
import { createProgress } from '../progress';
import { readPipelineFile } from './pipeline-files';

const USAGE = 'usage: pipewright run FILE [--project P] [--param k=v]... [--no-cache] [--json] [--junit OUT]';

export interface RunArgs {
  file: string;
  project?: string;
  params: string[];
  noCache: boolean;
  json: boolean;
  junit?: string;
  plugins: string[];
}

export const RUN_OPTIONS = {
  project: { type: 'string' },
  param: { type: 'string', multiple: true },
  'no-cache': { type: 'boolean' },
  json: { type: 'boolean' },
  junit: { type: 'string' },
  plugin: { type: 'string', multiple: true },
} as const satisfies OptionSpecs;

export function parseRunArgs(argv: string[]): RunArgs {
  const { values: v, positionals: files } = parseCommandArgs(argv, RUN_OPTIONS, USAGE);
  if (files.length !== 1) throw new UsageError(`${files.length === 0 ? 'no pipeline file given' : 'give exactly one pipeline file'}\n${USAGE}`);
  return { file: files[0], project: v.project, params: v.param ?? [], noCache: v['no-cache'] ?? false, json: v.json ?? false, junit: v.junit, plugins: v.plugin ?? [] };
}

/** FILE with `.pipeline.yaml` (or `.yaml`/`.yml`) replaced by `.pwproj`, beside it. */
export function defaultProjectPath(file: string): string {
  if (/\.pipeline\.ya?ml$/i.test(file)) return file.replace(/\.pipeline\.ya?ml$/i, '.pwproj');
  if (/\.ya?ml$/i.test(file)) return file.replace(/\.ya?ml$/i, '.pwproj');
  return `${file}.pwproj`;
}

function printErrors(io: CliIO, json: boolean, file: string, errors: Issue[]): number {
  if (json) {
    const out = errors.map((e) => {
      const o: Record<string, unknown> = { place: e.place, message: e.message };
      if (e.line != null) o.line = e.line;
      if (e.column != null) o.column = e.column;
      return o;
    });
    io.stdout(`${JSON.stringify({ errors: out }, null, 2)}\n`);
  } else {
    for (const e of errors) io.stderr(`${file}:${e.line != null ? `${e.line}:${e.column ?? 1}:` : ''} ${e.place}: ${e.message}\n`);
  }
  return 2;
}

/** A write to the project file failed before the run could start: exit 1, one line. */
function writeFailed(io: CliIO, json: boolean, e: ProjectWriteError): number {
  if (json) io.stdout(`${JSON.stringify({ errors: [{ place: 'project', message: e.message }] }, null, 2)}\n`);
  io.stderr(`pipewright run: ${e.message}\n`);
  return 1;
}

/** With --json, even an unexpected error leaves exactly one JSON document on stdout. */
const command: Command = async (argv, io) => {
  // The worker main.ts started as the command began (main/engine/prestart.ts): the run's, closed here.
  const pool = takePrestartedPool() ?? undefined;
  try {
    return await runCommand(argv, io, pool);
  } catch (e) {
    if (!argv.includes('--json') || e instanceof UsageError) throw e;
    io.stdout(`${JSON.stringify({ errors: [{ place: 'run', message: (e as Error).message ?? String(e) }] }, null, 2)}\n`);
    io.stderr(`pipewright run: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  } finally {
    await pool?.close();
  }
};

async function runCommand(argv: string[], io: CliIO, pool: WorkerPool | undefined): Promise<number> {
  const json = argv.includes('--json');
  let args: RunArgs;
  try {
    args = parseRunArgs(argv);
  } catch (e) {
    if (json && e instanceof UsageError && !(e instanceof HelpRequested)) return printErrors(io, true, '', [{ place: 'arguments', message: e.message.split('\n')[0] }]);
    throw e;
  }
  const file = resolve(io.cwd, args.file);
  const read = readPipelineFile(io.cwd, args.file);
  if ('error' in read) return printErrors(io, json, args.file, [read.error]);

  let registry;
  try {
    registry = await loadRegistry(args.plugins.map((p) => resolve(io.cwd, p)));
  } catch (e) {
    return printErrors(io, json, args.file, [{ place: 'plugins', message: (e as Error).message }]);
  }
  const loaded = loadPipeline(read.text, createChecker(registry), { fileName: basename(file) });
  if (!loaded.pipeline) return printErrors(io, json, args.file, loaded.errors);
  const pipeline = loaded.pipeline;

  const overrides: Record<string, ParamValue> = {};
  const argErrors: Issue[] = [];
  for (const p of args.params) {
    try {
      const { key, value } = parseParamOverride(p);
      overrides[key] = value;
    } catch (e) {
      argErrors.push({ place: 'params', message: `--param ${p}: ${(e as Error).message}` });
    }
  }
  if (argErrors.length) return printErrors(io, json, args.file, argErrors);

  // The plan: params resolved (overrides too), defaulted and checked once, the text canonical.
  let plan: Plan;
  try {
    plan = await planPipeline(pipeline, { text: read.text, overrides, plugins: args.plugins.map((p) => resolve(io.cwd, p)) });
  } catch (e) {
    if (e instanceof InvalidPipelineError) return printErrors(io, json, args.file, e.issues);
    throw e;
  }

  const projectPath = resolve(io.cwd, args.project ?? defaultProjectPath(args.file));
  let store: ProjectStore;
  try {
    store = openProject(projectPath, { create: true, onWait: (m) => io.stderr(`pipewright run: ${m}\n`) });
  } catch (e) {
    if (e instanceof ProjectFileError) return printErrors(io, json, args.file, [{ place: 'project', message: e.message }]);
    if (e instanceof ProjectWriteError) return writeFailed(io, json, e);
    throw e;
  }

  const progress = createProgress(io);
  let signals = 0;
  const onSignal = (): void => {
    // The first Ctrl-C cancels cleanly (the run is recorded as cancelled); a second one quits.
    if (++signals > 1) process.exit(130);
    io.stderr('cancelling… (again to quit at once)\n');
    cancel?.();
  };
  let cancel: (() => void) | null = null;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let summary: RunSummary;
  try {
    const started = await startRun({
      store,
      plan,
      baseDir: dirname(file),
      noCache: args.noCache,
      pool,
      onEvent: (e) => progress.onEvent(e),
    });
    cancel = started.cancel;
    summary = await started.done;
  } catch (e) {
    if (e instanceof InvalidPipelineError) return printErrors(io, json, args.file, e.issues);
    if (e instanceof ProjectWriteError) return writeFailed(io, json, e);
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    store.close();
  }
  progress.finish(summary);
  if (args.junit) writeJunit(summary, resolve(io.cwd, args.junit), gatesOf(plan.pipeline, { ...plan.overrides }, plan.registry));
  if (json) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
  return exitCodeFor(summary.run.status);
}
export default command;
