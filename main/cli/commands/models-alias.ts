/**
 * `pipewright models alias NAME ALIAS VERSION --project P [--reason TEXT]` sets or moves an alias;
 * `models alias NAME ALIAS --delete` removes it. Both are in the audit trail (OS user, this
 * command, the reason).
 */
import { deleteAlias, setAlias } from '../../registry/store';
import { parseCommandArgs } from '../args';
import { UsageError, type Command } from '../io';
import { versionArg, withRegistry } from './models-common';

const USAGE = 'usage: pipewright models alias NAME ALIAS VERSION --project P [--reason TEXT] [--json]\n       pipewright models alias NAME ALIAS --delete --project P [--reason TEXT] [--json]';

const command: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(
    argv,
    { project: { type: 'string' }, json: { type: 'boolean' }, reason: { type: 'string' }, delete: { type: 'boolean' } },
    USAGE,
  );
  if (!values.project) throw new UsageError(`give the project file with --project\n${USAGE}`);
  const del = values.delete ?? false;
  const want = del ? 2 : 3;
  if (positionals.length !== want) throw new UsageError(`${positionals.length < want ? `give NAME ALIAS${del ? '' : ' VERSION'}` : 'too many arguments'}\n${USAGE}`);
  const [name, alias, v] = positionals;
  const version = del ? null : versionArg(v);
  if (!del && version === null) throw new UsageError(`VERSION "${v}" is not a version number (1, 2, …)\n${USAGE}`);
  const actor = { via: `pipewright models alias${del ? ' --delete' : ''}`, reason: values.reason ?? null };
  return withRegistry(
    io,
    'models alias',
    { project: values.project, json: values.json ?? false, place: 'model' },
    (store) => (del ? { name, alias, from: deleteAlias(store, name, alias, actor).from, to: null } : { name, alias, ...setAlias(store, name, alias, version!, actor) }),
    (r) => (r.to === null ? `${r.name}: alias ${r.alias} removed (was version ${r.from})\n` : `${r.name}: ${r.alias} → version ${r.to}${r.from === null ? '' : ` (was ${r.from})`}\n`),
  );
};
export default command;
