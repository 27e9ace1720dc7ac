"""Plumbing shared by the benchmarks.

``run_r_cv`` hands one training set, alpha grid and fold ids to an R script and reads back its
``out.txt`` (the cross-validation benchmarks); ``versions`` records what produced the figures
(every benchmark).
"""

import platform
import shutil
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path

import numpy as np
import scipy.io
import scipy.sparse as sp


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
