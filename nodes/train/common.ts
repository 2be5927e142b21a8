import type { z } from 'zod';
import type { TrainerConfig } from './trainer';
import { linearParams, mlpParams } from './trainer-params';

export { linearParams, mlpParams };

export type LinearParams = z.infer<typeof linearParams>;
export type MlpParams = z.infer<typeof mlpParams>;

/** Logistic and linear regression are the network with no hidden layer. */
export function linearConfig(trainer: string, task: 'classification' | 'regression', p: LinearParams): TrainerConfig {
  return {
    trainer,
    task,
    label: p.label,
    hidden: [],
    activation: 'linear',
    epochs: p.epochs,
    batchSize: p.batchSize,
    learningRate: p.learningRate,
    l2: p.l2,
    dropout: 0,
    validationFraction: p.validationFraction,
    patience: p.patience,
    seed: p.seed,
    params: { ...p },
  };
}

export function mlpConfig(p: MlpParams): TrainerConfig {
  return {
    trainer: 'train.mlp',
    task: p.task,
    label: p.label,
    hidden: p.hiddenUnits,
    activation: p.activation,
    epochs: p.epochs,
    batchSize: p.batchSize,
    learningRate: p.learningRate,
    l2: 0,
    dropout: p.dropout,
    validationFraction: p.validationFraction,
    patience: p.patience,
    seed: p.seed,
    params: { ...p },
  };
}
