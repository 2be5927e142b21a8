/**
 * From a training table to a model document: picks the features (every column but the label),
 * maps labels to classes, standardises inputs (and a regression target), trains the network and
 * packs the result. Shared by the three train.* nodes and by train.sweep.
 */
import type * as tfNs from '@tensorflow/tfjs';
import { NodeError, type ArtifactRef, type ColumnData, type DataEngine, type NodeOutput, type RunContext } from '../types';
import { isNumericType } from '../features/common';
import { encodeWeights, labelKey, type ModelDoc, type ModelTask } from './model';
import type { StartStepHelpers } from './cpu-step';
import { trainNetwork, type Activation, type EpochStats, type NetworkSpec, type StepEngine } from './network';
import { formatNumber } from '../../shared/format';
import { readScaler, type ScalerDoc } from '../features/scaler';

type Tf = typeof tfNs;

export interface TrainerConfig {
  trainer: string;
  task: 'classification' | 'regression';
  label: string;
  hidden: number[];
  activation: Activation;
  epochs: number;
  batchSize: number;
  learningRate: number;
  l2: number;
  dropout: number;
  validationFraction: number;
  patience: number;
  seed: number;
  /** the node's params as given, recorded in the model */
  params: Record<string, unknown>;
}

export interface TrainHooks {
  random: () => number;
  signal?: AbortSignal;
  onEpoch?: (stats: EpochStats) => void;
  onBatchProgress?: (epoch: number, fraction: number) => void;
  yieldToEvents?: () => Promise<void>;
  /** threads a CPU step may use, and how to start them (absent: this thread only) */
  threads?: number;
  startHelpers?: StartStepHelpers;
  /** reports which engine trained and on how many threads */
  onEngine?: (engine: StepEngine, threads: number) => void;
}

const MAX_CLASSES = 1000;

export interface PreparedData {
  features: string[];
  x: Float32Array;
  y: Float32Array;
  n: number;
  task: ModelTask;
  classes: string[] | null;
  labelType: 'numeric' | 'text';
  target: { mean: number; std: number } | null;
  standardize: { mean: number[]; std: number[] };
}

/** A column as the checks see it, before any value is read. */
interface ColumnHead {
  name: string;
  type: string;
  numeric: boolean;
}

function columnNotFound(label: string, columns: ColumnHead[]): NodeError {
  return new NodeError(`label column ${label} is not in the table (columns: ${columns.map((c) => c.name).join(', ')})`, { column: label });
}

/** The label and the feature columns (every other one), refused before a value is read when they cannot train. */
function pickColumns<C extends ColumnHead>(columns: C[], label: string): { labelCol: C; featureCols: C[] } {
  const labelCol = columns.find((c) => c.name === label);
  if (!labelCol) throw columnNotFound(label, columns);
  const featureCols = columns.filter((c) => c.name !== label);
  if (featureCols.length === 0) throw new NodeError(`the table has no feature columns besides the label ${label}`);
  const text = featureCols.filter((c) => !c.numeric);
  if (text.length) {
    const names = text.map((c) => `${c.name} (${c.type})`).join(', ');
    throw new NodeError(
      `feature column${text.length > 1 ? 's' : ''} ${names} ${text.length > 1 ? 'are' : 'is'} not numeric: every column but the label is a feature, so encode ${text.length > 1 ? 'them' : 'it'} with features.one_hot or drop ${text.length > 1 ? 'them' : 'it'} with features.select`,
      { column: text[0].name },
    );
  }
  return { labelCol, featureCols };
}

/**
 * The training rows, filled one feature column at a time: row-major float32, each column
 * standardised by its own mean and population standard deviation (computed in float64).
 */
class RowsBuilder {
  // Shared memory from the start: the threads of a data-parallel step read the rows in place.
  readonly x: Float32Array;
  readonly mean: number[] = [];
  readonly std: number[] = [];

  constructor(
    readonly n: number,
    readonly f: number,
  ) {
    this.x = new Float32Array(new SharedArrayBuffer(n * f * 4));
  }

  /** Feature j's values (the first n are read; NaN is a missing value). */
  add(j: number, name: string, v: Float64Array): void {
    const { n, f, x } = this;
    let s = 0;
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(v[i])) {
        throw new NodeError(`feature column ${name} has a missing value in row ${i + 1}: fill it with features.impute or drop the column with features.select`, { column: name });
      }
      s += v[i];
    }
    const m = s / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (v[i] - m) * (v[i] - m);
    const sd = Math.sqrt(ss / n);
    // A constant column carries no information; a scale of 1 keeps it finite.
    const scale = sd > 1e-12 ? sd : 1;
    this.mean[j] = m;
    this.std[j] = scale;
    for (let i = 0; i < n; i++) x[i * f + j] = (v[i] - m) / scale;
  }
}

/** Checks the columns and lays the features out row-major, standardised. */
export function prepareTraining(columns: ColumnData[], label: string, task: 'classification' | 'regression'): PreparedData {
  const { labelCol, featureCols } = pickColumns(columns, label);
  const n = labelCol.values.length;
  if (n === 0) throw new NodeError('the training table has no rows');
  const rows = new RowsBuilder(n, featureCols.length);
  featureCols.forEach((c, j) => rows.add(j, c.name, c.values as Float64Array));
  return withLabel(rows, featureCols, labelCol, label, task);
}

