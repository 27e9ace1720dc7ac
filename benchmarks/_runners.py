"""Solvers under benchmark: one tolerance sweep per (tool, problem)."""

from __future__ import annotations

import csv
import shutil
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import scipy.io
import scipy.sparse as sp

from _problems import Problem, objective

HERE = Path(__file__).resolve().parent
BIG_ITER = 1_000_000


@dataclass
class Run:
    """One timed setting of one tool on one problem."""

    tol: float
    time: float  # best wall time over the repeats (s)
    objective: float  # recomputed in numpy from the returned coefficients
    repeats: int
    nnz: int
    warning: str = ""  # e.g. ConvergenceWarning raised by the solver


@dataclass
class Sweep:
    tool: str
    problem: str
    status: str = "ok"  # "ok", "not installed", "failed: <reason>"
    runs: list[Run] = field(default_factory=list)
    note: str = ""

    def to_dict(self):
        return asdict(self)


@dataclass
class SweepConfig:
    tols: tuple[float, ...]
    glmnet_threshs: tuple[float, ...]
    time_cap: float = 20.0  # stop tightening once one fit takes longer than this (s)
    tool_budget: float = 60.0  # stop tightening once a sweep has used this much time (s)
    repeats: int = 3  # best of `repeats` for fits faster than `repeat_below` seconds
    repeat_below: float = 5.0
    warmup_tol: float = 1e-6


# --------------------------------------------------------------------------- python tools
def _sklearn():
    from sklearn.linear_model import Lasso

    def fit(pb: Problem, tol: float):
        return Lasso(alpha=pb.alpha, fit_intercept=False, tol=tol, max_iter=BIG_ITER)

    return fit


def _skglm():
    from skglm import Lasso

    def fit(pb: Problem, tol: float):
        # max_iter = outer (working-set) iterations, max_epochs = inner CD epochs
        return Lasso(alpha=pb.alpha, fit_intercept=False, tol=tol, max_iter=10_000,
                     max_epochs=BIG_ITER)

    return fit


def _celer():
    from celer import Lasso

    def fit(pb: Problem, tol: float):
        return Lasso(alpha=pb.alpha, fit_intercept=False, tol=tol, max_iter=10_000,
                     max_epochs=BIG_ITER)

    return fit


def _sparsefit():
    import sparsefit

    def fit(pb: Problem, tol: float):
        return sparsefit.Lasso(alpha=pb.alpha, fit_intercept=False, standardize=False, tol=tol,
                               max_iter=BIG_ITER)

    return fit


# tool name -> top-level module (a ModuleNotFoundError for it means "not installed")
TOOL_MODULES = {"sparsefit": "sparsefit", "scikit-learn": "sklearn", "skglm": "skglm",
                "celer": "celer"}
# tool name -> factory returning make_estimator(problem, tol); the factory does the import
PY_TOOLS: dict[str, Callable] = {
    "sparsefit": _sparsefit,
    "scikit-learn": _sklearn,
    "skglm": _skglm,
    "celer": _celer,
}


def _timed_fit(make, pb: Problem, tol: float):
    est = make(pb, tol)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        est.fit(pb.X, pb.y)
        elapsed = time.perf_counter() - t0
    names = sorted({w.category.__name__ for w in caught})
    return elapsed, np.asarray(est.coef_, dtype=np.float64).ravel(), ",".join(names)


