/**
 * train.sweep: grid or seeded random search over a trainer's params. Each trial trains on `train`
 * and is scored on `test` exactly as the evaluate.* nodes score; the best model and a trials
 * table come out. Trials run in parallel workers (one per core) when the compute backend offers
 * them (Compute.parallel), otherwise one after another here; each trial is seeded by its own
 * params, so both ways give the same table.
 */
import type * as tfNs from '@tensorflow/tfjs';
import { metricsDoc, type MetricsDoc } from '../artifacts';
import { NodeError, type ArtifactRef, type NodeDefinition, type NodeOutput, type RunContext } from '../types';
import type { ModelDoc } from './model';
import { settleSweepTrial, type SweepTrialFailure, type SweepTrialInput, type SweepTrialOutput } from './sweep-trial';
import type { TrainerConfig } from './trainer';
import { formatNumber } from '../../shared/format';
import { CLASSIFICATION_METRICS, REGRESSION_METRICS } from '../schema';

type Tf = typeof tfNs;
type Value = string | number | boolean | number[];

export interface SweepParams {
  /** a type that declares `trainer` */
  trainer: string;
  space: Record<string, Value[]>;
  strategy: 'grid' | 'random';
  trials: number;
  metric: string;
  goal: 'max' | 'min';
  label?: string;
  seed: number;
}

const MAX_TRIALS = 1000;

/** Every combination, the first param varying slowest. */
export function gridTrials(space: Record<string, Value[]>): Record<string, Value>[] {
  let out: Record<string, Value>[] = [{}];
  for (const [key, values] of Object.entries(space)) {
    const next: Record<string, Value>[] = [];
    for (const combo of out) for (const v of values) next.push({ ...combo, [key]: v });
    out = next;
    if (out.length > MAX_TRIALS * 100) break;
  }
  return out;
}

/** `count` distinct combinations drawn with the seeded RNG (fewer when the grid is smaller). */
export function randomTrials(space: Record<string, Value[]>, count: number, random: () => number): Record<string, Value>[] {
  const keys = Object.keys(space);
  const size = keys.reduce((s, k) => s * space[k].length, 1);
  const want = Math.min(count, size);
  const seen = new Set<string>();
  const out: Record<string, Value>[] = [];
  for (let attempts = 0; out.length < want && attempts < want * 50; attempts++) {
    const combo: Record<string, Value> = {};
    for (const k of keys) combo[k] = space[k][Math.floor(random() * space[k].length)];
    const id = JSON.stringify(combo);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(combo);
  }
  return out;
}

/** One trial's training, from the trainer's own params schema and its `trainer` capability. */
function configFor(trainer: NodeDefinition, raw: Record<string, unknown>): TrainerConfig {
  if (!trainer.trainer) throw new NodeError(`${trainer.type} is not a trainer`);
  const parsed = trainer.params.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? issue.path.join('.') : (issue as { keys?: string[] }).keys?.join(', ') ?? '';
    throw new NodeError(`space: ${where ? `${where}: ` : ''}${issue.message} (params of ${trainer.type})`);
  }
  return trainer.trainer.config(parsed.data);
}

const cell = (v: Value): string | number => (typeof v === 'number' ? v : typeof v === 'string' ? v : JSON.stringify(v));