/** Above this many values (64 MiB as float64) a table is read one feature column at a time. */
const WHOLE_READ_VALUES = 8_388_608;

/**
 * Reads a training table and prepares it as `prepareTraining` does, with the same result. A big
 * table is read one feature column at a time into a single reused buffer, so its float64 columns
 * (8 bytes a value, twice the rows' size) are never in memory all at once: 1M rows × 21 columns
 * peak at the 80 MiB of rows plus one 8 MiB column instead of 168 MiB more.
 */
export async function readTraining(
  data: DataEngine,
  table: ArtifactRef,
  label: string,
  task: 'classification' | 'regression',
  wholeReadValues = WHOLE_READ_VALUES,
): Promise<PreparedData> {
  const info = await data.describe(table);
  if (info.rows * info.columns.length <= wholeReadValues) return prepareTraining(await data.readColumns(table), label, task);
  const { featureCols } = pickColumns(
    info.columns.map((c) => ({ ...c, numeric: isNumericType(c.type) })),
    label,
  );
  const n = info.rows;
  const rows = new RowsBuilder(n, featureCols.length);
  const column = new Float64Array(n);
  for (let j = 0; j < featureCols.length; j++) {
    const [c] = await data.readColumns(table, [featureCols[j].name], { into: [column] });
    if (!c.numeric || c.values.length !== n) throw new Error(`column ${c.name} was not read as ${n} numbers`);
    rows.add(j, c.name, c.values);
  }
  // A numeric label goes through the same buffer (its values are read once, into y).
  const [labelCol] = await data.readColumns(table, [label], { into: [column] });
  return withLabel(rows, featureCols, labelCol, label, task);
}

/** The target of each row: a standardised number (regression) or a class index. */
function withLabel(rows: RowsBuilder, featureCols: ColumnHead[], labelCol: ColumnData, label: string, task: 'classification' | 'regression'): PreparedData {
  const { n, x, mean, std } = rows;
  const features = featureCols.map((c) => c.name);
  const standardize = { mean, std };
  const y = new Float32Array(new SharedArrayBuffer(n * 4));
  if (task === 'regression') {
    if (!labelCol.numeric) throw new NodeError(`the regression target ${label} is not numeric (${labelCol.type})`, { column: label });
    const v = labelCol.values;
    let s = 0;
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(v[i])) throw new NodeError(`the target ${label} is missing in row ${i + 1}: drop or impute those rows first`, { column: label });
      s += v[i];
    }
    const m = s / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (v[i] - m) ** 2;
    const sd = Math.sqrt(ss / n) > 1e-12 ? Math.sqrt(ss / n) : 1;
    for (let i = 0; i < n; i++) y[i] = (v[i] - m) / sd;
    return { features, x, y, n, task: 'regression', classes: null, labelType: 'numeric', target: { mean: m, std: sd }, standardize };
  }

  const keys: string[] = new Array(n);
  if (labelCol.numeric) {
    const distinct = new Set<number>();
    for (let i = 0; i < n; i++) {
      const v = labelCol.values[i];
      if (Number.isNaN(v)) throw new NodeError(`the label ${label} is missing in row ${i + 1}`, { column: label });
      distinct.add(v);
      keys[i] = labelKey(v);
    }
    if (distinct.size > MAX_CLASSES) throw new NodeError(`the label ${label} has ${distinct.size} distinct values: for a numeric target use regression`, { column: label });
    const classes = [...distinct].sort((a, b) => a - b).map(labelKey);
    return finishClasses(classes, keys, 'numeric');
  }
  const distinct = new Set<string>();
  for (let i = 0; i < n; i++) {
    const v = labelCol.values[i];
    if (v === null) throw new NodeError(`the label ${label} is missing in row ${i + 1}`, { column: label });
    distinct.add(v);
    keys[i] = v;
  }
  if (distinct.size > MAX_CLASSES) throw new NodeError(`the label ${label} has ${distinct.size} distinct values`, { column: label });
  return finishClasses([...distinct].sort(), keys, 'text');

  function finishClasses(classes: string[], labelKeys: string[], labelType: 'numeric' | 'text'): PreparedData {
    if (classes.length < 2) throw new NodeError(`the label ${label} has only one class (${classes[0]}): a classifier needs at least two`, { column: label });
    const index = new Map(classes.map((c, i) => [c, i]));
    for (let i = 0; i < n; i++) y[i] = index.get(labelKeys[i]) ?? 0;
    return { features, x, y, n, task: classes.length === 2 ? 'binary' : 'multiclass', classes, labelType, target: null, standardize };
  }
}

