/**
 * `pipewright`: the command line of contract section 2. Runs on plain Node.js (no Electron).
 * Each command lives in `commands/<name>.ts` and returns its exit code.
 */
import { APP_VERSION } from '../../shared/version';
import { ProjectFileError, ProjectWriteError } from '../store/errors';
import { HelpRequested, processIO, UsageError, type CliIO, type Command } from './io';
import { dropPrestartedPool, prestartWorker } from '../engine/prestart';

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  run: { summary: 'run a pipeline and record it in its project file', load: async () => (await import('./commands/run')).default },
  validate: { summary: 'check pipeline files', load: async () => (await import('./commands/validate')).default },
  fmt: { summary: 'rewrite pipeline files in canonical form (--check: only list)', load: async () => (await import('./commands/fmt')).default },
  export: { summary: 'export to Argo Workflows or GitHub Actions', load: async () => (await import('./commands/export')).default },
  runs: { summary: 'list recorded runs of a project', load: async () => (await import('./commands/runs')).default },
  backup: { summary: 'copy a project file into a new file (VACUUM INTO; saves what a damaged file still holds)', load: async () => (await import('./commands/backup')).default },
  show: { summary: 'one run: params, version, environment, nodes, metrics, outputs', load: async () => (await import('./commands/show')).default },
  diff: { summary: 'what differs between two runs', load: async () => (await import('./commands/diff')).default },
  gc: { summary: 'delete artifacts no kept run needs, then compact (--dry-run: only say)', load: async () => (await import('./commands/gc')).default },
  lineage: { summary: 'where an artifact or a run\'s output came from, down to the data files', load: async () => (await import('./commands/lineage')).default },
  'run-node': { summary: 'run one node alone on artifact files (the unit Argo schedules)', load: async () => (await import('./commands/run-node')).default },
  models: { summary: 'the model registry: models, show, alias, approve, traffic, export, register', load: async () => (await import('./commands/models')).default },
  predict: { summary: 'batch prediction with a registered model or a model file (CSV or Parquet)', load: async () => (await import('./commands/predict')).default },
  features: { summary: 'feature views and what is materialised online', load: async () => (await import('./commands/features')).default },
  doctor: { summary: 'say which compute backend loads, and why the others do not', load: async () => (await import('./commands/doctor')).default },
  serve: { summary: 'serve registered models over HTTP (TF Serving REST and Open Inference Protocol)', load: async () => (await import('./commands/serve')).default },
  'export-model': { summary: 'a KServe InferenceService for a registered model', load: async () => (await import('./commands/export-model')).default },
  watch: { summary: 'run the triggers of pipeline files (schedules, files, metrics) until stopped (--once: what is due)', load: async () => (await import('./commands/watch')).default },
  'merge-driver': { summary: 'merge pipeline files per node and param (a git merge driver)', load: async () => (await import('./commands/merge-driver')).default },
};

export const USAGE = `pipewright ${APP_VERSION} — ML pipelines as graphs

Usage:
  pipewright run FILE [--project P] [--param k=v]... [--no-cache] [--json] [--junit OUT]
  pipewright validate FILE... [--json]
  pipewright fmt FILE... [--check]
  pipewright export FILE --to argo|github-actions [-o OUT]
  pipewright runs --project P [--pipeline NAME] [--status S] [--limit N] [--json]
  pipewright show RUN --project P [--json]
  pipewright diff RUN_A RUN_B --project P [--json]
  pipewright lineage REF --project P [--json]      (REF: artifact hash or RUN:NODE.PORT)
  pipewright gc --project P [--keep-last N] [--dry-run] [--json]
  pipewright backup --project P OUT [--json]
  pipewright features --project P [--json]
  pipewright features materialize --project P [--view NAME]... [--as-of TIME] [--reset] [--json]
  pipewright run-node FILE --node ID --in DIR --out DIR [--param k=v]...
  pipewright models --project P [--json]
  pipewright models show NAME --project P [--json]
  pipewright models alias NAME ALIAS VERSION|--delete --project P [--reason TEXT]
  pipewright models approve NAME VERSION --project P [--reason TEXT]
  pipewright models traffic NAME ALIAS=PCT... [--shadow ALIAS|--no-shadow] --project P
  pipewright models export NAME[@ALIAS|:VERSION] --project P -o FILE
  pipewright models register FILE --project P --name NAME [--alias A] [--reason TEXT] [--metrics FILE.json]
  pipewright predict (--project P --model REF | --model-file F) --in TABLE --out FILE [--json]
  pipewright watch --project P FILE... [--once]
  pipewright doctor
  pipewright merge-driver BASE OURS THEIRS [--name PATH]
  pipewright export-model REF --project P --to kserve --image IMAGE [-o OUT] [--storage-uri URI] [--min-replicas N] [--max-replicas N]
  pipewright serve (--project P [--model REF]... | --model-file F) [--port N] [--host H] [--token T | --no-auth] [--workers N] [--log-sample R]
  pipewright serve --list --project P [--json]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(13)} ${c.summary}`)
  .join('\n')}

Exit codes: 0 ok; 1 a node failed, or a write to the project file failed (fmt --check: a file is not canonical); 2 invalid pipeline or usage, or the project file cannot be opened; 3 a gate failed.
Another process's lock on the project file is waited for (PIPEWRIGHT_LOCK_WAIT_MS, default 30000), saying so on stderr.
A damaged project file is refused; \`pipewright backup\` copies out what it still holds.
`;

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(USAGE);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.stdout(`${APP_VERSION}\n`);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.stderr(`pipewright: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  // The run command's worker loads beside the command's own modules (main/engine/prestart.ts).
  if (name === 'run' && !rest.some((a) => a === '--help' || a === '-h')) prestartWorker();
  try {
    return await (await cmd.load())(rest, io);
  } catch (e) {
    if (e instanceof HelpRequested) {
      io.stdout(`${e.usage}\n`);
      return 0;
    }
    if (e instanceof UsageError || e instanceof ProjectFileError) {
      io.stderr(`pipewright ${name}: ${e.message}\n`);
      return 2;
    }
    if (e instanceof ProjectWriteError) {
      io.stderr(`pipewright ${name}: ${e.message}\n`);
      return 1;
    }
    io.stderr(`pipewright ${name}: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  } finally {
    await dropPrestartedPool();
  }
}

/** Entry point of the `pipewright` binary (bin/pipewright.cjs). */
export function runCli(): void {
  main(process.argv.slice(2), processIO()).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`pipewright: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