export async function runSweep(inputs: Record<string, ArtifactRef>, ctx: RunContext, p: SweepParams, trainer: NodeDefinition): Promise<Record<string, NodeOutput>> {
  if (!inputs.train) throw new NodeError('input train is not connected');
  if (!inputs.test) throw new NodeError('input test is not connected');
  const spaceLabel = p.space.label;
  const label = p.label ?? (spaceLabel && spaceLabel.length === 1 ? String(spaceLabel[0]) : undefined);
  if (!label) throw new NodeError('set label (the column to predict), or give space.label a single value');
  const space = { ...p.space };
  delete space.label;
  const combos = p.strategy === 'grid' ? gridTrials(space) : randomTrials(space, p.trials, ctx.random(p.seed));
  if (combos.length > MAX_TRIALS) throw new NodeError(`the grid has ${combos.length} combinations; at most ${MAX_TRIALS} (use strategy: random with trials)`);
  // Validate every trial's params (and the metric) before spending time on training.
  const configs = combos.map((c) => configFor(trainer, { ...c, label }));
  const known = configs[0]?.task === 'regression' ? REGRESSION_METRICS : CLASSIFICATION_METRICS;
  if (configs.length && !known.includes(p.metric)) {
    throw new NodeError(`metric ${p.metric} is not computed for ${p.trainer} (${configs[0].task}); available: ${known.join(', ')}`);
  }

  const [trainCols, testCols] = await Promise.all([ctx.data.readColumns(inputs.train), ctx.data.readColumns(inputs.test)]);
  const { tf, backend, parallel } = await ctx.compute();
  const inputsFor = (cfg: TrainerConfig): SweepTrialInput => ({ cfg, train: trainCols, test: testCols, label });
  let outputs: (SweepTrialOutput | SweepTrialFailure)[] | null = null;
  if (parallel && configs.length > 1) {
    const rowsN = trainCols[0]?.values.length ?? 0;
    const tasks = configs.map((cfg) => ({ kind: 'train.sweep-trial' as const, input: inputsFor(cfg), cost: rowsN * cfg.epochs * (1 + cfg.hidden.reduce((a, b) => a + b, 0) / 64) }));
    outputs = (await parallel(tasks, ctx.signal)) as (SweepTrialOutput | SweepTrialFailure)[] | null;
    if (outputs) ctx.log('info', `ran ${configs.length} trials in parallel workers`);
  }
  const paramNames = Object.keys(space);
  let best: { index: number; value: number; model: ModelDoc; doc: MetricsDoc } | null = null;
  const rows: (string | number | null)[][] = [];
  let scalarNames: string[] = [];
  for (let i = 0; i < configs.length; i++) {
    ctx.signal.throwIfAborted();
    let out = outputs?.[i];
    if (!out) {
      ctx.progress(i / configs.length, `trial ${i + 1}/${configs.length}`);
      out = await settleSweepTrial(tf as Tf, backend, inputsFor(configs[i]), ctx.signal);
    }
    // Reported in index order after the trial (or all parallel trials) finished, and nothing after
    // the first failure: the records are the same whichever way the trials ran.
    if ('failed' in out) {
      // The failed trial is still a child execution: its record says which params broke.
      ctx.trial?.({ index: i + 1, params: { ...combos[i] }, metrics: {}, status: 'failed', error: out.error, durationMs: out.durationMs });
      throw new NodeError(`trial ${i + 1} ${JSON.stringify(combos[i])} failed: ${out.error}`);
    }
    const { model, doc } = out;
    ctx.trial?.({ index: i + 1, params: { ...combos[i] }, metrics: { ...doc.scalars }, status: 'succeeded', durationMs: out.durationMs ?? 0 });
    if (i === 0) scalarNames = Object.keys(doc.scalars);
    const value = doc.scalars[p.metric];
    if (value === undefined) {
      throw new NodeError(`metric ${p.metric} is not computed for this trainer (available: ${Object.keys(doc.scalars).join(', ')})`);
    }
    ctx.metric(`trial.${p.metric}`, value, i + 1);
    ctx.log('info', `trial ${i + 1}/${configs.length} ${JSON.stringify(combos[i])}: ${p.metric} ${formatNumber(value)}`);
    rows.push([i + 1, ...paramNames.map((k) => cell(combos[i][k])), ...scalarNames.map((k) => doc.scalars[k] ?? null)]);
    const better = best === null || (p.goal === 'max' ? value > best.value : value < best.value);
    if (better) best = { index: i + 1, value, model, doc };
  }
  if (!best) throw new NodeError('the sweep ran no trials');
  ctx.progress(1, `best: trial ${best.index}`);
  const scalars: Record<string, number> = { ...best.doc.scalars, bestTrial: best.index, trials: configs.length };
  for (const [k, v] of Object.entries(scalars)) ctx.metric(k, v);
  const doc = metricsDoc(scalars, {
    curves: best.doc.curves,
    matrices: best.doc.matrices,
    tables: { trials: { columns: ['trial', ...paramNames, ...scalarNames], rows } },
  });
  const model: ModelDoc = { ...best.model, training: { ...best.model.training, params: { ...best.model.training.params, sweep: { trial: best.index, of: configs.length } } } };
  return { model: { kind: 'model', json: model }, metrics: { kind: 'metrics', json: doc } };
}