/** Trains on in-memory columns (or rows already prepared from them) and returns the model document. */
export async function trainModel(tf: Tf, backend: string, table: ColumnData[] | PreparedData, cfg: TrainerConfig, hooks: TrainHooks): Promise<ModelDoc> {
  const data = Array.isArray(table) ? prepareTraining(table, cfg.label, cfg.task) : table;
  const k = data.task === 'multiclass' ? (data.classes?.length ?? 0) : 1;
  const spec: NetworkSpec = {
    inputs: data.features.length,
    hidden: cfg.hidden,
    activation: cfg.activation,
    outputs: k,
    output: data.task === 'binary' ? 'sigmoid' : data.task === 'multiclass' ? 'softmax' : 'linear',
  };
  const result = await trainNetwork(tf, spec, { x: data.x, y: data.y, n: data.n, f: spec.inputs }, {
    epochs: cfg.epochs,
    batchSize: cfg.batchSize,
    learningRate: cfg.learningRate,
    l2: cfg.l2,
    dropout: cfg.dropout,
    validationFraction: cfg.validationFraction,
    patience: cfg.patience,
    random: hooks.random,
    signal: hooks.signal,
    onEpoch: hooks.onEpoch,
    onBatchProgress: hooks.onBatchProgress,
    yieldToEvents: hooks.yieldToEvents,
    threads: hooks.threads,
    startHelpers: hooks.startHelpers,
  });
  hooks.onEngine?.(result.engine, result.threads);
  const last = result.history[result.history.length - 1];
  return {
    format: 'pipewright-model/v1',
    trainer: cfg.trainer,
    task: data.task,
    label: cfg.label,
    features: data.features,
    classes: data.classes,
    labelType: data.labelType,
    target: data.target,
    preprocessing: { standardize: data.standardize },
    network: { inputs: spec.inputs, hidden: spec.hidden, activation: spec.activation, outputs: spec.outputs, output: spec.output },
    weights: encodeWeights(spec, result.weights),
    training: {
      params: cfg.params,
      rows: result.trainRows,
      validationRows: result.validationRows,
      epochs: result.epochsRun,
      bestEpoch: result.bestEpoch,
      stoppedEarly: result.stoppedEarly,
      finalLoss: last ? last.loss : null,
      backend,
    },
  };
}

/** The run of a train.* node: read the table, train with live per-epoch metrics, return the model. */
export async function runTrainer(inputs: Record<string, ArtifactRef>, ctx: RunContext, cfg: TrainerConfig): Promise<Record<string, NodeOutput>> {
  const train = inputs.train;
  if (!train) throw new NodeError('input train is not connected');
  await refuseScaledLabel(ctx, train, cfg.label);
  // Reading the table (DuckDB's threads) and loading the backend (compiling JS and wasm) overlap.
  const [data, { tf, backend, cores, startStepHelpers }] = await Promise.all([readTraining(ctx.data, train, cfg.label, cfg.task), ctx.compute()]);
  const before = tf.memory().numTensors;
  let how = '';
  const model = await trainModel(tf, backend, data, cfg, {
    random: ctx.random(cfg.seed),
    signal: ctx.signal,
    onEpoch: (s) => {
      ctx.metric('loss', s.loss, s.epoch);
      if (s.valLoss !== undefined) ctx.metric('valLoss', s.valLoss, s.epoch);
      if (s.valAccuracy !== undefined) ctx.metric('valAccuracy', s.valAccuracy, s.epoch);
      ctx.progress(s.epoch / cfg.epochs, `epoch ${s.epoch}/${cfg.epochs}, loss ${formatNumber(s.loss)}`);
    },
    onBatchProgress: (epoch, fraction) => ctx.progress((epoch - 1 + fraction) / cfg.epochs, `epoch ${epoch}/${cfg.epochs}`),
    threads: cores,
    startHelpers: startStepHelpers,
    onEngine: (engine, threads) => {
      how = engine === 'cpu' ? `Pipewright's SIMD step on ${threads} thread${threads > 1 ? 's' : ''}` : 'TensorFlow.js ops on the device';
    },
  });
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) ctx.log('warn', `${leaked} tensors were left allocated by training`);
  const t = model.training;
  ctx.log('info', `trained ${cfg.trainer} on ${t.rows} rows × ${model.features.length} features (${model.task}) for ${t.epochs} epochs on ${backend} (${how})${t.stoppedEarly ? `; stopped early, kept epoch ${t.bestEpoch}` : ''}`);
  if (t.finalLoss !== null) ctx.metric('finalLoss', t.finalLoss);
  return { model: { kind: 'model', json: model } };
}

/**
 * A label that an upstream features.standardize scaled is no longer the user's classes (a 0/1
 * label becomes -0.897/1.115): refuse with the fix rather than train on it silently.
 */
async function refuseScaledLabel(ctx: RunContext, train: ArtifactRef, label: string): Promise<void> {
  let scaler: ScalerDoc | null;
  try {
    scaler = await readScaler(ctx.data, train);
  } catch {
    return; // not a Parquet table (a CSV fixture): it carries no scaler
  }
  const s = scaler?.columns[label];
  if (s)
    throw new NodeError(
      `the label ${label} was standardized upstream (mean ${formatNumber(s.mean)}, scale ${formatNumber(s.scale)}), so its values are no longer the classes or target: add ${label} to exclude of the features.standardize node`,
      { column: label },
    );
}
