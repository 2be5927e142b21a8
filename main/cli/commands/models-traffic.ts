/**
 * `pipewright models traffic NAME ALIAS=PCT... [--shadow ALIAS | --no-shadow] --project P`: splits
 * a model's traffic between aliases (whole percentages adding up to 100; one alias at 100 ends
 * the split) and sets or clears its shadow alias (contract section 6). A server applies it live.
 */
import { setTraffic } from '../../registry/store';
import { parseCommandArgs } from '../args';
import { UsageError, type Command } from '../io';
import { withRegistry } from './models-common';

const USAGE = 'usage: pipewright models traffic NAME ALIAS=PCT... [--shadow ALIAS | --no-shadow] --project P [--reason TEXT] [--json]';

const command: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(
    argv,
    { project: { type: 'string' }, json: { type: 'boolean' }, shadow: { type: 'string' }, 'no-shadow': { type: 'boolean' }, reason: { type: 'string' } },
    USAGE,
  );
  if (!values.project) throw new UsageError(`give the project file with --project\n${USAGE}`);
  if (values.shadow !== undefined && values['no-shadow']) throw new UsageError(`give --shadow ALIAS or --no-shadow, not both\n${USAGE}`);
  const [name, ...shares] = positionals;
  if (!name) throw new UsageError(`give the model name\n${USAGE}`);
  const shadow = values['no-shadow'] ? null : values.shadow;
  if (shares.length === 0 && shadow === undefined) throw new UsageError(`give ALIAS=PCT shares, --shadow ALIAS or --no-shadow\n${USAGE}`);
  let split: Record<string, number> | null = null;
  if (shares.length) {
    split = {};
    for (const s of shares) {
      const m = /^([^=]+)=([0-9]{1,3})%?$/.exec(s);
      if (!m) throw new UsageError(`"${s}": write ALIAS=PCT, e.g. champion=90\n${USAGE}`);
      if (m[1] in split) throw new UsageError(`"${m[1]}" is given twice\n${USAGE}`);
      split[m[1]] = Number(m[2]);
    }
  }
  return withRegistry(
    io,
    'models traffic',
    { project: values.project, json: values.json ?? false, place: 'model' },
    (store) => ({ name, ...setTraffic(store, name, split, shadow, { via: 'pipewright models traffic', reason: values.reason ?? null }) }),
    (r) =>
      `${r.name}: ${r.traffic ? `traffic ${Object.entries(r.traffic).map(([a, p]) => `${a} ${p}%`).join(', ')}` : 'no traffic split'}; shadow ${r.shadow ?? 'none'}\n`,
  );
};
export default command;
