/**
 * Scoring a model on a table: shared by evaluate.classification, evaluate.regression and
 * train.sweep (which scores every trial the same way).
 */
import { readFile } from 'node:fs/promises';
import type * as tfNs from '@tensorflow/tfjs';
import { metricsDoc, type MetricsDoc } from '../artifacts';
import { labelKey, loadModel, type Predictor } from '../train/model';
import { NodeError, type ArtifactRef, type ColumnData, type RunContext } from '../types';
import { classificationMetrics, regressionMetrics } from './metrics';

type Tf = typeof tfNs;

/** Reads a JSON artifact (model, metrics) from its file. */
export async function readJsonArtifact(ref: ArtifactRef | undefined, port: string): Promise<unknown> {
  if (!ref) throw new NodeError(`input ${port} is not connected`);
  const text = await readFile(ref.path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new NodeError(`input ${port} is not valid JSON: ${(e as Error).message}`);
  }
}

function featureColumns(predictor: Predictor, columns: ColumnData[]): Record<string, Float64Array> {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const out: Record<string, Float64Array> = {};
  for (const name of predictor.model.features) {
    const c = byName.get(name);
    if (!c) continue; // predict() names every missing feature at once
    if (!c.numeric) throw new NodeError(`column ${name} is ${c.type} in this table but the model expects numbers: encode it as in training`, { column: name });
    out[name] = c.values;
  }
  return out;
}

function labelColumn(columns: ColumnData[], label: string): ColumnData {
  const c = columns.find((x) => x.name === label);
  if (!c) throw new NodeError(`label column ${label} is not in the test table (columns: ${columns.map((x) => x.name).join(', ')})`, { column: label });
  return c;
}


/** Classification metrics of a model on a table, as a metrics document. */
export function scoreClassification(predictor: Predictor, columns: ColumnData[], label: string): MetricsDoc {
  const model = predictor.model;
  if (model.task === 'regression') throw new NodeError(`the model predicts a number (${model.trainer}, regression): use evaluate.regression`);
  const truth = labelColumn(columns, label);
  const pred = predictor.predict(featureColumns(predictor, columns));
  if (pred.task === 'regression') throw new NodeError('the model is a regressor');
  const n = truth.values.length;
  if (n === 0) throw new NodeError('the test table has no rows');
  // Labels the model never saw still count (as misses), so the metrics cover every test row.
  const labels = [...pred.classes];
  const index = new Map(labels.map((c, i) => [c, i]));
  const yTrue = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = truth.values[i];
    if (v === null || (typeof v === 'number' && Number.isNaN(v))) throw new NodeError(`the label ${label} is missing in test row ${i + 1}`, { column: label });
    const key = labelKey(v);
    let c = index.get(key);
    if (c === undefined) {
      c = labels.length;
      labels.push(key);
      index.set(key, c);
    }
    yTrue[i] = c;
  }
  const k = labels.length;
  const kModel = pred.classes.length;
  let prob = pred.probabilities;
  if (k !== kModel) {
    prob = new Float64Array(n * k);
    for (let i = 0; i < n; i++) for (let c = 0; c < kModel; c++) prob[i * k + c] = pred.probabilities[i * kModel + c];
  }
  const m = classificationMetrics(yTrue, prob, k);
  const scalars: Record<string, number> = { accuracy: m.accuracy, precision: m.precision, recall: m.recall, f1: m.f1 };
  if (m.rocAuc !== undefined) scalars.rocAuc = m.rocAuc;
  scalars.logLoss = m.logLoss;
  const doc = metricsDoc(scalars, { matrices: { confusion: { labels, values: m.confusion } } });
  if (m.roc) {
    // +Infinity is not JSON: the curve keeps the points (the thresholds are not needed to draw it).
    doc.curves = { roc: { x: m.roc.fpr, y: m.roc.tpr, xLabel: 'false positive rate', yLabel: 'true positive rate' } };
  }
  return doc;
}

