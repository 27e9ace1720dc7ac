"""Cross-validated lasso: sparsefit LassoCV vs R cv.glmnet vs scikit-learn LassoCV.

Each tool gets the same training rows, the same 100-alpha grid (alpha_max of the training data
down to alpha_max / 1000, geometric), the same 10 fold ids and one core; it is timed on the
whole cross-validation (all folds plus the full-data path) and its chosen model (alpha_min) is
scored on held-out rows.  Tolerances are each tool's defaults.

    python benchmarks/bench_cv.py            # riboflavin, leukemia, toeplitz, reuters_earn
    python benchmarks/bench_cv.py --quick    # riboflavin and leukemia, under a minute
    python benchmarks/bench_cv.py --problems toeplitz --out /tmp/cv.md
"""

import os

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "NUMBA_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
for _var in THREAD_VARS:
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _cv_harness import R_TIMING, TIMING_NOTE, best_time, run_r_cv, versions  # noqa: E402
from _problems import DATASETS  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
N_ALPHAS, RATIO, N_FOLDS, TEST_FRACTION, SEED = 100, 1e-3, 10, 0.2, 0

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
invisible(glmnet(X, y, lambda = lam[1:3], standardize = FALSE))  # warm-up (lazy loading)
FIT <- quote(cvfit <- cv.glmnet(X, y, lambda = lam, foldid = foldid, standardize = FALSE))
""" + R_TIMING + r"""
b <- as.vector(as.matrix(coef(cvfit, s = "lambda.min")))
writeLines(sprintf("%.17g", c(elapsed, cvfit$lambda.min, cvfit$lambda.1se, b)),
           file.path(d, "out.txt"))
