import { z } from 'zod';
import { defineNode } from '../types';
import { TRAINER_TYPES } from './common';
import { runSweep } from './sweep';

const scalar = z.union([z.number(), z.string(), z.boolean(), z.array(z.number())]);

export default defineNode({
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
    trainer: z.enum(TRAINER_TYPES).describe('the train.* type to sweep'),
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
  run: ({ inputs, params, ctx }) => runSweep(inputs, ctx, params),
});
