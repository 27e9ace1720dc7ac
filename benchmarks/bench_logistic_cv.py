"""Cross-validated L1 logistic regression: sparsefit vs R cv.glmnet vs scikit-learn.

Each tool gets the same training rows (80%, seed 0), the same 100-alpha grid (the training
data's binomial alpha_max down to eps * alpha_max, glmnet's eps: 1e-2 when n < p, else 1e-4),
the same 10 stratified fold ids and one core; it is timed on the whole cross-validation (all
folds plus the full-data path, deviance / log-loss scoring) and its chosen model (alpha_min)
is scored on the held-out 20% (log-loss and accuracy).  Intercept fitted, no standardization
inside the tools (leukemia's columns are standardized by the loader).  Tolerances are each
tool's defaults.

    python benchmarks/bench_logistic_cv.py            # leukemia, colon, reuters_earn
    python benchmarks/bench_logistic_cv.py --quick    # leukemia and colon only
    python benchmarks/bench_logistic_cv.py --problems colon --tools sparsefit glmnet

scikit-learn: ``LogisticRegressionCV(solver="liblinear", l1_ratios=(1,),
scoring="neg_log_loss")`` with ``Cs = 1 / (n_fold_train * alpha)`` (``n_fold_train`` the mean
training-fold size, so the fold objectives match ours to within the fold-size spread);
liblinear penalizes the intercept (``intercept_scaling=1``), sparsefit and glmnet do not.
"""

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS",
           "VECLIB_MAXIMUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from scipy.special import expit  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _cv_harness import R_TIMING, TIMING_NOTE, best_time, run_r_cv, versions  # noqa: E402
from bench_logistic import DATASETS  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
N_ALPHAS, N_FOLDS, TEST_FRACTION, SEED = 100, 10, 0.2, 0

R_CODE = r"""
suppressPackageStartupMessages({library(Matrix); library(glmnet)})
d <- commandArgs(trailingOnly = TRUE)[[1]]
kv <- strsplit(readLines(file.path(d, "params.txt")), " ")
p <- setNames(lapply(kv, function(l) as.numeric(l[2])), sapply(kv, `[`, 1))
n <- p$n; nf <- p$p
X <- if (p$sparse == 1) as(readMM(file.path(d, "X.mtx")), "dgCMatrix") else
  matrix(readBin(file.path(d, "X.bin"), "double", n = n * nf, size = 8), nrow = n)
y <- readBin(file.path(d, "y.bin"), "double", n = n, size = 8)
lam <- readBin(file.path(d, "lambda.bin"), "double", n = p$nlam, size = 8)
foldid <- as.integer(readBin(file.path(d, "foldid.bin"), "double", n = n, size = 8))
invisible(glmnet(X, y, family = "binomial", lambda = lam[1:3], standardize = FALSE))  # warm-up
FIT <- quote(cvfit <- cv.glmnet(X, y, family = "binomial", lambda = lam, foldid = foldid,
                                 standardize = FALSE, type.measure = "deviance"))
""" + R_TIMING + r"""
b <- as.vector(as.matrix(coef(cvfit, s = "lambda.min")))
writeLines(sprintf("%.17g", c(elapsed, cvfit$lambda.min, cvfit$lambda.1se, b)),
           file.path(d, "out.txt"))
"""


def split(X, y):
    """Stratified 80/20 split and stratified fold ids (0-based) on the training rows."""
    rng = np.random.default_rng(SEED)
    test = np.zeros(len(y), bool)
    fold_ids = np.empty(0, int)
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        test[idx[:int(round(TEST_FRACTION * idx.size))]] = True
    train = np.flatnonzero(~test)
    fold_ids = np.empty(train.size, int)
    for c in np.unique(y):
        pos = np.flatnonzero(y[train] == c)
        fold_ids[rng.permutation(pos)] = np.arange(pos.size) % N_FOLDS
    rows = (lambda i: sp.csc_matrix(X.tocsr()[i])) if sp.issparse(X) else (lambda i: X[i])
    return rows(train), y[train], rows(np.flatnonzero(test)), y[test], fold_ids


def alpha_grid(X, y01):
    from sparsefit.linear_model import glm_alpha_max

    amax = glm_alpha_max(X, y01, "binomial", standardize=False)
    eps = 1e-2 if X.shape[0] < X.shape[1] else 1e-4
    return amax * np.power(eps, np.arange(N_ALPHAS) / (N_ALPHAS - 1))


def held_out(X, y01, coef, intercept):
    p = np.clip(expit(np.asarray(X @ coef).ravel() + intercept), 1e-15, 1 - 1e-15)
    ll = -float(np.mean(y01 * np.log(p) + (1 - y01) * np.log1p(-p)))
    return ll, float(np.mean((p > 0.5) == (y01 > 0)))


def run_sparsefit(X, y, alphas, folds):
    from sparsefit import SparseLogisticRegressionCV

    # untimed warm-up: numba compiles the kernels for this dtype/layout once per process
    SparseLogisticRegressionCV(alphas=alphas[:3], cv=folds, standardize=False).fit(X, y)
    elapsed, m = best_time(lambda: SparseLogisticRegressionCV(
        alphas=alphas, cv=folds, standardize=False).fit(X, y))
    return dict(time=elapsed, alpha=m.alpha_, coef=m.coef_.ravel(),
                intercept=float(m.intercept_[0]))


