/**
 * `pipewright features --project P [--json]` (contract sections 2b, 7): the feature views the
 * project's runs recorded, and what of each is materialised online (rows, watermark, last
 * materialisation). `--json`: `{ "views": [ … ] }`. `features materialize` is features-materialize.ts.
 */
import { listFeatureViews, type FeatureViewSummary } from '../../features/summary';
import { parseCommandArgs } from '../args';
import { UsageError, type Command } from '../io';
import { withHistory } from './show';

const USAGE = `usage: pipewright features --project P [--json]
       pipewright features materialize --project P [--view NAME]... [--as-of TIME] [--reset] [--json]`;

function text(views: FeatureViewSummary[]): string {
  if (views.length === 0) return 'no feature views recorded yet (run a pipeline with a features.view node)\n';
  const day = (iso: string | null): string => (iso ? iso.replace('T', ' ').replace(/(:\d\d)(\.\d+)?Z$/, '$1Z') : '—');
  return views
    .map((v) => {
      const lines = [
        `${v.name}  entity ${v.entity.map((e) => `${e.name} (${e.type})`).join(', ')}  time ${v.timestamp}${v.createdTimestamp ? ` / created ${v.createdTimestamp}` : ''}  ttl ${v.ttl ?? 'none'}`,
        `  features: ${v.features.map((f) => `${f.name} (${f.type})`).join(', ')}`,
        `  offline: ${v.rows ?? '?'} rows, ${v.entities ?? '?'} entities, events ${day(v.eventTimeMin)} .. ${day(v.eventTimeMax)} (run ${v.recordedBy.run ?? '?'}, node ${v.recordedBy.node ?? '?'})`,
        v.online.lastMaterialization
          ? `  online: ${v.online.rows} entities as of ${day(v.online.watermark)} (last: run ${v.online.lastMaterialization.run ?? '?'}, read ${v.online.lastMaterialization.rowsRead} rows, wrote ${v.online.lastMaterialization.entitiesWritten})`
          : '  online: not materialised',
      ];
      return lines.join('\n');
    })
    .join('\n\n')
    .concat('\n');
}

const command: Command = async (argv, io) => {
  if (argv[0] === 'materialize') return (await import('./features-materialize')).default(argv.slice(1), io);
  const { values, positionals } = parseCommandArgs(argv, { project: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
  if (!values.project || positionals.length) throw new UsageError(`give the project file with --project\n${USAGE}`);
  const json = values.json ?? false;
  return withHistory(io, 'features', { project: values.project, json, place: 'project' }, (store) => (json ? { views: listFeatureViews(store) } : listFeatureViews(store)), (r) =>
    text(r as FeatureViewSummary[]),
  );
};
export default command;
