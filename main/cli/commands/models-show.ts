/**
 * `pipewright models show NAME --project P [--json]`: versions (newest first) with run, metrics,
 * inputs and aliases; the aliases, the traffic split, pending approvals and the audit trail.
 * `--json` is contract section 5's shape.
 */
import { showModel, type ModelDetails } from '../../registry/store';
import { formatMetrics } from '../progress';
import { historyArgs } from './show';
import { textTable, withRegistry } from './models-common';
import type { Command } from '../io';

const USAGE = 'usage: pipewright models show NAME --project P [--json]';

/** Section 5's JSON: the version fields it names (provenance beyond them under `provenance`). */
export function showJson(d: ModelDetails): unknown {
  return {
    name: d.name,
    versions: d.versions.map((v) => ({
      version: v.version,
      run: v.run,
      node: v.node,
      createdAt: v.createdAt,
      metrics: v.metrics,
      inputs: v.inputs.map((i) => ({ name: i.name, type: i.type })),
      task: v.task,
      ...(v.classes ? { classes: v.classes } : {}),
      aliases: v.aliases,
      ...(v.source ? { source: v.source } : {}),
      provenance: { pipeline: v.pipeline, pipelineVersion: v.pipelineVersion, dataHashes: v.dataHashes, modelHash: v.modelHash },
    })),
    aliases: d.aliases,
    audit: d.audit,
    pending: d.pending.map((p) => ({ alias: p.alias, version: p.version, from: p.from, requestedAt: p.requestedAt, requestedBy: p.requestedBy, via: p.via })),
    traffic: d.traffic,
    shadow: d.shadow,
  };
}

function showText(d: ModelDetails): string {
  const out: string[] = [`model ${d.name}`];
  const aliases = Object.entries(d.aliases).map(([a, v]) => `${a} → ${v}`);
  out.push(`aliases: ${aliases.length ? aliases.join(', ') : 'none'}`);
  if (d.traffic) out.push(`traffic: ${Object.entries(d.traffic).map(([a, p]) => `${a} ${p}%`).join(', ')}`);
  if (d.shadow) out.push(`shadow: ${d.shadow}`);
  out.push('');
  out.push(
    textTable(
      ['VERSION', 'RUN', 'CREATED', 'ALIASES', 'METRICS'],
      d.versions.map((v) => [String(v.version), v.run !== null ? `${v.run} (${v.node})` : v.source ? `file ${v.source.path} (sha256 ${v.source.sha256.slice(0, 12)})` : '—', v.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), v.aliases.join(' '), formatMetrics(v.metrics)]),
    ).trimEnd(),
  );
  const latest = d.versions[0];
  if (latest) {
    out.push('');
    out.push(`inputs of version ${latest.version} (${latest.task}${latest.classes ? `: ${latest.classes.join(', ')}` : ''}):`);
    out.push(`  ${latest.inputs.map((i) => `${i.name} ${i.type}${i.nullable ? ' (null ok)' : ''}`).join(', ')}`);
  }
  if (d.pending.length) {
    out.push('', 'waiting for approval:');
    for (const p of d.pending) out.push(`  ${p.alias}: ${p.from ?? 'none'} → ${p.version} (asked by ${p.requestedBy} via ${p.via}, ${p.requestedAt}); pipewright models approve ${d.name} ${p.version}`);
  }
  if (d.audit.length) {
    out.push('', 'audit trail:');
    out.push(
      textTable(
        ['AT', 'ALIAS', 'FROM', 'TO', 'BY', 'VIA', 'REASON'],
        d.audit.map((a) => [a.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), a.alias, a.from === null ? '—' : String(a.from), a.to === null ? '—' : String(a.to), a.by, a.via, a.reason ?? '']),
      )
        .trimEnd()
        .replace(/^/gm, '  '),
    );
  }
  return `${out.join('\n')}\n`;
}

const command: Command = async (argv, io) => {
  const { project, json, args } = historyArgs(argv, 1, 'the model name', USAGE);
  return withRegistry(io, 'models show', { project, json, readonly: true, place: 'model' }, (store) => showModel(store, args[0]), showText, showJson);
};
export default command;