def run_sklearn(X, y, alphas, folds):
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import PredefinedSplit

    n_fold_train = X.shape[0] * (N_FOLDS - 1) / N_FOLDS
    Cs = 1.0 / (n_fold_train * alphas)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        elapsed, m = best_time(lambda: LogisticRegressionCV(
            Cs=Cs, l1_ratios=(1.0,), solver="liblinear", cv=PredefinedSplit(folds),
            scoring="neg_log_loss", n_jobs=1).fit(X, y))
    return dict(time=elapsed, alpha=1.0 / (n_fold_train * float(m.C_[0])),
                coef=m.coef_.ravel(), intercept=float(m.intercept_[0]))


def run_glmnet(X, y, alphas, folds):
    out = run_r_cv(X, y, alphas, folds, R_CODE, prefix="bench_logistic_cv_")
    return dict(time=float(out[0]), alpha=float(out[1]), coef=out[4:], intercept=float(out[3]))


TOOLS = {"sparsefit": run_sparsefit, "glmnet (R)": run_glmnet,
         "scikit-learn liblinear": run_sklearn}


def bench(name, tools):
    X, ypm = DATASETS[name]()
    y = (ypm > 0).astype(np.float64)
    Xtr, ytr, Xte, yte, folds = split(X, y)
    alphas = alpha_grid(Xtr, ytr)
    rows = {}
    for tool in tools:
        try:
            r = TOOLS[tool](Xtr, ytr, alphas, folds)
            r["test_logloss"], r["test_accuracy"] = held_out(Xte, yte, r["coef"], r["intercept"])
            r["nnz"] = int(np.count_nonzero(r.pop("coef")))
            r["status"] = "ok"
        except Exception as exc:  # a failing tool is reported, never hidden
            r = dict(status=f"failed: {type(exc).__name__}: {str(exc)[:100]}")
        rows[tool] = r
        print(f"  {name:13s} {tool:24s} {r.get('time', float('nan')):9.3f} s  {r['status']}",
              flush=True)
    return dict(problem=name, shape=list(X.shape), n_train=int(Xtr.shape[0]),
                sparse=bool(sp.issparse(X)), alpha_max=float(alphas[0]), rows=rows)


def table(results):
    out = ["| problem | tool | time (s) | ratio vs sparsefit | alpha_min / alpha_max | nnz "
           "| held-out log-loss | held-out accuracy |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    summary = {}
    for res in results:
        ref = res["rows"].get("sparsefit", {"status": "absent"})
        label = f"{res['problem']} ({res['shape'][0]}x{res['shape'][1]})"
        for tool, r in res["rows"].items():
            if r["status"] != "ok":
                out.append(f"| {label} | {tool} | {r['status']} | | | | | |")
                continue
            ratio = r["time"] / ref["time"] if ref["status"] == "ok" else float("nan")
            if tool != "sparsefit":
                summary.setdefault(tool, []).append(ratio)
            out.append(f"| {label} | {tool} | {r['time']:.3f} | "
                       f"{'(reference)' if tool == 'sparsefit' else f'{ratio:.2f}'} | "
                       f"{r['alpha'] / res['alpha_max']:.4g} | {r['nnz']} | "
                       f"{r['test_logloss']:.4f} | {r['test_accuracy']:.3f} |")
    out.append("")
    for tool, ratios in summary.items():
        out.append(f"- {tool}: time / sparsefit time, median over problems = "
                   f"{np.median(ratios):.2f} (each: {', '.join(f'{x:.2f}' for x in ratios)})")
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="leukemia and colon only")
    ap.add_argument("--problems", nargs="+", choices=sorted(DATASETS))
    ap.add_argument("--tools", nargs="+", default=["sparsefit", "glmnet", "sklearn"],
                    help="any of: sparsefit glmnet sklearn")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    alias = {"sparsefit": "sparsefit", "glmnet": "glmnet (R)",
             "sklearn": "scikit-learn liblinear"}
    tools = [alias[t] for t in args.tools]
    names = args.problems or (["leukemia", "colon"] if args.quick else
                              ["leukemia", "colon", "reuters_earn"])
    t0 = time.perf_counter()
    results = [bench(name, tools) for name in names]
    v = versions()
    text = "\n".join([
        "# Cross-validated L1 logistic regression: sparsefit vs cv.glmnet vs scikit-learn", "",
        f"Run {time.strftime('%Y-%m-%d %H:%M')}, {platform.node()}, {os.cpu_count()} cores; "
        "every thread pool limited to 1 thread.",
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".", "",
        f"- Same training rows ({1 - TEST_FRACTION:.0%}, stratified, seed {SEED}), same "
        f"{N_ALPHAS} alphas (binomial alpha_max of the training data down to eps * alpha_max, "
        f"eps 1e-2 if n < p else 1e-4), same {N_FOLDS} stratified fold ids; intercept fitted, "
        "no standardization inside the tools.",
        f"- Time: the whole CV (folds + full-data path), {TIMING_NOTE}; glmnet timed inside R "
        "around cv.glmnet() (start-up and data transfer excluded); sparsefit after an "
        "untimed warm-up fit (numba compilation). Default "
        "tolerances. scikit-learn's liblinear "
        "penalizes the intercept and gets C = 1 / (mean training-fold size * alpha).",
        "- Held-out: the alpha_min model (deviance / log-loss CV) on the held-out 20%.", "",
        table(results), "", f"Total benchmark wall time: {time.perf_counter() - t0:.0f} s."])
    print(text)
    out = args.out or RESULTS / ("logistic_cv_quick.md" if args.quick else "logistic_cv.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")
    out.with_suffix(".json").write_text(json.dumps(dict(versions=v, results=results),
                                                   indent=1, default=float))


if __name__ == "__main__":
    main()
