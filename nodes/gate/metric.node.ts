import { readJsonArtifact } from '../evaluate/evaluate';
import { defineNode } from '../types';
import { checkGate, parseMetricsDoc } from './check';
import { formatNumber } from '../../shared/format';
import spec from './metric.params';

export default defineNode({
  ...spec,
  title: 'Metric gate',
  stage: 'gate',
  description: 'Fails the run (exit code 3) when a metric misses its bound; passes the metrics on otherwise.',
  inputs: [{ name: 'metrics', kind: 'metrics' }],
  outputs: [{ name: 'metrics', kind: 'metrics' }],
  metrics: { from: 'metrics' },
  gate: { input: 'metrics', spec: (p) => ({ metric: p.metric, min: p.min, max: p.max }) },
  schema: ({ inputs }) => ({ outputs: { metrics: inputs.metrics ?? {} }, choices: inputs.metrics?.metrics ? { metric: inputs.metrics.metrics } : undefined }),
  run: async ({ inputs, params, ctx }) => {
    const doc = parseMetricsDoc(await readJsonArtifact(inputs.metrics, 'metrics'));
    const value = checkGate(doc, params.metric, params.min, params.max);
    const bounds = [params.min !== undefined ? `min ${formatNumber(params.min)}` : null, params.max !== undefined ? `max ${formatNumber(params.max)}` : null].filter(Boolean).join(', ');
    ctx.log('info', `${params.metric} ${formatNumber(value)} passes (${bounds})`);
    return { metrics: { kind: 'metrics', json: doc } };
  },
});
