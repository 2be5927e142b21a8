/**
 * `pipewright lineage REF --project P [--json]` (contract section 9): where an artifact (64 hex
 * digits) or a run's node output (`RUN:NODE.PORT`) came from — every producing node and run, down
 * to the data files read and their sha256. `NAME:VERSION` (a model version) waits for the model
 * registry: until then it is exit 2 saying so.
 */
import { lineageOf, type Lineage } from '../../store/history';
import type { Command } from '../io';
import { historyArgs, short, withHistory } from './show';

const USAGE = 'usage: pipewright lineage REF --project P [--json]   (REF: artifact hash, RUN:NODE.PORT or NAME:VERSION)';

export function formatLineage(l: Lineage): string {
  const lines: string[] = [];
  const walk = (x: Lineage, indent: string, port: string | null): void => {
    const by = x.producedBy ? `${x.producedBy.node}.${x.producedBy.port} (${x.producedBy.type}) in run ${x.producedBy.run}` : 'not produced by a recorded run';
    lines.push(`${indent}${port ? `${port} ← ` : ''}${x.kind} ${short(x.hash)}  ${by}`);
    const own = x.files.filter((f) => !x.inputs.some((i) => i.files.some((g) => g.path === f.path)));
    for (const f of own) lines.push(`${indent}  file ${f.path}  sha256 ${f.sha256 ?? '(file is gone)'}`);
    for (const i of x.inputs) walk(i, `${indent}  `, i.port);
  };
  walk(l, '', null);
  if (l.registeredFrom) lines.push(`registered from the file ${l.registeredFrom.path}  sha256 ${l.registeredFrom.sha256} (pipewright models register)`);
  lines.push('', 'data files:');
  for (const f of l.files) lines.push(`  ${f.path}  sha256 ${f.sha256 ?? '(file is gone)'}`);
  if (l.files.length === 0) lines.push('  none');
  return `${lines.join('\n')}\n`;
}

const command: Command = async (argv, io) => {
  const { project, json, args } = historyArgs(argv, 1, 'a reference (artifact hash, RUN:NODE.PORT or NAME:VERSION)', USAGE);
  return withHistory(io, 'lineage', { project, json, place: 'ref' }, (store) => lineageOf(store, args[0]), formatLineage);
};
export default command;
