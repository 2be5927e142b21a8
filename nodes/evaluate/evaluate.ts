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

/** The run of an evaluate.* node. */
export async function runEvaluate(
  inputs: Record<string, ArtifactRef>,
  ctx: RunContext,
  label: string,
  score: (p: Predictor, columns: ColumnData[], label: string) => MetricsDoc,
): Promise<MetricsDoc> {
  const json = await readJsonArtifact(inputs.model, 'model');
  if (!inputs.test) throw new NodeError('input test is not connected');
  const columns = await ctx.data.readColumns(inputs.test);
  const { tf } = await ctx.compute();
  const predictor = loadModel(json, tf as Tf);
  const doc = score(predictor, columns, label);
  for (const [key, value] of Object.entries(doc.scalars)) ctx.metric(key, value);
  return doc;
}