"""


def split(X, y, seed=SEED):
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    perm = rng.permutation(n)
    n_test = int(round(TEST_FRACTION * n))
    test, train = np.sort(perm[:n_test]), np.sort(perm[n_test:])
    rows = (lambda idx: sp.csc_matrix(X.tocsr()[idx])) if sp.issparse(X) else (lambda idx: X[idx])
    fold_ids = rng.permutation(np.arange(train.size) % N_FOLDS)
    return rows(train), y[train], rows(test), y[test], fold_ids


def alpha_grid(X, y):
    yc = y - y.mean()
    corr = X.T @ yc if sp.issparse(X) else (X - X.mean(0)).T @ yc  # X^T yc = Xc^T yc
    amax = float(np.max(np.abs(corr))) / X.shape[0]
    return np.geomspace(amax, amax * RATIO, N_ALPHAS)


def test_mse(X, y, coef, intercept):
    r = y - np.asarray(X @ coef).ravel() - intercept
    return float(r @ r / y.size)


def run_sparsefit(X, y, alphas, folds):
    from sparsefit import LassoCV

    # untimed warm-up: numba compiles the kernels for this dtype/layout once per process
    LassoCV(alphas=alphas[:3], cv=folds, standardize=False).fit(X, y)
    elapsed, m = best_time(lambda: LassoCV(alphas=alphas, cv=folds, standardize=False).fit(X, y))
    return dict(time=elapsed, alpha=m.alpha_, alpha_1se=m.alpha_1se_,
                coef=m.coef_, intercept=m.intercept_)


def run_sklearn(X, y, alphas, folds):
    from sklearn.linear_model import LassoCV
    from sklearn.model_selection import PredefinedSplit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        elapsed, m = best_time(lambda: LassoCV(alphas=alphas, cv=PredefinedSplit(folds)).fit(X, y))
    return dict(time=elapsed, alpha=m.alpha_, alpha_1se=float("nan"),
                coef=m.coef_, intercept=m.intercept_)


def run_glmnet(X, y, alphas, folds):
    out = run_r_cv(X, y, alphas, folds, R_CODE, prefix="bench_cv_")
    return dict(time=float(out[0]), alpha=float(out[1]), alpha_1se=float(out[2]),
                coef=out[4:], intercept=float(out[3]))


TOOLS = {"sparsefit": run_sparsefit, "glmnet (R)": run_glmnet, "scikit-learn": run_sklearn}


def bench(name):
    X, y = DATASETS[name]()
    Xtr, ytr, Xte, yte, folds = split(X, y)
    alphas = alpha_grid(Xtr, ytr)
    rows = {}
    for tool, fn in TOOLS.items():
        try:
            r = fn(Xtr, ytr, alphas, folds)
            r["test_mse"] = test_mse(Xte, yte, r["coef"], r["intercept"])
            r["nnz"] = int(np.count_nonzero(r.pop("coef")))
            r["status"] = "ok"
        except Exception as exc:  # a failing tool is reported, never hidden
            r = dict(status=f"failed: {type(exc).__name__}: {str(exc)[:100]}")
        rows[tool] = r
        print(f"  {name:13s} {tool:13s} {r.get('time', float('nan')):8.3f} s  "
              f"{r['status']}", flush=True)
    return dict(problem=name, shape=list(X.shape), n_train=int(Xtr.shape[0]),
                sparse=bool(sp.issparse(X)), alpha_max=float(alphas[0]), rows=rows)


def table(results):
    out = ["| problem | tool | time (s) | ratio vs sparsefit | alpha_min / alpha_max | nnz "
           "| held-out MSE | MSE ratio vs sparsefit |",
           "|---|---|---:|---:|---:|---:|---:|---:|"]
    summary = {}
    for res in results:
        ref = res["rows"]["sparsefit"]
        label = f"{res['problem']} ({res['shape'][0]}x{res['shape'][1]})"
        for tool, r in res["rows"].items():
            if r["status"] != "ok":
                out.append(f"| {label} | {tool} | {r['status']} | | | | | |")
                continue
            ok = ref["status"] == "ok"
            ratio = r["time"] / ref["time"] if ok else float("nan")
            mse_ratio = r["test_mse"] / ref["test_mse"] if ok else float("nan")
            if tool != "sparsefit":
                summary.setdefault(tool, []).append(ratio)
            out.append(f"| {label} | {tool} | {r['time']:.3f} | "
                       f"{'(reference)' if tool == 'sparsefit' else f'{ratio:.2f}'} | "
                       f"{r['alpha'] / res['alpha_max']:.4g} | {r['nnz']} | "
                       f"{r['test_mse']:.5g} | {mse_ratio:.3f} |")
    out.append("")
    for tool, ratios in summary.items():
        out.append(f"- {tool}: time / sparsefit time, median over problems = "
                   f"{np.median(ratios):.2f} (each: {', '.join(f'{x:.2f}' for x in ratios)})")
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="riboflavin and leukemia only")
    ap.add_argument("--problems", nargs="+", choices=sorted(DATASETS))
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    names = args.problems or (["riboflavin", "leukemia"] if args.quick else
                              ["riboflavin", "leukemia", "toeplitz", "reuters_earn"])
    t0 = time.perf_counter()
    results = [bench(name) for name in names]
    v = versions()
    text = "\n".join([
        "# Cross-validated lasso: sparsefit LassoCV vs cv.glmnet vs scikit-learn LassoCV", "",
        f"Run {time.strftime('%Y-%m-%d %H:%M')}, {platform.node()}, {os.cpu_count()} cores; "
        "every thread pool limited to 1 thread.",
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".", "",
        f"- Same training rows ({1 - TEST_FRACTION:.0%}, seed {SEED}), same {N_ALPHAS} alphas "
        f"(alpha_max of the training data down to alpha_max * {RATIO:g}), same {N_FOLDS} fold "
        "ids; intercept fitted, no standardization inside the tools (leukemia and toeplitz "
        "columns are standardized by the loader).",
        f"- Time: the whole CV (folds + full-data path), {TIMING_NOTE}; glmnet timed inside R "
        "around cv.glmnet() (R start-up and data transfer excluded); sparsefit after an "
        "untimed warm-up fit that triggers numba compilation. "
        "Default tolerances of each tool.",
        "- Held-out MSE: the alpha_min model on the held-out 20%. ratio > 1: slower / worse "
        "than sparsefit.", "",
        table(results), "", f"Total benchmark wall time: {time.perf_counter() - t0:.0f} s."])
    print(text)
    out = args.out or RESULTS / ("cv_quick.md" if args.quick else "cv.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")
    out.with_suffix(".json").write_text(json.dumps(dict(versions=v, results=results),
                                                   indent=1, default=float))


if __name__ == "__main__":
    main()
