"""Reference values for nodes/monitor/stats.test.ts and drift.node.test.ts: reads cases as JSON
on stdin, prints scipy 1.10's answers as JSON on stdout (Debian 12's python3-scipy)."""
import json
import sys

import numpy as np
from scipy import stats
from scipy.spatial import distance
from scipy.special import erfc


def psi(ref, cur):
    ref = np.asarray(ref, dtype=float)
    cur = np.asarray(cur, dtype=float)
    edges = np.unique(np.quantile(ref, np.arange(1, 10) / 10))
    r = np.bincount(np.digitize(ref, edges), minlength=len(edges) + 1) / len(ref)
    c = np.bincount(np.digitize(cur, edges), minlength=len(edges) + 1) / len(cur)
    r = np.maximum(r, 0.0001)
    c = np.maximum(c, 0.0001)
    return float(np.sum((c - r) * np.log(c / r)))


def column(case):
    """One drift column from raw values (None is null), by section 8's definitions."""
    a = [v for v in case["a"] if v is not None]
    b = [v for v in case["b"] if v is not None]
    method = case["method"]
    if method in ("ks", "wasserstein") or (method == "psi" and not case.get("categorical")):
        return answer({"kind": method, "a": a, "b": b})
    cats = sorted(set(a) | set(b))
    ref = np.array([a.count(c) for c in cats], dtype=float)
    cur = np.array([b.count(c) for c in cats], dtype=float)
    if method == "ztest":
        if len(cats) == 1:
            return {"statistic": 0.0, "pValue": 1.0}
        return answer({"kind": "ztest", "x1": ref[0], "n1": ref.sum(), "x2": cur[0], "n2": cur.sum()})
    if method == "chisquare":
        if len(cats) == 1:
            return {"statistic": 0.0, "pValue": 1.0}
        if np.any((ref == 0) & (cur > 0)):
            return {"pValue": 0.0}
        return answer({"kind": "chisquare", "ref": ref.tolist(), "cur": cur.tolist()})
    if method == "jensenshannon":
        return answer({"kind": "jensenshannon", "p": ref.tolist(), "q": cur.tolist()})
    if method == "psi":
        r = np.maximum(ref / ref.sum(), 0.0001)
        c = np.maximum(cur / cur.sum(), 0.0001)
        return {"statistic": float(np.sum((c - r) * np.log(c / r)))}
    raise ValueError(method)


def answer(case):
    kind = case["kind"]
    if kind == "column":
        return column(case)
    if kind == "ks":
        r = stats.ks_2samp(case["a"], case["b"], method="auto")
        return {"statistic": float(r.statistic), "pValue": float(r.pvalue)}
    if kind == "wasserstein":
        a = np.asarray(case["a"], dtype=float)
        return {"statistic": float(stats.wasserstein_distance(a, case["b"]) / max(np.std(a), 0.001))}
    if kind == "jensenshannon":
        return {"statistic": float(distance.jensenshannon(case["p"], case["q"]))}
    if kind == "chisquare":
        cur = np.asarray(case["cur"], dtype=float)
        ref = np.asarray(case["ref"], dtype=float)
        r = stats.chisquare(cur, ref / ref.sum() * cur.sum())
        return {"statistic": float(r.statistic), "pValue": float(r.pvalue)}
    if kind == "ztest":
        x1, n1, x2, n2 = case["x1"], case["n1"], case["x2"], case["n2"]
        p1, p2, p = x1 / n1, x2 / n2, (x1 + x2) / (n1 + n2)
        z = (p1 - p2) / np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
        return {"statistic": float(abs(z)), "pValue": float(erfc(abs(z) / np.sqrt(2)))}
    if kind == "kstwo":
        return {"pValue": float(stats.kstwo.sf(case["d"], case["n"]))}
    if kind == "psi":
        return {"statistic": psi(case["a"], case["b"])}
    raise ValueError(kind)


print(json.dumps([answer(c) for c in json.load(sys.stdin)]))
