"""Cross-validation along regularization paths (glmnet's ``cv.glmnet``).

The full-data path is fitted first and fixes the alpha grid (its early stop included); every
fold is then fitted on exactly that grid, with folds drawn once and shared by every alpha and
every ``l1_ratio``.  For fold ``k`` with test weight ``W_k`` (the sum of its sample weights as
given, i.e. its size without weights) and score ``e_k`` at one alpha:

.. math::

    \\bar e = \\frac{\\sum_k W_k e_k}{\\sum_k W_k}, \\qquad
    \\mathrm{SE} = \\sqrt{\\frac{\\sum_k W_k (e_k - \\bar e)^2}{(K - 1) \\sum_k W_k}},

which is glmnet's ``cvm`` and ``cvsd`` (``type.measure``, ``grouped=TRUE``).  scikit-learn's
``LassoCV`` averages the folds with equal weights instead; both agree when the folds have
equal weight.  ``alpha_min`` is the largest alpha attaining the best mean score and
``alpha_1se`` the largest alpha whose mean is within one SE (taken at ``alpha_min``) of it.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .._kernels.sparse import csc_rows_predict
from .._validation import check_int_param, check_sample_weight, check_scalar_param
from ..path import (
    PathResult,
    _alpha_max,
    _check_grid_params,
    _geometric_grid,
    _grid_solver,
    _make_problem,
    _path_from_problem,
    _predict_path,
    _rows_used,
    _solve_grid,
    check_alphas,
)
from ..solvers.cd import Workspace
from ._shared_gram import SharedGram
from ._split import make_folds, rows_source, take_rows

# name -> greater_is_better.  For the gaussian family the deviance is the mean squared
# error (glmnet's type.measure="deviance" equals "mse" there).
SCORINGS = {"mse": False, "mae": False, "r2": True, "deviance": False}


def check_scoring(scoring):
    if scoring not in SCORINGS:
        raise ValueError(f"scoring={scoring!r} is not supported; choose one of "
                         f"{sorted(SCORINGS)}")
    return scoring


def path_scores(y, pred, sw, scoring):
    """Weighted score of every column of ``pred`` (n_test, n_alphas) against ``y``."""
    w = np.ones(y.shape[0]) if sw is None else sw
    wsum = w.sum()
    resid = y[:, None] - pred
    if scoring in ("mse", "deviance"):
        return w @ (resid * resid) / wsum
    if scoring == "mae":
        return w @ np.abs(resid) / wsum
    ybar = w @ y / wsum
    sst = w @ (y - ybar) ** 2
    if sst == 0:
        raise ValueError("scoring='r2' is undefined on a test fold whose targets are all "
                         "equal; use scoring='mse' or more samples per fold")
    return 1.0 - (w @ (resid * resid)) / sst


@dataclass(repr=False)
class CVResult:
    """Cross-validated scores along one path.

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,)
    l1_ratio : float
    scoring : str
    greater_is_better : bool
    mean : ndarray of shape (n_alphas,)
        Fold-weighted mean score (glmnet's ``cvm``).
    std_error : ndarray of shape (n_alphas,)
        Its standard error (glmnet's ``cvsd``; see the module docstring).
    n_nonzero : ndarray of int of shape (n_alphas,)
        Nonzero coefficients of the full-data fit at each alpha.
    fold_scores : ndarray of shape (n_folds, n_alphas)
    fold_mse : ndarray of shape (n_folds, n_alphas) or None
        Mean squared error per fold (whatever ``scoring`` is); for the GLM families that of
        the mean response, and None for the classification families.
    fold_weights : ndarray of shape (n_folds,)
        ``W_k``: the sum of the test fold's sample weights, normalised so that all weights sum
        to ``n_samples`` (only their ratios matter); the fold sizes without weights.
    index_min, index_1se : int
    path : PathResult
        The full-data path.
    """

    alphas: np.ndarray
    l1_ratio: float
    scoring: str
    greater_is_better: bool
    mean: np.ndarray
    std_error: np.ndarray
    n_nonzero: np.ndarray
    fold_scores: np.ndarray
    fold_mse: np.ndarray | None
    fold_weights: np.ndarray
    index_min: int
    index_1se: int
    path: PathResult

    @property
    def alpha_min(self):
        return float(self.alphas[self.index_min])

    @property
    def alpha_1se(self):
        return float(self.alphas[self.index_1se])

    @property
    def upper(self):
        return self.mean + self.std_error

    @property
    def lower(self):
        return self.mean - self.std_error

    @property
    def best_loss(self):
        """Mean score at ``alpha_min``, as a loss (negated when greater is better)."""
        m = self.mean[self.index_min]
        return -m if self.greater_is_better else m

    def summary(self):
        """glmnet-style table with the cross-validated score per alpha."""
        lines = [f"Cross-validated path ({self.fold_scores.shape[0]} folds, scoring="
                 f"{self.scoring!r}, l1_ratio={self.l1_ratio:g})",
                 f"alpha_min = {self.alpha_min:.6g} (index {self.index_min}), "
                 f"alpha_1se = {self.alpha_1se:.6g} (index {self.index_1se})", "",
                 f"{'':>5} {'Df':>6} {'%Dev':>7} {'Alpha':>11} {'Mean':>11} {'SE':>11}"]
        dev = self.path.deviance_ratio
        for k in range(self.alphas.shape[0]):
            mark = " min" if k == self.index_min else ""
            mark += " 1se" if k == self.index_1se else ""
            lines.append(f"{k + 1:>5} {int(self.n_nonzero[k]):>6} {100 * dev[k]:>7.2f} "
                         f"{self.alphas[k]:>11.4g} {self.mean[k]:>11.5g} "
                         f"{self.std_error[k]:>11.4g}{mark}")
        return "\n".join(lines)

    def __str__(self):
        return self.summary()

    def __repr__(self):
        return (f"CVResult(n_alphas={self.alphas.shape[0]}, n_folds="
                f"{self.fold_scores.shape[0]}, scoring={self.scoring!r}, "
                f"alpha_min={self.alpha_min:.4g}, alpha_1se={self.alpha_1se:.4g})")


def select_indices(mean, std_error, greater_is_better):
    """``(index_min, index_1se)`` on a decreasing alpha grid (glmnet's rule)."""
    loss = -mean if greater_is_better else mean
    i_min = int(np.argmin(loss))  # first = largest alpha among ties
    within = loss <= loss[i_min] + std_error[i_min]
    return i_min, int(np.flatnonzero(within)[0])


def _complements(train, test, n):
    """Whether ``train`` and ``test`` split ``range(n)`` (each row once): the full data's
    shared Gram entries are corrected for the test rows only (a bootstrap's training rows,
    drawn with repeats, are not the rows left out of the test)."""
    count = np.bincount(np.concatenate([train, test]), minlength=n)
    return count.shape[0] == n and bool(np.all(count == 1))


def _fold_job(X, y, sw, train, test, alphas, problem_kw, scoring, fold, shared=None,
              workspace=None):
    """Fit one fold on the fixed grid; return (scores, mse) over the grid.

    ``shared``: a :class:`SharedGram` of the full data, or None; ``workspace``: a
    :class:`~sparsefit.solvers.cd.Workspace` whose buffers the fold's solver takes over
    (folds run one after the other), or None.
    """
    sw_train = None if sw is None else sw[train]
    try:
        if sp.issparse(X) or X.flags.f_contiguous:
            # gathered and centred (sparse: its column statistics taken) in one pass; sparse
            # rows go into the workspace's buffers, held by this fold's design until the
            # next fold (see make_design)
            pp = _make_problem(X, y[train], sw_train, rows=train, workspace=workspace,
                               **problem_kw)
        else:  # the fold's rows are a private copy: its design centres them in place
            pp = _make_problem(take_rows(X, train), y[train], sw_train, copy_X=False,
                               **problem_kw)
    except ValueError as exc:
        raise ValueError(f"cross-validation fold {fold}: {exc}") from exc
    cd = _grid_solver(pp, workspace=workspace)
    if shared is not None and _complements(train, test, X.shape[0]):
        cd.prefill_gram(*shared.fold(train, test, pp.prob.design))
    # the grid's coefficients (p x n_alphas: 15 MB on Reuters) in the workspace's buffer:
    # a new array's pages faulted in and zeroed for every fold
    coefs = None if workspace is None else workspace.take(
        "coefs", (alphas.shape[0], pp.prob.design.n_features), pp.prob.design.dtype).T
    coefs, *_ = _solve_grid(pp, alphas, early_stop=False, cd=cd, coefs=coefs)
    # only the features ever non-zero on the path (a few percent of a wide problem's) are
    # read again: for the intercepts and the test rows' predictions
    used = np.flatnonzero(np.any(coefs != 0, axis=1))
    coefs = coefs[used].astype(np.float64, copy=False)
    intercepts = pp.prob.y_mean - pp.prob.x_mean[used] @ coefs
    pred = _predict_rows(X, test, used, coefs, intercepts)
    sw_test = None if sw is None else sw[test]
    scores = path_scores(y[test].astype(np.float64), pred, sw_test, scoring)
    mse = scores if scoring in ("mse", "deviance") else path_scores(
        y[test].astype(np.float64), pred, sw_test, "mse")
    return scores, mse


def _predict_rows(X, rows, used, coefs, intercepts):
    """``X[rows][:, used] @ coefs + intercepts`` (``coefs``: float64, one row per feature
    of ``used``): on sparse data in one compiled pass over the used columns (scipy's
    column and row selections and product took 2.1 ms a fold on Reuters "earn", this
    1.4).  A row listed twice takes the general route."""
    if not sp.issparse(X):
        return _predict_path(_rows_used(X, rows, used), coefs, intercepts)
    row_pos = np.full(X.shape[0], -1, dtype=np.int64)
    row_pos[rows] = np.arange(rows.shape[0])
    if not np.array_equal(row_pos[rows], np.arange(rows.shape[0])):  # a row twice
        return _predict_path(_rows_used(X, rows, used), coefs, intercepts)
    out = np.repeat(intercepts[None, :], rows.shape[0], axis=0)
    csc_rows_predict(X.data, X.indices, X.indptr, used, row_pos,
                     np.ascontiguousarray(coefs), out)
    return out


def _summarize(path, folds, sw, scores, mses, scoring, greater_is_better=None):
    """Fold scores -> CVResult (glmnet's fold-weighted mean and SE, 1-SE rule).

    ``mses`` may be None (no MSE for the classification families); ``greater_is_better``
    defaults to the least-squares table ``SCORINGS``.
    """
    K = len(folds)
    W = np.array([te.size if sw is None else sw[te].sum() for _, te in folds], dtype=float)
    S = np.vstack(scores)
    mean = W @ S / W.sum()
    se = np.sqrt(W @ (S - mean) ** 2 / W.sum() / (K - 1))
    gib = SCORINGS[scoring] if greater_is_better is None else bool(greater_is_better)
    i_min, i_1se = select_indices(mean, se, gib)
    return CVResult(path.alphas, path.l1_ratio, scoring, gib, mean, se, path.df.copy(), S,
                    None if mses is None else np.vstack(mses), W, i_min, i_1se, path)


def _run_jobs(jobs, n_jobs):
    if n_jobs is None or n_jobs == 1:
        return [fn(*args) for fn, args in jobs]
    from joblib import Parallel, delayed

    # processes: the numba kernels hold the GIL
    return Parallel(n_jobs=n_jobs)(delayed(fn)(*args) for fn, args in jobs)


def cross_validate_paths(X, y, *, l1_ratios=(1.0,), alphas=None, n_alphas=100, eps=None,
                         cv=5, groups=None, scoring="mse", sample_weight=None,
                         fit_intercept=True, standardize=True, penalty_factor=None,
                         lower_bounds=None, upper_bounds=None, positive=False, tol=1e-4,
                         max_iter=10_000, early_stop=True, n_jobs=None):
    """:func:`cross_validate_path` for several ``l1_ratio`` values sharing one set of folds.

    ``X`` and ``y`` must already be validated (ndarray or CSC, finite).  Returns a list of
    :class:`CVResult`, one per ``l1_ratio``.
    """
    scoring = check_scoring(scoring)
    folds = make_folds(cv, X, y, groups)
    # normalised to sum to n; the fold weights W_k only enter through ratios
    sw = check_sample_weight(sample_weight, X.shape[0])
    tol = check_scalar_param(tol, "tol", low=0.0, include_low=False)
    max_iter = check_int_param(max_iter, "max_iter")
    l1_ratios = [check_scalar_param(r, "l1_ratio", low=0.0, high=1.0) for r in l1_ratios]
    if len(l1_ratios) == 0:
        raise ValueError("l1_ratio is empty; give at least one value in [0, 1]")
    user = alphas is not None
    if user:
        alphas = check_alphas(alphas)
    else:
        n_alphas, eps = _check_grid_params(n_alphas, eps, X.shape)
    X = rows_source(X)
    # folds solved one after the other hand their large buffers on (see Workspace)
    workspace = Workspace() if n_jobs is None or n_jobs == 1 else None
    kws, paths, shares = [], [], []
    for l1_ratio in l1_ratios:
        kw = dict(l1_ratio=float(l1_ratio), fit_intercept=fit_intercept,
                  standardize=standardize, penalty_factor=penalty_factor,
                  lower_bounds=lower_bounds, upper_bounds=upper_bounds, positive=positive,
                  tol=tol, max_iter=max_iter)
        pp = _make_problem(X, y, sw, **kw)
        grid = alphas if user else _geometric_grid(_alpha_max(pp), n_alphas, eps)
        cd = _grid_solver(pp, workspace=workspace)
        paths.append(_path_from_problem(pp, grid, bool(early_stop) and not user,
                                        grid.shape[0], cd=cd))
        # sparse folds start from the full-data path's Gram entries, corrected for their
        # rows: a fold's path on Reuters "earn" went from 208 to 134 ms.  Dense folds fill
        # their entries with contiguous dot products, so cheaply that the correction cost as
        # much as it saved (Toeplitz 500 x 5000: 80 vs 83 ms + 6 ms); they fill their own.
        features = cd.gram_features()
        shares.append(SharedGram(X, sw, features, fit_intercept)
                      if sp.issparse(X) and features.size else None)
        kws.append(kw)
    jobs = [(_fold_job, (X, y, sw, tr, te, path.alphas, kw, scoring, k, share, workspace))
            for path, kw, share in zip(paths, kws, shares, strict=True)
            for k, (tr, te) in enumerate(folds)]
    out = _run_jobs(jobs, n_jobs)
    K = len(folds)
    results = []
    for i, path in enumerate(paths):
        chunk = out[i * K:(i + 1) * K]
        results.append(_summarize(path, folds, sw, [c[0] for c in chunk],
                                  [c[1] for c in chunk], scoring))
    return results


def cross_validate_path(X, y, *, l1_ratio=1.0, alphas=None, n_alphas=100, eps=None, cv=5,
                        groups=None, scoring="mse", sample_weight=None, fit_intercept=True,
                        standardize=True, penalty_factor=None, lower_bounds=None,
                        upper_bounds=None, positive=False, tol=1e-4, max_iter=10_000,
                        early_stop=True, n_jobs=None):
    """Cross-validate an elastic-net path (sparsefit's ``cv.glmnet``).

    Parameters
    ----------
    X, y, l1_ratio, alphas, n_alphas, eps, sample_weight, fit_intercept, standardize,
    penalty_factor, lower_bounds, upper_bounds, positive, tol, max_iter, early_stop
        As in :func:`sparsefit.path.path`; the grid (and its early stop) comes from the
        full-data path, and every fold is fitted on that whole grid.
    cv : int, splitter, iterable of (train, test) or array of fold ids, default=5
        See :func:`sparsefit.model_selection.make_folds`.
    groups : array-like of shape (n_samples,), default=None
        Group labels honoured by the splitter (``GroupKFold`` when ``cv`` is an int).
    scoring : {"mse", "mae", "r2", "deviance"}, default="mse"
        Weighted by ``sample_weight`` within each test fold.  "deviance" of the gaussian
        family is the mean squared error.
    n_jobs : int, default=None
        Folds fitted in parallel by joblib (processes); None or 1 runs in this process.

    Returns
    -------
    CVResult
    """
    from ..path import _check_Xy

    X, y = _check_Xy(X, y)
    return cross_validate_paths(
        X, y, l1_ratios=(l1_ratio,), alphas=alphas, n_alphas=n_alphas, eps=eps, cv=cv,
        groups=groups, scoring=scoring, sample_weight=sample_weight,
        fit_intercept=fit_intercept, standardize=standardize, penalty_factor=penalty_factor,
        lower_bounds=lower_bounds, upper_bounds=upper_bounds, positive=positive, tol=tol,
        max_iter=max_iter, early_stop=early_stop, n_jobs=n_jobs)[0]
