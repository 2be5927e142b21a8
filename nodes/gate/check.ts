/** The decision of gate.metric, apart from file reading so it can be tested directly. */
import type { MetricsDoc } from '../artifacts';
import { GateFailure, NodeError } from '../types';

/** Up to 4 significant digits, so the message shows what the user compares ("0.947 is below min 0.999"). */
function show(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
}

export function parseMetricsDoc(json: unknown): MetricsDoc {
  if (!json || typeof json !== 'object' || (json as { format?: unknown }).format !== 'pipewright-metrics/v1') {
    throw new NodeError('input metrics is not a Pipewright metrics document (pipewright-metrics/v1)');
  }
  const scalars = (json as { scalars?: unknown }).scalars;
  if (!scalars || typeof scalars !== 'object') throw new NodeError('the metrics document has no scalars');
  return json as MetricsDoc;
}

/** Throws GateFailure on a miss (or an unknown metric); returns the value on a pass. */
export function checkGate(doc: MetricsDoc, metric: string, min?: number, max?: number): number {
  const names = Object.keys(doc.scalars);
  if (!(metric in doc.scalars)) {
    throw new GateFailure(`metric ${metric} is not in the metrics (available: ${names.length ? names.join(', ') : 'none'})`, metric, null);
  }
  const value = doc.scalars[metric];
  if (typeof value !== 'number' || Number.isNaN(value)) throw new GateFailure(`${metric} is not a number`, metric, null);
  if (min !== undefined && value < min) throw new GateFailure(`${metric} ${show(value)} is below min ${show(min)}`, metric, value);
  if (max !== undefined && value > max) throw new GateFailure(`${metric} ${show(value)} is above max ${show(max)}`, metric, value);
  return value;
}
