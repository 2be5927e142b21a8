/**
 * `pipewright diff RUN_A RUN_B --project P [--json]` (contract section 9): only what differs —
 * resolved params, the graph (added, removed, changed nodes with the fields that changed), output
 * artifacts, scalar metrics with their delta (b − a), and the environment.
 */
import { formatDelta } from '../../../shared/format';
import { diffRuns, type RunDiff } from '../../store/history';
import type { Command } from '../io';
import { historyArgs, short, withHistory } from './show';

const USAGE = 'usage: pipewright diff RUN_A RUN_B --project P [--json]';

const v = (x: unknown): string => (x === null || x === undefined ? '—' : typeof x === 'string' ? x : JSON.stringify(x));
/**
 * A metric value at 6 significant digits: whole numbers in full, tiny and huge ones in exponent
 * form as formatNumber writes them ("3.21234e-5"); `--json` keeps every digit.
 */
export function sixDigits(x: number | null): string {
  if (x === null) return '—';
  if (!Number.isFinite(x) || (Number.isInteger(x) && Math.abs(x) < 1e15)) return String(x);
  const a = Math.abs(x);
  if (a < 1e-3 || a >= 1e9) {
    const [m, e] = x.toExponential(5).split('e');
    return `${m.replace(/\.?0+$/, '')}e${e.replace('+', '')}`;
  }
  return String(Number(x.toPrecision(6)));
}

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
  // the change by the project's one rule for metric changes (as the Runs compare panel shows it)
  const delta = (x: RunDiff['metrics'][string]): string => (x.delta === null ? '' : ` (${formatDelta(x.delta, ...[x.a, x.b].filter((n): n is number => n !== null))})`);
  section('metrics', Object.entries(d.metrics).map(([k, x]) => `${k}: ${sixDigits(x.a)} → ${sixDigits(x.b)}${delta(x)}`));
  section('environment', Object.entries(d.environment).map(([k, x]) => `${k}: ${v(x.a)} → ${v(x.b)}`));
  return `${out.join('\n')}\n`;
}

const command: Command = async (argv, io) => {
  const { project, json, args } = historyArgs(argv, 2, 'two run ids', USAGE);
  return withHistory(io, 'diff', { project, json, place: 'run' }, (store) => diffRuns(store, args[0], args[1]), formatDiff);
};
export default command;
