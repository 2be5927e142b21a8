/**
 * `--junit OUT`: a run as a JUnit XML report (contract section 2), so CI dashboards (GitHub,
 * GitLab, Jenkins) show one test case per node and one per gate.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseInputRef, type Pipeline, type ParamValue } from '../../shared/pipeline/model';
import { resolveParamRefs } from '../../shared/pipeline/validate';
import { registry, type NodeRegistry } from '../../nodes/registry';
import type { NodeResult, RunSummary } from '../../shared/run';

/** What a gate node checks, read from the pipeline (the summary alone does not say). */
export interface GateSpec {
  nodeId: string;
  metric: string;
  min?: number;
  max?: number;
  /** the node whose metrics the gate reads (its scalars hold the value when the gate's do not) */
  source?: string;
}

/**
 * The gates of a pipeline (nodes whose type declares `gate`), params resolved against pipeline
 * params (and overrides) and defaulted.
 */
export function gatesOf(pipeline: Pipeline, overrides: Record<string, ParamValue> = {}, types: NodeRegistry = registry): GateSpec[] {
  const resolved = resolveParamRefs(pipeline, overrides);
  const gates: GateSpec[] = [];
  for (const n of pipeline.nodes) {
    const def = types.get(n.type);
    if (!def?.gate) continue;
    const raw = resolved.nodes[n.id] ?? n.params;
    const parsed = def.params.safeParse(raw);
    const spec = def.gate.spec(parsed.success ? parsed.data : raw);
    const inputRef = n.inputs[def.gate.input];
    const ref = inputRef ? parseInputRef(inputRef) : null;
    gates.push({
      nodeId: n.id,
      ...(ref ? { source: ref.node } : {}),
      metric: typeof spec.metric === 'string' ? spec.metric : String(spec.metric),
      ...(typeof spec.min === 'number' ? { min: spec.min } : {}),
      ...(typeof spec.max === 'number' ? { max: spec.max } : {}),
    });
  }
  return gates;
}

// XML 1.0 forbids most C0 control characters even as character references, so they are dropped.
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Escapes text for an XML attribute value or element content. */
export function escapeXml(text: string): string {
  return text
    .replace(INVALID_XML_CHARS, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    // attribute-value normalisation would turn raw newlines and tabs into spaces
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

function boundText(g: GateSpec): string {
  const parts: string[] = [];
  if (g.min !== undefined) parts.push(`>= ${g.min}`);
  if (g.max !== undefined) parts.push(`<= ${g.max}`);
  return parts.join(' and ');
}

interface Case {
  classname: string;
  name: string;
  timeMs: number;
  failure?: { message: string; type: string; body: string };
  skipped?: string;
  systemOut?: string;
}

function nodeCase(pipeline: string, id: string, r: NodeResult): Case {
  const c: Case = { classname: pipeline, name: id, timeMs: r.durationMs, systemOut: r.reason };
  if (r.status === 'failed') {
    const message = r.error ?? 'failed';
    c.failure = { message, type: r.gateFailed ? 'GateFailure' : 'NodeError', body: message };
  } else if (r.status === 'skipped' || r.status === 'cancelled') {
    c.skipped = `${r.status}${r.reason ? `: ${r.reason}` : ''}`;
  }
  return c;
}

function gateCase(pipeline: string, g: GateSpec, r: NodeResult | undefined, source: NodeResult | undefined): Case {
  const bound = boundText(g);
  const name = `${g.nodeId}: ${g.metric}${bound ? ` ${bound}` : ''}`;
  const c: Case = { classname: `${pipeline}.gates`, name, timeMs: r?.durationMs ?? 0 };
  if (!r || r.status === 'skipped' || r.status === 'cancelled') {
    c.skipped = r ? `${r.status}${r.reason ? `: ${r.reason}` : ''}` : 'not run';
    return c;
  }
  const value = r.metrics[g.metric] ?? source?.metrics[g.metric];
  if (r.gateFailed || r.status === 'failed') {
    const valueText = value === undefined ? 'missing' : String(value);
    const message = r.gateFailed
      ? `gate missed: ${g.metric} = ${valueText}, required ${bound}`
      : `gate not evaluated: ${r.error ?? 'node failed'}`;
    c.failure = {
      message,
      type: r.gateFailed ? 'GateFailure' : 'NodeError',
      body: r.error && r.error !== message ? `${message}\n${r.error}` : message,
    };
  } else if (value !== undefined) {
    c.systemOut = `${g.metric} = ${value}, required ${bound}`;
  }
  return c;
}

function renderCase(c: Case): string {
  const open = `    <testcase classname="${escapeXml(c.classname)}" name="${escapeXml(c.name)}" time="${seconds(c.timeMs)}"`;
  const children: string[] = [];
  if (c.failure) {
    children.push(`      <failure message="${escapeXml(c.failure.message)}" type="${escapeXml(c.failure.type)}">${escapeXml(c.failure.body)}</failure>`);
  }
  if (c.skipped !== undefined) children.push(`      <skipped message="${escapeXml(c.skipped)}"/>`);
  if (c.systemOut) children.push(`      <system-out>${escapeXml(c.systemOut)}</system-out>`);
  return children.length ? `${open}>\n${children.join('\n')}\n    </testcase>` : `${open}/>`;
}

/**
 * The JUnit XML of a run: one test case per node (classname = pipeline name, name = node id)
 * and one per gate (classname `<pipeline>.gates`). Gates come from `gates` (see `gatesOf`);
 * without it, every node that reported a missed gate gets a gate case of its own.
 */
export function junitXml(summary: RunSummary, gates?: GateSpec[]): string {
  const pipeline = summary.run.pipeline;
  const cases: Case[] = Object.entries(summary.nodes).map(([id, r]) => nodeCase(pipeline, id, r));
  const gateSpecs: GateSpec[] =
    gates ??
    Object.entries(summary.nodes)
      .filter(([, r]) => r.gateFailed)
      .map(([id, r]) => ({ nodeId: id, metric: Object.keys(r.metrics)[0] ?? 'metric' }));
  for (const g of gateSpecs) cases.push(gateCase(pipeline, g, summary.nodes[g.nodeId], g.source ? summary.nodes[g.source] : undefined));

  const failures = cases.filter((c) => c.failure).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const time = seconds(summary.run.durationMs);
  const attrs = `tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(pipeline)}" ${attrs}>`,
    `  <testsuite name="${escapeXml(pipeline)}" ${attrs}>`,
    '    <properties>',
    `      <property name="run.id" value="${escapeXml(summary.run.id)}"/>`,
    `      <property name="run.status" value="${escapeXml(summary.run.status)}"/>`,
    `      <property name="run.backend" value="${escapeXml(summary.run.backend)}"/>`,
    '    </properties>',
    ...cases.map(renderCase),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** Writes `junitXml(summary, gates)` to `outPath`, creating its folder. */
export function writeJunit(summary: RunSummary, outPath: string, gates?: GateSpec[]): void {
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, junitXml(summary, gates), 'utf8');
}
