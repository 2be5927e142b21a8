/** The trainers' params (run-free: the editor bundles them with the trainers' `.params.ts`). */
import { z } from 'zod';

/** Params shared by the linear trainers (contract: "as logistic regression"). */
export const linearParams = z.object({
  label: z.string().min(1).describe('the column to predict'),
  epochs: z.number().int().min(1).max(100_000).default(100).describe('passes over the training data'),
  learningRate: z.number().gt(0).max(10).default(0.05).describe('Adam learning rate'),
  l2: z.number().min(0).default(0).describe('L2 penalty on the weights'),
  batchSize: z.number().int().min(1).max(1_000_000).default(64).describe('rows per step'),
  validationFraction: z.number().min(0).lt(1).default(0).describe('rows held out to watch for early stopping'),
  patience: z.number().int().min(0).default(0).describe('epochs without improvement before stopping; 0 = never'),
  seed: z.number().int().default(0).describe('random seed'),
}).strict();

export const mlpParams = z.object({
  label: z.string().min(1).describe('the column to predict'),
  task: z.enum(['classification', 'regression']).default('classification').describe('what to predict'),
  hiddenUnits: z.array(z.number().int().min(1).max(65_536)).default([64, 64]).describe('units per hidden layer'),
  activation: z.enum(['relu', 'tanh', 'sigmoid', 'elu', 'selu', 'linear']).default('relu').describe('hidden activation'),
  dropout: z.number().min(0).lt(1).default(0).describe('dropout rate after each hidden layer'),
  epochs: z.number().int().min(1).max(100_000).default(50).describe('passes over the training data'),
  batchSize: z.number().int().min(1).max(1_000_000).default(64).describe('rows per step'),
  learningRate: z.number().gt(0).max(10).default(0.001).describe('Adam learning rate'),
  validationFraction: z.number().min(0).lt(1).default(0).describe('rows held out to watch for early stopping'),
  patience: z.number().int().min(0).default(0).describe('epochs without improvement before stopping; 0 = never'),
  seed: z.number().int().default(0).describe('random seed'),
}).strict();
