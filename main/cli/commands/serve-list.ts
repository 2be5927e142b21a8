/**
 * `pipewright serve --list --project P [--json]`: the model servers on a project, from the lease
 * rows each keeps in it (main/serving/lease.ts): every `pipewright serve` and every app's
 * deploy.serve server, where it listens, what it serves and its figures over the last 5 s; one
 * whose heartbeat stopped, or whose process on this machine is gone, as stopped (with why).
 */
import { formatNumber } from '../../../shared/format';
import { readLeases, type LeaseView } from '../../serving/lease';
import { parseCommandArgs } from '../args';
import { UsageError, type Command } from '../io';
import { textTable, withRegistry } from './models-common';

const USAGE = 'usage: pipewright serve --list --project P [--json]';

const ms = (x: number | null): string => (x === null ? '—' : `${formatNumber(x)} ms`);

function listText(servers: LeaseView[]): string {
  if (servers.length === 0) return 'no model servers on this project (pipewright serve, or a deploy.serve run in the app, lists itself here)\n';
  return textTable(
    ['URL', 'STARTED BY', 'STATE', 'MODELS', 'REQUESTS', 'REQ/S', 'P50', 'P99'],
    servers.map((l) => [
      l.url,
      `${l.origin === 'app' ? 'app' : 'pipewright serve'} (pid ${l.pid} on ${l.host})`,
      l.state === 'running' ? 'running' : `stopped: ${l.why ?? 'no heartbeat'}`,
      l.models.map((m) => `${m.name}${m.version === null ? '' : `:${m.version}`}${m.alias ? ` (${m.alias})` : m.traffic ? ` (${m.traffic})` : ''}`).join(', ') || '—',
      String(l.stats.requests),
      l.state === 'running' ? formatNumber(l.stats.rps) : '0',
      ms(l.stats.p50),
      ms(l.stats.p99),
    ]),
  );
}

const command: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, { list: { type: 'boolean' }, project: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'\n${USAGE}`);
  if (!values.project) throw new UsageError(`give the project file with --project\n${USAGE}`);
  return withRegistry(io, 'serve --list', { project: values.project, json: values.json ?? false, readonly: true, place: 'project' }, (store) => readLeases(store), listText, (servers) => ({
    servers: servers.map(({ key: _key, ...l }) => l),
  }));
};
export default command;
