import { z } from 'zod';
import { defineParams, type NodeParams } from '../params';

const scalar = z.union([z.number(), z.string(), z.boolean(), z.array(z.number())]);

/**
 * train.sweep's params over the given trainer types. The registry binds them to its trainers
 * (sweep.node.ts); the editor's checker to the trainers of the catalogue main sent.
 */
export function sweepParams(trainers: readonly string[]) {
  return defineParams({
    type: 'train.sweep',
    version: 1,
    params: z.object({
      trainer: (trainers.length ? z.enum(trainers as [string, ...string[]]) : z.never()).describe('the train.* type to sweep'),
      space: z.record(z.string(), z.array(scalar).min(1)).describe('trainer param -> values to try'),
      strategy: z.enum(['grid', 'random']).default('grid').describe('grid tries every combination'),
      trials: z.number().int().min(1).max(10_000).default(10).describe('trials (random only)'),
      metric: z.string().min(1).describe('metric to optimise, e.g. accuracy'),
      goal: z.enum(['max', 'min']).default('max').describe('maximise or minimise the metric'),
      label: z.string().min(1).optional().describe('label column; taken from space or the trainer when omitted'),
      seed: z.number().int().default(0).describe('random seed for the random strategy'),
    }).strict(),
    check: (p) => (Object.keys(p.space).length === 0 ? [{ param: 'space', message: 'must name at least one param' }] : []),
    bindParams: (catalog): NodeParams => sweepParams(catalog.filter((t) => t.capabilities?.trainer).map((t) => t.type)),
  });
}

/** Unbound: bound to the trainers of a registry or a catalogue before use. */
export default sweepParams([]);
