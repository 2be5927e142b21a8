import { z } from 'zod';
import { readJsonArtifact } from '../evaluate/evaluate';
import { defineNode } from '../types';
import { checkGate, parseMetricsDoc } from './check';
import { formatNumber } from '../../shared/format';

export default defineNode({
  type: 'gate.metric',
  version: 1,
  title: 'Metric gate',
  stage: 'gate',
  description: 'Fails the run (exit code 3) when a metric misses its bound; passes the metrics on otherwise.',
  inputs: [{ name: 'metrics', kind: 'metrics' }],
  outputs: [{ name: 'metrics', kind: 'metrics' }],
  params: z.object({
    metric: z.string().min(1).describe('metric name, e.g. accuracy'),
    min: z.number().optional().describe('lowest value that passes'),
    max: z.number().optional().describe('highest value that passes'),
  }).strict(),
  metrics: { from: 'metrics' },
  gate: { input: 'metrics', spec: (p) => ({ metric: p.metric, min: p.min, max: p.max }) },
  schema: ({ inputs }) => ({ outputs: { metrics: inputs.metrics ?? {} }, choices: inputs.metrics?.metrics ? { metric: inputs.metrics.metrics } : undefined }),
  check: (p) => {
    if (p.min === undefined && p.max === undefined) return [{ param: 'min', message: 'set min, max or both' }];
    if (p.min !== undefined && p.max !== undefined && p.min > p.max) return [{ param: 'max', message: 'must be at least min' }];
    return [];
  },
  run: async ({ inputs, params, ctx }) => {
    const doc = parseMetricsDoc(await readJsonArtifact(inputs.metrics, 'metrics'));
    const value = checkGate(doc, params.metric, params.min, params.max);
    const bounds = [params.min !== undefined ? `min ${formatNumber(params.min)}` : null, params.max !== undefined ? `max ${formatNumber(params.max)}` : null].filter(Boolean).join(', ');
    ctx.log('info', `${params.metric} ${formatNumber(value)} passes (${bounds})`);
    return { metrics: { kind: 'metrics', json: doc } };
  },
});
