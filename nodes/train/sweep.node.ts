import { z } from 'zod';
import { defineNode, type NodeDefinition } from '../types';
import { runSweep } from './sweep';
import { CLASSIFICATION_METRICS, REGRESSION_METRICS } from '../schema';

const scalar = z.union([z.number(), z.string(), z.boolean(), z.array(z.number())]);

/**
 * train.sweep over the given trainers (every registered type that declares `trainer`: the
 * registry binds it, so a new trainer, a plugin's too, is offered without editing this file).
 */
export function sweepNode(trainers: readonly NodeDefinition[]): NodeDefinition {
  const names = trainers.map((t) => t.type);
  const def = defineNode({
    type: 'train.sweep',
    version: 1,
    title: 'Hyper-parameter sweep',
    stage: 'train',
    description: 'Grid or random search over a trainer’s params; keeps the best model and a table of trials.',
    inputs: [
      { name: 'train', kind: 'table' },
      { name: 'test', kind: 'table' },
    ],
    outputs: [
      { name: 'model', kind: 'model' },
      { name: 'metrics', kind: 'metrics' },
    ],
    params: z.object({
      trainer: (names.length ? z.enum(names as [string, ...string[]]) : z.never()).describe('the train.* type to sweep'),
      space: z.record(z.string(), z.array(scalar).min(1)).describe('trainer param -> values to try'),
      strategy: z.enum(['grid', 'random']).default('grid').describe('grid tries every combination'),
      trials: z.number().int().min(1).max(10_000).default(10).describe('trials (random only)'),
      metric: z.string().min(1).describe('metric to optimise, e.g. accuracy'),
      goal: z.enum(['max', 'min']).default('max').describe('maximise or minimise the metric'),
      label: z.string().min(1).optional().describe('label column; taken from space or the trainer when omitted'),
      seed: z.number().int().default(0).describe('random seed for the random strategy'),
    }).strict(),
    check: (p) => (Object.keys(p.space).length === 0 ? [{ param: 'space', message: 'must name at least one param' }] : []),
    usesCompute: true,
    columnParams: ['label'],
    schema: ({ params }) => {
      const names = metricsOf(trainers.find((t) => t.type === params.trainer), params.space);
      return { outputs: { model: {}, metrics: { metrics: names } }, choices: { metric: names } };
    },
    sweep: { metric: 'metric', goal: 'goal', space: 'space' },
    run: ({ inputs, params, ctx }) => {
      const trainer = trainers.find((t) => t.type === params.trainer) as NodeDefinition;
      return runSweep(inputs, ctx, params, trainer);
    },
  });
  return { ...def, bind: (types) => sweepNode(types.filter((t) => t.trainer)) } as NodeDefinition;
}

/** What the swept trainer's trials are scored on: its task with the first value of each swept param. */
function metricsOf(trainer: NodeDefinition | undefined, space: Record<string, unknown[]> | undefined): string[] {
  const first = Object.fromEntries(Object.entries(space ?? {}).map(([k, v]) => [k, v[0]]));
  const parsed = trainer?.params.safeParse({ label: 'label', ...first });
  const task = parsed?.success ? trainer?.trainer?.config(parsed.data).task : undefined;
  return task === 'regression' ? REGRESSION_METRICS : CLASSIFICATION_METRICS;
}

/** Unbound: the registry replaces it with the sweep over its own trainers. */
export default sweepNode([]);
