/**
 * Evaluation formulas as pure functions, following scikit-learn's definitions (checked against it
 * to 1e-6 in metrics.test.ts):
 * - binary precision / recall / F1 are those of the positive class, which is the SECOND class in
 *   sorted label order (class index 1) — scikit-learn's `pos_label=1` for 0/1 labels, and for
 *   text labels the later one alphabetically (breast cancer: M over B);
 * - with more than two classes they are macro averages (unweighted mean over classes);
 * - a ratio with a zero denominator is 0 (scikit-learn's `zero_division` default);
 * - log loss clips probabilities to [eps, 1 - eps] (eps = 2^-52, float64 machine epsilon) and
 *   renormalises each row, as `sklearn.metrics.log_loss` does for float64 input;
 * - ROC AUC is the trapezoidal area under the ROC curve with tied scores grouped.
 */

export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = yTrue.length;
  if (n === 0) return 0;
  let c = 0;
  for (let i = 0; i < n; i++) if (yTrue[i] === yPred[i]) c++;
  return c / n;
}

/** k × k counts: rows are true classes, columns predicted classes. */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < yTrue.length; i++) m[yTrue[i]][yPred[i]]++;
  return m;
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

export interface PrecisionRecallF1 {
  precision: number;
  recall: number;
  f1: number;
}

function perClass(m: number[][], c: number): PrecisionRecallF1 {
  const k = m.length;
  const tp = m[c][c];
  let predicted = 0;
  let actual = 0;
  for (let i = 0; i < k; i++) {
    predicted += m[i][c];
    actual += m[c][i];
  }
  const precision = ratio(tp, predicted);
  const recall = ratio(tp, actual);
  // F1 from counts, as scikit-learn computes it: 2tp / (2tp + fp + fn).
  const f1 = ratio(2 * tp, predicted + actual);
  return { precision, recall, f1 };
}

/** Binary (k = 2): of class 1. More classes: macro averages. */
export function precisionRecallF1(m: number[][]): PrecisionRecallF1 {
  const k = m.length;
  if (k === 2) return perClass(m, 1);
  let p = 0;
  let r = 0;
  let f = 0;
  for (let c = 0; c < k; c++) {
    const s = perClass(m, c);
    p += s.precision;
    r += s.recall;
    f += s.f1;
  }
  return { precision: p / k, recall: r / k, f1: f / k };
}

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** score thresholds, decreasing; the first is +Infinity (no row predicted positive) */
  thresholds: number[];
}

/** The ROC curve of scores for class 1 (every distinct threshold, like drop_intermediate=False). */
export function rocCurve(yTrue: ArrayLike<number>, score: ArrayLike<number>): RocCurve {
  const n = yTrue.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[b] - score[a]);
  let pos = 0;
  for (let i = 0; i < n; i++) if (yTrue[i] === 1) pos++;
  const neg = n - pos;
  const fpr = [0];
  const tpr = [0];
  const thresholds = [Infinity];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < n; i++) {
    const idx = order[i];
    if (yTrue[idx] === 1) tp++;
    else fp++;
    // One point per distinct score: ties move together.
    if (i === n - 1 || score[order[i + 1]] !== score[idx]) {
      fpr.push(neg ? fp / neg : NaN);
      tpr.push(pos ? tp / pos : NaN);
      thresholds.push(score[idx]);
    }
  }
  return { fpr, tpr, thresholds };
}

/** Area under the ROC curve; NaN when y_true holds only one class (it is undefined then). */
export function rocAuc(yTrue: ArrayLike<number>, score: ArrayLike<number>): number {
  const { fpr, tpr } = rocCurve(yTrue, score);
  if (fpr.some(Number.isNaN) || tpr.some(Number.isNaN)) return NaN;
  let area = 0;
  for (let i = 1; i < fpr.length; i++) area += ((fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1])) / 2;
  return area;
}

export const LOG_LOSS_EPS = 2.220446049250313e-16;

/** Mean cross-entropy of n × k row-major probabilities against class indices. */
export function logLoss(yTrue: ArrayLike<number>, prob: ArrayLike<number>, k: number): number {
  const n = yTrue.length;
  if (n === 0) return 0;
  let total = 0;
  const row = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < k; c++) {
      const p = Math.min(1 - LOG_LOSS_EPS, Math.max(LOG_LOSS_EPS, prob[i * k + c]));
      row[c] = p;
      s += p;
    }
    total -= Math.log(row[yTrue[i]] / s);
  }
  return total / n;
}

export interface RegressionMetrics {
  mse: number;
  rmse: number;
  mae: number;
  r2: number;
}

/** scikit-learn's r2_score: 1 - SS_res / SS_tot; with a constant target, 1 if perfect else 0. */
export function regressionMetrics(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): RegressionMetrics {
  const n = yTrue.length;
  if (n === 0) return { mse: 0, rmse: 0, mae: 0, r2: 0 };
  let se = 0;
  let ae = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += yTrue[i];
  mean /= n;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    const d = yTrue[i] - yPred[i];
    se += d * d;
    ae += Math.abs(d);
    tot += (yTrue[i] - mean) ** 2;
  }
  const mse = se / n;
  const r2 = tot === 0 ? (se === 0 ? 1 : 0) : 1 - se / tot;
  return { mse, rmse: Math.sqrt(mse), mae: ae / n, r2 };
}

export interface ClassificationMetrics {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  logLoss: number;
  /** two classes only, and only when the test rows hold both */
  rocAuc?: number;
  confusion: number[][];
  roc?: RocCurve;
}

/** Every classification metric from true class indices and n × k probabilities. */
export function classificationMetrics(yTrue: ArrayLike<number>, prob: ArrayLike<number>, k: number): ClassificationMetrics {
  const n = yTrue.length;
  const pred = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (prob[i * k + c] > prob[i * k + best]) best = c;
    pred[i] = best;
  }
  if (k === 2) {
    // Binary decisions at p(class 1) >= 0.5, matching the trainer's sigmoid threshold.
    for (let i = 0; i < n; i++) pred[i] = prob[i * 2 + 1] >= 0.5 ? 1 : 0;
  }
  const confusion = confusionMatrix(yTrue, pred, k);
  const out: ClassificationMetrics = {
    accuracy: accuracy(yTrue, pred),
    ...precisionRecallF1(confusion),
    logLoss: logLoss(yTrue, prob, k),
    confusion,
  };
  if (k === 2) {
    const score = new Float64Array(n);
    for (let i = 0; i < n; i++) score[i] = prob[i * 2 + 1];
    const auc = rocAuc(yTrue, score);
    if (!Number.isNaN(auc)) {
      out.rocAuc = auc;
      out.roc = rocCurve(yTrue, score);
    }
  }
  return out;
}