def sweep_python(tool: str, pb: Problem, cfg: SweepConfig) -> Sweep:
    sw = Sweep(tool, pb.name)
    try:
        make = PY_TOOLS[tool]()
    except ModuleNotFoundError as exc:
        # the tool itself is missing -> "not installed"; anything else means it is installed
        # but its import is broken, which is a failure to report
        missing_self = exc.name == TOOL_MODULES[tool]
        sw.status = "not installed" if missing_self else f"failed: import error: {exc}"[:140]
        return sw
    except Exception as exc:
        sw.status = f"failed: import error: {type(exc).__name__}: {exc}"[:140]
        return sw
    try:
        # untimed warm-up fits, loose and medium tol (code paths only reached after several
        # iterations get compiled too): excludes numba JIT compilation and first-call caches
        for tol in (cfg.tols[0], cfg.warmup_tol):
            _timed_fit(make, pb, tol)
        used = 0.0
        for tol in cfg.tols:
            elapsed, coef, warn = _timed_fit(make, pb, tol)
            used += elapsed
            best, reps = elapsed, 1
            if elapsed < cfg.repeat_below:
                for _ in range(cfg.repeats - 1):
                    t, _, _ = _timed_fit(make, pb, tol)
                    best, reps, used = min(best, t), reps + 1, used + t
            sw.runs.append(Run(tol, best, objective(pb.X, pb.y, coef, pb.alpha), reps,
                               int(np.count_nonzero(coef)), warn))
            if (elapsed > cfg.time_cap or used > cfg.tool_budget) and tol != cfg.tols[-1]:
                sw.note = f"sweep stopped after tol={tol:g} (time cap or sweep budget)"
                break
    except Exception as exc:  # report, never hide, a failing tool
        sw.status = f"failed: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    return sw


# --------------------------------------------------------------------------- R glmnet
def sweep_glmnet(problems: list[Problem], cfg: SweepConfig, timeout: float = 900.0):
    """Run glmnet in one R process for problems sharing X and y (one per lambda)."""
    X, y = problems[0].X, problems[0].y
    sweeps = [Sweep("glmnet (R)", pb.name) for pb in problems]
    if shutil.which("Rscript") is None:
        for sw in sweeps:
            sw.status = "not installed"
        return sweeps
    n, p = X.shape
    with tempfile.TemporaryDirectory(prefix="bench_glmnet_") as tmp:
        d = Path(tmp)
        if sp.issparse(X):
            scipy.io.mmwrite(d / "X.mtx", sp.coo_matrix(X), precision=17)
        else:
            np.ascontiguousarray(X.T, dtype="<f8").tofile(d / "X.bin")  # column-major
        np.asarray(y, dtype="<f8").tofile(d / "y.bin")
        params = {
            "n": n, "p": p, "sparse": int(sp.issparse(X)), "repeats": cfg.repeats,
            "repeat_below": cfg.repeat_below, "time_cap": cfg.time_cap,
            "tool_budget": cfg.tool_budget, "maxit": 10**8,
            "lambdas": " ".join(repr(float(pb.alpha)) for pb in problems),
            "threshs": " ".join(repr(float(t)) for t in cfg.glmnet_threshs),
        }
        (d / "params.txt").write_text("".join(f"{k} {v}\n" for k, v in params.items()))
        try:
            proc = subprocess.run(["Rscript", str(HERE / "glmnet_runner.R"), str(d)],
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            proc = None
        if proc is None or proc.returncode != 0:
            reason = "timeout" if proc is None else (proc.stderr.strip().splitlines() or ["?"])[-1]
            for sw in sweeps:
                sw.status = f"failed: {reason[:120]}"
            return sweeps
        with open(d / "results.csv") as fh:
            rows = list(csv.DictReader(fh))
        betas = np.fromfile(d / "beta.bin", dtype="<f8").reshape(len(rows), p)
    for row, beta in zip(rows, betas, strict=True):
        pb, sw = problems[int(row["lambda_index"])], sweeps[int(row["lambda_index"])]
        jerr = int(row["jerr"])
        sw.runs.append(Run(float(row["thresh"]), float(row["time"]),
                           objective(pb.X, pb.y, beta, pb.alpha), int(row["repeats"]),
                           int(np.count_nonzero(beta)), f"jerr={jerr}" if jerr else ""))
    for sw in sweeps:
        last = sw.runs[-1].tol if sw.runs else None
        if last is not None and last != cfg.glmnet_threshs[-1]:
            sw.note = f"sweep stopped after thresh={last:g} (time cap or sweep budget)"
    return sweeps
