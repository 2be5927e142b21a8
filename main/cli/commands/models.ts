/**
 * `pipewright models --project P [--json]` (contract sections 2b and 5): the registered models.
 * `models show|alias|approve|traffic|export …` are commands of their own (models-*.ts).
 */
import type { ModelSummary } from '../../registry/store';
import { listModels } from '../../registry/store';
import { parseCommandArgs } from '../args';
import { UsageError, type Command } from '../io';
import { textTable, withRegistry } from './models-common';

const USAGE = `usage: pipewright models --project P [--json]
       pipewright models show NAME --project P [--json]
       pipewright models alias NAME ALIAS VERSION --project P [--reason TEXT]
       pipewright models alias NAME ALIAS --delete --project P [--reason TEXT]
       pipewright models approve NAME VERSION --project P [--reason TEXT]
       pipewright models traffic NAME ALIAS=PCT... [--shadow ALIAS | --no-shadow] --project P
       pipewright models export NAME[@ALIAS|:VERSION] --project P -o FILE
       pipewright models register FILE --project P --name NAME [--alias A] [--reason TEXT] [--metrics FILE.json]`;

const SUBCOMMANDS: Record<string, () => Promise<Command>> = {
  show: async () => (await import('./models-show')).default,
  alias: async () => (await import('./models-alias')).default,
  approve: async () => (await import('./models-approve')).default,
  traffic: async () => (await import('./models-traffic')).default,
  export: async () => (await import('./models-export')).default,
  register: async () => (await import('./models-register')).default,
};

function listText(models: ModelSummary[]): string {
  if (models.length === 0) return 'no registered models yet (add a deploy.register node to a pipeline and run it, or pipewright models register FILE)\n';
  return textTable(
    ['MODEL', 'VERSIONS', 'LATEST', 'ALIASES', 'PENDING'],
    models.map((m) => [
      m.name,
      String(m.versions),
      String(m.latest),
      Object.entries(m.aliases)
        .map(([a, v]) => `${a}=${v}`)
        .join(' ') || '—',
      m.pending ? `${m.pending} waiting for approval` : '',
    ]),
  );
}

const command: Command = async (argv, io) => {
  const sub = argv[0] && SUBCOMMANDS[argv[0]];
  if (sub) return (await sub())(argv.slice(1), io);
  const { values, positionals } = parseCommandArgs(argv, { project: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
  if (positionals.length) throw new UsageError(`unknown models command '${positionals[0]}' (show, alias, approve, traffic, export, register)\n${USAGE}`);
  if (!values.project) throw new UsageError(`give the project file with --project\n${USAGE}`);
  const json = values.json ?? false;
  return withRegistry(io, 'models', { project: values.project, json, readonly: true, place: 'project' }, listModels, listText, (models) => ({ models }));
};
export default command;
