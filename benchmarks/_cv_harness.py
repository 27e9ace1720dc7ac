"""Plumbing shared by the benchmarks.

``run_r_cv`` hands one training set, alpha grid and fold ids to an R script and reads back its
``out.txt`` (the cross-validation benchmarks), ``best_time`` times a Python fit the way
``R_TIMING`` times an R one, and ``versions`` records what produced the figures (every
benchmark).
"""

import platform
import shutil
import subprocess
import tempfile
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import scipy.io
import scipy.sparse as sp

# Every tool's cross-validation is timed as the best of up to REPEATS runs, stopping after a
# run longer than REPEAT_BELOW_S: one run of a fraction of a second varies by 10-30%
# (first-run effects, other load), which decided ratios near the targets.
REPEATS, REPEAT_BELOW_S = 3, 5.0
TIMING_NOTE = (f"wall clock, best of up to {REPEATS} runs (fewer once a run exceeds "
               f"{REPEAT_BELOW_S:g} s), the same rule for every tool")

# R side of the same rule: evaluates FIT (an R expression assigning cvfit) up to REPEATS
# times; leaves the best time in `elapsed`.
R_TIMING = f"""
elapsed <- Inf
for (rep in 1:{REPEATS}) {{
  t0 <- Sys.time()
  eval(FIT)
  run <- as.numeric(Sys.time()) - as.numeric(t0)
  elapsed <- min(elapsed, run)
  if (run > {REPEAT_BELOW_S}) break
}}
"""


def best_time(fit):
    """``(best wall time, last result)`` of ``fit()`` under the REPEATS rule."""
    best, out = np.inf, None
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        out = fit()
        run = time.perf_counter() - t0
        best = min(best, run)
        if run > REPEAT_BELOW_S:
            break
    return best, out


def run_r_cv(X, y, alphas, folds, r_code, prefix):
    """Write the data for ``r_code`` (see either benchmark's R_CODE), run it, return out.txt."""
    if shutil.which("Rscript") is None:
        raise RuntimeError("Rscript not found")
    n, p = X.shape
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        d = Path(tmp)
        if sp.issparse(X):
            scipy.io.mmwrite(d / "X.mtx", sp.coo_matrix(X), precision=17)
        else:
            np.ascontiguousarray(X.T, dtype="<f8").tofile(d / "X.bin")
        np.asarray(y, "<f8").tofile(d / "y.bin")
        np.asarray(alphas, "<f8").tofile(d / "lambda.bin")
        np.asarray(folds + 1, "<f8").tofile(d / "foldid.bin")
        (d / "params.txt").write_text(
            f"n {n}\np {p}\nsparse {int(sp.issparse(X))}\nnlam {len(alphas)}\n")
        (d / "run.R").write_text(r_code)
        proc = subprocess.run(["Rscript", str(d / "run.R"), str(d)], capture_output=True,
                              text=True, timeout=3600)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr.strip().splitlines()[-1])
        return np.loadtxt(d / "out.txt")


def versions(*extra):
    """Versions of Python, the numeric stack, the ``extra`` distributions, sparsefit and R
    glmnet."""
    out = {"python": platform.python_version()}
    for dist in ("numpy", "scipy", "numba", "scikit-learn", *extra, "sparsefit"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    try:
        r = subprocess.run(["Rscript", "-e", 'cat(R.version$version.string, "/ glmnet", '
                            'as.character(packageVersion("glmnet")))'],
                           capture_output=True, text=True, timeout=60)
        out["R"] = r.stdout.strip() or "failed"
    except (OSError, subprocess.TimeoutExpired):
        out["R"] = "not installed"
    return out
