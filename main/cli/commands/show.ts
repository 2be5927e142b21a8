/**
 * `pipewright show RUN --project P [--json]` (contract section 2b): one run — params, pipeline
 * version hash, environment, per-node status, reason, metrics and output artifacts.
 * Also home of `withHistory`, how show, diff and lineage open the project and report what is missing.
 */
import { resolve } from 'node:path';
import { HistoryNotFound, showRun } from '../../store/history';
import { openProject, ProjectFileError, ProjectWriteError, type ProjectStore } from '../../store/project-store';
import { parseCommandArgs } from '../args';
import { UsageError, type CliIO, type Command } from '../io';
import { formatDuration, formatMetrics } from '../progress';

const USAGE = 'usage: pipewright show RUN --project P [--json]';

/**
 * Opens the project read-only, calls `fn`, prints its result (JSON or text) and returns the exit
 * code: a missing project, run, artifact or ref is exit 2 with a message naming it (with --json
 * as `{ "errors": [ { place, message } ] }`).
 */
export function withHistory<T>(
  io: CliIO,
  cmd: string,
  opts: { project: string; json: boolean; place: string },
  fn: (store: ProjectStore) => T,
  text: (result: T) => string,
): number {
  const fail = (place: string, message: string, code = 2): number => {
    if (opts.json) io.stdout(`${JSON.stringify({ errors: [{ place, message }] }, null, 2)}\n`);
    else io.stderr(`pipewright ${cmd}: ${message}\n`);
    return code;
  };
  let store: ProjectStore;
  try {
    store = openProject(resolve(io.cwd, opts.project), { readonly: true, onWait: (m) => io.stderr(`pipewright ${cmd}: ${m}\n`) });
  } catch (e) {
    if (e instanceof ProjectFileError) return fail('project', e.message);
    if (e instanceof ProjectWriteError) return fail('project', e.message, 1);
    throw e;
  }
  try {
    const result = fn(store);
    io.stdout(opts.json ? `${JSON.stringify(result, null, 2)}\n` : text(result));
    return 0;
  } catch (e) {
    if (e instanceof HistoryNotFound) return fail(opts.place, e.message);
    throw e;
  } finally {
    store.close();
  }
}

export const HISTORY_OPTIONS = { project: { type: 'string' }, json: { type: 'boolean' } } as const;

/** `--project` given, exactly `n` positionals: else a usage error. */
export function historyArgs(argv: string[], n: number, what: string, usage: string): { project: string; json: boolean; args: string[] } {
  const { values, positionals } = parseCommandArgs(argv, HISTORY_OPTIONS, usage);
  if (positionals.length !== n) throw new UsageError(`${positionals.length < n ? `give ${what}` : 'too many arguments'}\n${usage}`);
  if (!values.project) throw new UsageError(`give the project file with --project\n${usage}`);
  return { project: values.project, json: values.json ?? false, args: positionals };
}

export const short = (hash: string | null): string => (hash ? hash.slice(0, 12) : '—');

const command: Command = async (argv, io) => {
  const { project, json, args } = historyArgs(argv, 1, 'a run id', USAGE);
  return withHistory(io, 'show', { project, json, place: 'run' }, (store) => showRun(store, args[0]), (s) => {
    const lines = [
      `run ${s.run.id}  ${s.run.status}  ${s.run.pipeline}  started ${s.run.startedAt}  ${s.run.durationMs == null ? '' : formatDuration(s.run.durationMs)}  backend ${s.run.backend ?? '—'}`,
      `pipeline version ${s.pipelineVersion ? `${s.pipelineVersion.id} (${s.pipelineVersion.hash})` : '— (not recorded)'}`,
      `params ${Object.entries(s.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ') || '—'}`,
      `environment ${['appVersion', 'nodejs', 'backend'].map((k) => `${k}=${String(s.environment[k] ?? '—')}`).join(' ')}`,
      '',
    ];
    const width = Math.max(4, ...Object.keys(s.nodes).map((k) => k.length));
    for (const [id, n] of Object.entries(s.nodes)) {
      lines.push(`${id.padEnd(width)}  ${n.status.padEnd(9)} ${n.cached ? 'cached ' : ''}(${n.reason})${n.error ? `  error: ${n.error}` : ''}`);
      if (Object.keys(n.metrics).length) lines.push(`${''.padEnd(width)}  metrics ${formatMetrics(n.metrics)}`);
      for (const [port, o] of Object.entries(n.outputs)) {
        const shape = o.rows !== undefined ? ` ${o.rows} rows × ${o.columns?.length ?? 0} columns` : '';
        lines.push(`${''.padEnd(width)}  → ${port} ${o.kind} ${o.hash}${shape}`);
      }
    }
    return `${lines.join('\n')}\n`;
  });
};
export default command;
