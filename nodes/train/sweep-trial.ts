/**
 * One sweep trial: train with the trial's params, score on the test rows. Pure of its context
 * (seeded from the trial's own seed), so it gives the same result inline or in a parallel worker.
 */
import type * as tfNs from '@tensorflow/tfjs';
import { seededRandom } from '../../shared/random';
import type { MetricsDoc } from '../artifacts';
import { scoreClassification, scoreRegression } from '../evaluate/evaluate';
import type { ColumnData } from '../types';
import { loadModel, type ModelDoc } from './model';
import { trainModel, type TrainerConfig } from './trainer';

export interface SweepTrialInput {
  cfg: TrainerConfig;
  train: ColumnData[];
  test: ColumnData[];
  label: string;
}

export interface SweepTrialOutput {
  model: ModelDoc;
  doc: MetricsDoc;
  /** wall time of this trial (training and scoring), wherever it ran */
  durationMs?: number;
}

export async function runSweepTrial(tf: typeof tfNs, backend: string, input: SweepTrialInput, signal?: AbortSignal): Promise<SweepTrialOutput> {
  const { cfg, train, test, label } = input;
  const started = performance.now();
  const model = await trainModel(tf, backend, train, cfg, { random: seededRandom(cfg.seed), signal });
  const predictor = loadModel(model, tf);
  const doc = model.task === 'regression' ? scoreRegression(predictor, test, label) : scoreClassification(predictor, test, label);
  return { model, doc, durationMs: Math.round(performance.now() - started) };
}

/** A trial that threw: what the sweep records as a failed child execution. */
export interface SweepTrialFailure {
  failed: true;
  error: string;
  durationMs: number;
}

/**
 * runSweepTrial with a failure returned rather than thrown, so a parallel worker's results can be
 * reported in trial order (the same records as inline). Cancellation still throws.
 */
export async function settleSweepTrial(
  tf: typeof tfNs,
  backend: string,
  input: SweepTrialInput,
  signal?: AbortSignal,
): Promise<SweepTrialOutput | SweepTrialFailure> {
  const started = performance.now();
  try {
    return await runSweepTrial(tf, backend, input, signal);
  } catch (e) {
    if (signal?.aborted) throw e;
    return { failed: true, error: e instanceof Error ? e.message || e.name : String(e), durationMs: Math.round(performance.now() - started) };
  }
}
