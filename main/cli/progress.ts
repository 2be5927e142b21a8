/**
 * The per-node progress display of `pipewright run` on stderr: a live block redrawn in place on
 * a terminal, plain lines otherwise (one per finished node: status, duration, cache decision,
 * metrics), so CI logs stay readable.
 */
import type { NodeResult, RunEvent, RunSummary } from '../../shared/run';
import type { CliIO } from './io';

type Row = { id: string; state: 'queued' | 'running' | NodeResult['status']; fraction: number; message: string; started: number; result?: NodeResult };

const ICON: Record<Row['state'], string> = {
  queued: '·',
  running: '▸',
  succeeded: '✓',
  failed: '✗',
  skipped: '-',
  cancelled: '■',
};

/** Metrics shown on a node's line; a node with more (a drift report's per-column ones) says how many more. */
const LINE_METRICS = 8;

export function formatMetrics(m: Record<string, number>, max = Infinity): string {
  const all = Object.entries(m);
  const shown = all
    .slice(0, max)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : Number(v.toPrecision(4))}`)
    .join(' ');
  return all.length > max ? `${shown} (+${all.length - max} more: pipewright show)` : shown;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** One line for a finished node (the plain display, and the final block on a terminal). */
export function nodeLine(id: string, r: NodeResult, width = 0): string {
  const parts = [`${ICON[r.status]} ${id.padEnd(width)}`, r.status, r.cached ? 'cached' : formatDuration(r.durationMs), `(${r.reason})`];
  if (r.error) parts.push(`— ${r.error}`);
  const m = formatMetrics(r.metrics, LINE_METRICS);
  if (m) parts.push(m);
  return parts.join('  ');
}

export interface ProgressDisplay {
  onEvent(e: RunEvent): void;
  finish(summary: RunSummary): void;
}

export function createProgress(io: CliIO, opts: { quiet?: boolean } = {}): ProgressDisplay {
  const rows = new Map<string, Row>();
  let width = 0;
  const live = io.isTTY && !opts.quiet;
  let drawn = 0;
  let timer: NodeJS.Timeout | null = null;

  const bar = (f: number): string => {
    const n = Math.round(Math.max(0, Math.min(1, f)) * 12);
    return `[${'#'.repeat(n)}${' '.repeat(12 - n)}]`;
  };

  const render = (): void => {
    timer = null;
    const cols = process.stderr.columns || 100;
    const lines = [...rows.values()].map((r) => {
      let line: string;
      if (r.result) line = nodeLine(r.id, r.result, width);
      else if (r.state === 'running')
        line = `${ICON.running} ${r.id.padEnd(width)}  ${bar(r.fraction)} ${formatDuration(Date.now() - r.started)}${r.message ? `  ${r.message}` : ''}`;
      else line = `${ICON.queued} ${r.id.padEnd(width)}  queued`;
      return line.length > cols - 1 ? `${line.slice(0, cols - 2)}…` : line;
    });
    let out = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const l of lines) out += `\x1b[2K${l}\n`;
    drawn = lines.length;
    io.stderr(out);
  };
  const schedule = (): void => {
    if (live && !timer) timer = setTimeout(render, 80);
  };
  const printAbove = (line: string): void => {
    if (opts.quiet) return;
    if (live && drawn) {
      // print above the live block: clear it, print, redraw
      io.stderr(`\x1b[${drawn}A\x1b[J`);
      drawn = 0;
    }
    io.stderr(`${line}\n`);
    schedule();
  };

  return {
    onEvent(e) {
      switch (e.type) {
        case 'run.started':
          for (const id of e.nodes) rows.set(id, { id, state: 'queued', fraction: 0, message: '', started: 0 });
          width = Math.max(0, ...e.nodes.map((n) => n.length));
          if (!opts.quiet) io.stderr(`run ${e.runId} of ${e.pipeline}: ${e.nodes.length} node${e.nodes.length === 1 ? '' : 's'}\n`);
          schedule();
          break;
        case 'node.started': {
          const r = rows.get(e.nodeId);
          if (r) Object.assign(r, { state: 'running', started: Date.now() });
          schedule();
          break;
        }
        case 'node.progress': {
          const r = rows.get(e.nodeId);
          if (r) Object.assign(r, { fraction: e.fraction, message: e.message ?? r.message });
          schedule();
          break;
        }
        case 'node.log':
          if (e.level === 'warn' || e.level === 'error') printAbove(`${e.nodeId}: ${e.level}: ${e.message}`);
          break;
        case 'run.log':
          if (e.level === 'warn' || e.level === 'error') printAbove(`run ${e.runId}: ${e.level}: ${e.message}`);
          break;
        case 'node.finished': {
          const { type: _t, runId: _r, nodeId, execution: _x, ...result } = e;
          const r = rows.get(nodeId);
          if (r) Object.assign(r, { state: result.status, result });
          if (!live && !opts.quiet) io.stderr(`${nodeLine(nodeId, result, width)}\n`);
          schedule();
          break;
        }
        default:
          break;
      }
    },
    finish(summary) {
      if (timer) clearTimeout(timer);
      if (live) render();
      if (opts.quiet) return;
      const r = summary.run;
      const n = Object.values(summary.nodes);
      const cached = n.filter((x) => x.cached).length;
      io.stderr(`run ${r.id} ${r.status} in ${formatDuration(r.durationMs)} (${n.length} nodes, ${cached} cached, backend ${r.backend})\n`);
      if (r.error) io.stderr(`run ${r.id} ${r.status}: ${r.error}\n`);
    },
  };
}