/** Regression metrics of a model on a table, as a metrics document. */
export function scoreRegression(predictor: Predictor, columns: ColumnData[], label: string): MetricsDoc {
  const model = predictor.model;
  if (model.task !== 'regression') throw new NodeError(`the model is a classifier (${model.trainer}, ${model.task}): use evaluate.classification`);
  const truth = labelColumn(columns, label);
  if (!truth.numeric) throw new NodeError(`the target ${label} is not numeric (${truth.type})`, { column: label });
  const n = truth.values.length;
  if (n === 0) throw new NodeError('the test table has no rows');
  for (let i = 0; i < n; i++) if (Number.isNaN(truth.values[i])) throw new NodeError(`the target ${label} is missing in test row ${i + 1}`, { column: label });
  const pred = predictor.predict(featureColumns(predictor, columns));
  if (pred.task !== 'regression') throw new NodeError('the model is a classifier');
  const m = regressionMetrics(truth.values, pred.values);
  return metricsDoc({ mse: m.mse, rmse: m.rmse, mae: m.mae, r2: m.r2 });
}

/**
 * The predictions a table already holds (data.predictions: what the server answered), as a
 * predictor, so logged traffic is scored exactly as a model is: the `prediction` column, and for
 * classification the `score_<class>` columns (without them, the predicted class counts as
 * probability 1).
 */
export function loggedPredictor(columns: ColumnData[], prediction: string, task: 'classification' | 'regression'): Predictor {
  const pred = columns.find((c) => c.name === prediction);
  if (!pred) {
    throw new NodeError(`no model is connected, so the test table must hold the predictions: column ${prediction} is not in it (columns: ${columns.map((c) => c.name).join(', ')}); connect a model or read logged requests with data.predictions`, { column: prediction });
  }
  const n = pred.values.length;
  const model = { format: 'pipewright-model/v1', trainer: 'data.predictions', task: task === 'regression' ? 'regression' : 'binary', label: '', features: [] } as unknown as Predictor['model'];
  if (task === 'regression') {
    if (!pred.numeric) throw new NodeError(`the prediction column ${prediction} is not numeric (${pred.type})`, { column: prediction });
    const values = pred.values;
    return { model, predict: () => ({ task: 'regression', values }) };
  }
  const scores = columns.filter((c): c is Extract<ColumnData, { numeric: true }> => c.numeric && c.name.startsWith('score_'));
  const key = (v: number | string | null): string | null => (v === null || (typeof v === 'number' && Number.isNaN(v)) ? null : labelKey(v));
  const classes = scores.length ? scores.map((c) => c.name.slice('score_'.length)) : [...new Set(Array.from(pred.values as ArrayLike<number | string | null>, key).filter((k): k is string => k !== null))].sort();
  const k = classes.length;
  const index = new Map(classes.map((c, i) => [c, i]));
  const probabilities = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let ok = scores.length > 0;
    for (let c = 0; c < scores.length && ok; c++) ok = Number.isFinite(scores[c].values[i]);
    if (ok) for (let c = 0; c < k; c++) probabilities[i * k + c] = scores[c].values[i];
    else {
      const at = index.get(key((pred.values as ArrayLike<number | string | null>)[i]) ?? '');
      if (at === undefined) throw new NodeError(`the prediction is missing in test row ${i + 1}`, { column: prediction });
      probabilities[i * k + at] = 1;
    }
  }
  model.task = k > 2 ? 'multiclass' : 'binary';
  return { model, predict: () => ({ task: k > 2 ? 'multiclass' : 'binary', classes, probabilities, predicted: new Int32Array(0), labels: [] }) };
}

/** The run of an evaluate.* node: on a model, or (no model connected) on the predictions the table holds. */
export async function runEvaluate(
  inputs: Record<string, ArtifactRef>,
  ctx: RunContext,
  label: string,
  score: (p: Predictor, columns: ColumnData[], label: string) => MetricsDoc,
  logged: { task: 'classification' | 'regression'; prediction?: string },
): Promise<MetricsDoc> {
  if (!inputs.test) throw new NodeError('input test is not connected');
  let predictor: Predictor;
  let columns: ColumnData[];
  if (inputs.model) {
    const json = await readJsonArtifact(inputs.model, 'model');
    columns = await ctx.data.readColumns(inputs.test);
    const { tf } = await ctx.compute();
    predictor = loadModel(json, tf as Tf);
  } else {
    columns = await ctx.data.readColumns(inputs.test);
    predictor = loggedPredictor(columns, logged.prediction ?? 'prediction', logged.task);
  }
  const doc = score(predictor, columns, label);
  for (const [key, value] of Object.entries(doc.scalars)) ctx.metric(key, value);
  return doc;
}
