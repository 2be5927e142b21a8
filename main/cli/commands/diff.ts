/**
 * `pipewright diff RUN_A RUN_B --project P [--json]` (contract section 9): only what differs —
 * resolved params, the graph (added, removed, changed nodes with the fields that changed), output
 * artifacts, scalar metrics with their delta (b − a), and the environment.
 */
import { diffRuns, type RunDiff } from '../../store/history';
import type { Command } from '../io';
import { historyArgs, short, withHistory } from './show';

const USAGE = 'usage: pipewright diff RUN_A RUN_B --project P [--json]';

const v = (x: unknown): string => (x === null || x === undefined ? '—' : typeof x === 'string' ? x : JSON.stringify(x));
const num = (x: number | null): string => (x === null ? '—' : String(Number(x.toPrecision(6))));

export function formatDiff(d: RunDiff): string {
  const out = [`run ${d.a} → run ${d.b}`];
  const section = (title: string, rows: string[]): void => {
    out.push(`${title}:${rows.length ? '' : ' no difference'}`);
    for (const r of rows) out.push(`  ${r}`);
  };
  section('params', Object.entries(d.params).map(([k, x]) => `${k}: ${v(x.a)} → ${v(x.b)}`));
  section('graph', [
    ...d.graph.added.map((n) => `+ ${n}`),
    ...d.graph.removed.map((n) => `- ${n}`),
    ...d.graph.changed.map((c) => `~ ${c.node}: ${c.fields.join(', ')}`),
  ]);
  section('data', Object.entries(d.data).map(([k, x]) => `${k}: ${short(x.a)} → ${short(x.b)}`));
  section('metrics', Object.entries(d.metrics).map(([k, x]) => `${k}: ${num(x.a)} → ${num(x.b)}${x.delta === null ? '' : ` (${x.delta >= 0 ? '+' : ''}${num(x.delta)})`}`));
  section('environment', Object.entries(d.environment).map(([k, x]) => `${k}: ${v(x.a)} → ${v(x.b)}`));
  return `${out.join('\n')}\n`;
}

const command: Command = async (argv, io) => {
  const { project, json, args } = historyArgs(argv, 2, 'two run ids', USAGE);
  return withHistory(io, 'diff', { project, json, place: 'run' }, (store) => diffRuns(store, args[0], args[1]), formatDiff);
};
export default command;
