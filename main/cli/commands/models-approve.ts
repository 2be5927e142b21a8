/**
 * `pipewright models approve NAME VERSION --project P [--reason TEXT]`: carries out the alias moves
 * that `deploy.register` with `approval: required` left pending for that version; the audit
 * trail records the approver and the reason.
 */
import { approve } from '../../registry/store';
import { parseCommandArgs } from '../args';
import { UsageError, type Command } from '../io';
import { versionArg, withRegistry } from './models-common';

const USAGE = 'usage: pipewright models approve NAME VERSION --project P [--reason TEXT] [--json]';

const command: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, { project: { type: 'string' }, json: { type: 'boolean' }, reason: { type: 'string' } }, USAGE);
  if (!values.project) throw new UsageError(`give the project file with --project\n${USAGE}`);
  if (positionals.length !== 2) throw new UsageError(`${positionals.length < 2 ? 'give NAME VERSION' : 'too many arguments'}\n${USAGE}`);
  const [name, v] = positionals;
  const version = versionArg(v);
  if (version === null) throw new UsageError(`VERSION "${v}" is not a version number (1, 2, …)\n${USAGE}`);
  return withRegistry(
    io,
    'models approve',
    { project: values.project, json: values.json ?? false, place: 'model' },
    (store) => ({ name, version, moved: approve(store, name, version, { via: 'pipewright models approve', reason: values.reason ?? null }) }),
    (r) => r.moved.map((m) => `${r.name}: ${m.alias} → version ${m.to}${m.from === null ? '' : ` (was ${m.from})`}, approved\n`).join(''),
  );
};
export default command;
