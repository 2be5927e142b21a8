"""Reference values for nodes/evaluate/metrics.ts, computed by scikit-learn.

Reads cases as JSON on stdin, writes the metrics as JSON on stdout. Used live by metrics.test.ts
when a python3 with scikit-learn is present, and once to write sklearn-reference.json.
"""
import json
import sys

import numpy as np
from sklearn import metrics as M

out = []
for case in json.load(sys.stdin):
    if case["kind"] == "regression":
        t = np.array(case["yTrue"], dtype=np.float64)
        p = np.array(case["yPred"], dtype=np.float64)
        mse = M.mean_squared_error(t, p)
        out.append({"mse": mse, "rmse": float(np.sqrt(mse)), "mae": M.mean_absolute_error(t, p), "r2": M.r2_score(t, p)})
        continue
    k = case["k"]
    t = np.array(case["yTrue"], dtype=np.int64)
    prob = np.array(case["prob"], dtype=np.float64).reshape(-1, k)
    if k == 2:
        pred = (prob[:, 1] >= 0.5).astype(np.int64)
        avg = "binary"
    else:
        pred = prob.argmax(axis=1)
        avg = "macro"
    labels = list(range(k))
    r = {
        "accuracy": M.accuracy_score(t, pred),
        "precision": M.precision_score(t, pred, average=avg, labels=labels, zero_division=0),
        "recall": M.recall_score(t, pred, average=avg, labels=labels, zero_division=0),
        "f1": M.f1_score(t, pred, average=avg, labels=labels, zero_division=0),
        "logLoss": M.log_loss(t, prob, labels=labels),
        "confusion": M.confusion_matrix(t, pred, labels=labels).tolist(),
    }
    if k == 2:
        r["rocAuc"] = M.roc_auc_score(t, prob[:, 1])
        fpr, tpr, _ = M.roc_curve(t, prob[:, 1], drop_intermediate=False)
        r["fpr"] = fpr.tolist()
        r["tpr"] = tpr.tolist()
    out.append(r)
json.dump(out, sys.stdout)
