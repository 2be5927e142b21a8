import { defineNode, type NodeDefinition } from '../types';
import { runSweep } from './sweep';
import { sweepParams } from './sweep.params';
import { CLASSIFICATION_METRICS, REGRESSION_METRICS } from '../schema';

/**
 * train.sweep over the given trainers (every registered type that declares `trainer`: the
 * registry binds it, so a new trainer, a plugin's too, is offered without editing this file).
 */
export function sweepNode(trainers: readonly NodeDefinition[]): NodeDefinition {
  const def = defineNode({
    ...sweepParams(trainers.map((t) => t.type)),
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
