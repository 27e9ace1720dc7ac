"""Regularization paths: the alpha grid and warm-started solves along it.

For a decreasing grid ``alpha_0 > alpha_1 > ...`` every problem

.. math::

    \\min_{w, b} \\frac{1}{2n} \\sum_i s_i (y_i - x_i^\\top w - b)^2
    + \\alpha_k \\sum_j pf_j \\left(\\rho |w_j| + \\frac{1 - \\rho}{2} w_j^2\\right)

is solved by working-set coordinate descent started from the solution at ``alpha_{k-1}``
(the solvers work on the original scale, so a warm start is just the previous
coefficients).  The whole grid runs in one compiled call
(:mod:`sparsefit._kernels.quadratic_path`): the first working set at each alpha is the
previous support (x1.5) filled with the features closest to entering, ranked from the
previous solution's ``X^T r`` without a new pass over ``X``; a certificate over every
feature not eliminated by gap-safe screening ends each alpha.  A sequential strong rule
(Tibshirani et al., 2012) sizing that first working set was measured 0.96x-2.5x slower on
100-alpha paths (riboflavin, leukemia, 500 x 5000 Toeplitz) when the path loop ran in
Python, since the rule costs one extra pass over ``X`` per alpha and the ranked working
set already keeps out what the rule would discard; it is not used.

glmnet translation: ``alpha`` here is glmnet's ``lambda``, ``l1_ratio`` is glmnet's ``alpha``.
glmnet rescales ``penalty.factor`` to sum to ``n_features``; we do not.  For ``l1_ratio < 1``
glmnet also standardizes ``y`` internally, which divides the ridge part of its penalty by
the (1/n) standard deviation of ``y``; the two agree when ``y`` has unit standard deviation.
"""

import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ._kernels.sparse import csc_from_dense
from ._problem import prepare_quadratic
from ._threads import single_threaded_blas
from ._validation import (
    check_bounds,
    check_finite_X,
    check_finite_y,
    check_int_param,
    check_penalty_factor,
    check_scalar_param,
    check_X_y,
)
from .exceptions import ConvergenceWarning
from .penalties import WeightedElasticNet
from .solvers import solve_cd
from .solvers.cd import STOP_DEVMAX, STOP_FDEV, QuadraticCD

# glmnet's defaults (glmnet.control): minimum number of alphas before early stopping
# (mnlam), relative deviance change that stops the path (fdev), deviance ratio that
# stops it (devmax), and the floor on l1_ratio used for alpha_max.
MIN_ALPHAS_BEFORE_STOP = 5
FDEV = 1e-5
DEVMAX = 0.999
L1_RATIO_FLOOR = 1e-3
# coefficient storage: scipy.sparse CSC above this many features (see PathResult)
SPARSE_COEFS_ABOVE = 5000
# tolerance to which the two solutions deciding an early stop are refined
REFINE_TOL = 1e-9


# --------------------------------------------------------------------------- validation
def _check_Xy(X, y):
    X, y = check_X_y(X, y, accept_sparse=["csc", "csr", "coo"], dtype=[np.float64, np.float32],
                     y_numeric=True, ensure_all_finite=False)
    if sp.issparse(X):
        X = sp.csc_matrix(X)
    check_finite_X(X)
    check_finite_y(y)
    return X, np.asarray(y, dtype=X.dtype)


def check_alphas(alphas):
    """User alphas as a float64 array sorted in decreasing order (as glmnet and scikit-learn)."""
    arr = np.asarray(alphas, dtype=np.float64)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"alphas must be a non-empty 1-d sequence, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("alphas contains NaN or inf; give finite, positive penalty strengths")
    if np.any(arr <= 0):
        j = int(np.flatnonzero(arr <= 0)[0])
        raise ValueError(
            f"alphas must be > 0; alphas[{j}] = {arr[j]}. For the unpenalized fit use "
            "sklearn.linear_model.LinearRegression, or a tiny positive alpha"
        )
    return np.sort(arr)[::-1].copy()


def default_eps(n_samples, n_features):
    """glmnet's ``lambda.min.ratio``: 1e-4 when ``n_samples >= n_features``, else 1e-2.

    (glmnet: ``ifelse(nobs < nvars, 1e-2, 1e-4)``.)
    """
    return 1e-4 if n_samples >= n_features else 1e-2


# --------------------------------------------------------------------------- problem setup
@dataclass
class _PathProblem:
    """A prepared problem plus the penalty ingredients; everything a solve at one alpha needs."""

    prob: object  # QuadraticProblem
    l1_ratio: float
    penalty_factor: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    tol: float
    max_iter: int

    def penalty(self, alpha):
        return WeightedElasticNet.from_params(alpha, self.l1_ratio, self.penalty_factor,
                                              self.prob.scale, self.lower, self.upper)

    def solve(self, alpha, w0, p0=10, tol=None, corr0=None, resid0=None):
        return solve_cd(self.prob.datafit, self.penalty(alpha), self.prob.design, w0=w0,
                        tol=self.tol if tol is None else tol, max_iter=self.max_iter, p0=p0,
                        warn=False, corr0=corr0, resid0=resid0)

    def fit_point(self, alpha, coef0, intercept0=None):
        """Solve at ``alpha`` warm-started from ``coef0`` (see :meth:`PathResult.fit_at`)."""
        res = self.solve(alpha, coef0)
        if not res.converged:
            _warn_not_converged([alpha], [res.gap], self.tol)
        coef = np.asarray(res.coef, dtype=self.prob.dtype)
        return PathPoint(alpha, coef, self.prob.intercept(coef.astype(np.float64)),
                         float(res.gap), int(res.n_iter), bool(res.converged))


def _make_problem(X, y, sample_weight, l1_ratio, fit_intercept, standardize, penalty_factor,
                  lower_bounds, upper_bounds, positive, tol, max_iter, copy_X=True, rows=None,
                  workspace=None):
    """Validated inputs -> :class:`_PathProblem` (X, y already checked; ``copy_X``, ``rows``
    and ``workspace`` as in :func:`~sparsefit._problem.prepare_quadratic`)."""
    p = X.shape[1]
    pf = check_penalty_factor(penalty_factor, p)
    lo, hi = check_bounds(lower_bounds, upper_bounds, positive, p)
    prob = prepare_quadratic(X, y, sample_weight, fit_intercept, standardize, copy_X, rows,
                             workspace)
    return _PathProblem(prob, l1_ratio, pf, lo, hi, tol, max_iter)


def _unpenalized_residual(pp):
    """Residual (weighted, centred) after fitting only the unpenalized features.

    Unpenalized features are those with ``pf_j * s_j = 0``.  Without bounds on them this is
    ordinary least squares; with bounds, the bounded least squares is solved by coordinate
    descent with every penalized feature pinned at zero.
    """
    prob = pp.prob
    design, datafit = prob.design, prob.datafit
    unpen = (pp.penalty_factor * prob.scale == 0) & (design.col_sq_norms > 0)
    y = datafit.y.astype(np.float64)
    unpen &= ~((pp.lower == 0) & (pp.upper == 0))
    if not np.any(unpen):
        return y, unpen
    bounded = np.isfinite(pp.lower[unpen]) | np.isfinite(pp.upper[unpen])
    if not np.any(bounded):
        A = design.columns(unpen).astype(np.float64)
        coef, *_ = np.linalg.lstsq(A, y, rcond=None)
        return y - A @ coef, unpen
    p = design.n_features
    zero = np.zeros(p)
    lo = np.where(unpen, pp.lower, 0.0)
    hi = np.where(unpen, pp.upper, 0.0)
    res = solve_cd(datafit, WeightedElasticNet(zero, zero, lo, hi), design, tol=1e-12,
                   max_iter=100_000, warn=False)
    return y - design.matvec(res.coef.astype(np.float64)), unpen


def _alpha_max(pp):
    """Smallest alpha at which every penalized coefficient is zero (glmnet's lambda_max).

    As in glmnet, ``l1_ratio`` is replaced by ``max(l1_ratio, 1e-3)`` so that the ridge
    (``l1_ratio = 0``) path still starts at a finite alpha.
    """
    r0, unpen = _unpenalized_residual(pp)
    n = pp.prob.datafit.n_samples
    corr = np.asarray(pp.prob.design.rmatvec(r0), dtype=np.float64) / n
    corr[unpen] = 0.0  # optimal already; only penalized features decide alpha_max
    corr[pp.prob.design.col_sq_norms == 0] = 0.0
    pen1 = WeightedElasticNet.from_params(1.0, max(pp.l1_ratio, L1_RATIO_FLOOR),
                                          pp.penalty_factor, pp.prob.scale, pp.lower, pp.upper)
    if not np.any(pen1.a > 0):
        raise ValueError(
            "Every feature is unpenalized (penalty_factor * column scale is 0 for all of "
            "them), so the path is constant. Give some features a positive penalty_factor, or "
            "fit sklearn.linear_model.LinearRegression"
        )
    amax = pen1.alpha_max_ratio(corr)
    if not np.isfinite(amax):
        raise ValueError("alpha_max is infinite: a bounded, unpenalized feature can always move. "
                         "Give it a positive penalty_factor or remove its bounds")
    # y already explained by the unpenalized part: every alpha gives w = 0
    return max(float(amax), np.finfo(np.float64).resolution)


def _geometric_grid(alpha_max, n_alphas, eps):
    if n_alphas == 1:
        return np.array([alpha_max])
    return alpha_max * np.power(eps, np.arange(n_alphas) / (n_alphas - 1))


def alpha_grid(X, y, *, l1_ratio=1.0, n_alphas=100, eps=None, sample_weight=None,
               fit_intercept=True, standardize=True, penalty_factor=None, lower_bounds=None,
               upper_bounds=None, positive=False):
    """glmnet's alpha grid: ``n_alphas`` values from ``alpha_max`` down to ``eps * alpha_max``.

    The grid is geometric.  ``alpha_max`` is computed exactly as glmnet's ``lambda_max``:
    the largest ``|x_j^T r_0 / n| / (max(l1_ratio, 1e-3) pf_j s_j)`` over penalized features,
    with ``r_0`` the residual after fitting the intercept and the unpenalized features.

    Parameters
    ----------
    eps : float in (0, 1], default=None
        ``alpha_min / alpha_max``; ``None`` means glmnet's rule, 1e-4 if
        ``n_samples >= n_features`` else 1e-2.

    Other parameters are those of :func:`path`.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,), decreasing
    """
    X, y = _check_Xy(X, y)
    l1_ratio = check_scalar_param(l1_ratio, "l1_ratio", low=0.0, high=1.0)
    pp = _make_problem(X, y, sample_weight, l1_ratio, fit_intercept, standardize,
                       penalty_factor, lower_bounds, upper_bounds, positive, 1e-4, 1)
    n_alphas, eps = _check_grid_params(n_alphas, eps, X.shape)
    return _geometric_grid(_alpha_max(pp), n_alphas, eps)


def _check_grid_params(n_alphas, eps, shape):
    n_alphas = check_int_param(n_alphas, "n_alphas", low=1)
    if eps is None:
        eps = default_eps(*shape)
    eps = check_scalar_param(eps, "eps", low=0.0, high=1.0, include_low=False)
    return n_alphas, eps


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class PathEvents:
    """When features enter and leave the model along the path (in grid order).

    A feature *enters* at ``alphas[k]`` when its coefficient is zero at ``alphas[k-1]`` (or
    ``k = 0``) and nonzero at ``alphas[k]``; it *exits* at ``alphas[k]`` when it is nonzero at
    ``alphas[k-1]`` and zero at ``alphas[k]``.  One row per event, sorted by ``alpha_index``
    then ``feature``.
    """

    feature: np.ndarray  # int64
    alpha_index: np.ndarray  # int64, index into PathResult.alphas
    alpha: np.ndarray  # float64
    entering: np.ndarray  # bool: True = enters, False = exits

    def __len__(self):
        return int(self.feature.shape[0])

    def for_feature(self, j):
        """List of ``("enter" | "exit", alpha)`` for feature ``j``, in path order."""
        m = self.feature == j
        return [("enter" if e else "exit", float(a))
                for e, a in zip(self.entering[m], self.alpha[m], strict=True)]

    def first_entry(self, n_features):
        """Alpha at which each feature first enters (NaN if it never does)."""
        out = np.full(n_features, np.nan)
        m = self.entering
        # events are in path order, so the first occurrence is the first entry
        feats, first = np.unique(self.feature[m], return_index=True)
        out[feats] = self.alpha[m][first]
        return out


def _events(nz, alphas):
    """``nz``: boolean (p, n_alphas) support matrix (dense or CSC) -> PathEvents."""
    p, m = nz.shape
    if sp.issparse(nz):
        nz = sp.csc_matrix(nz, dtype=np.int8)
        prev = sp.hstack([sp.csc_matrix((p, 1), dtype=np.int8), nz[:, :-1]], format="csc")
        diff = (nz - prev).tocoo()
        feat, idx, val = diff.row, diff.col, diff.data
    else:  # only the features ever in the support (a few percent of a wide problem's)
        rows = np.flatnonzero(nz.any(axis=1))
        nzi = nz[rows].astype(np.int8)
        diff = np.diff(np.hstack([np.zeros((rows.size, 1), np.int8), nzi]), axis=1)
        r, idx = np.nonzero(diff)
        feat, val = rows[r], diff[r, idx]
    keep = val != 0
    feat, idx, val = feat[keep], idx[keep], val[keep]
    order = np.lexsort((feat, idx))
    feat, idx, val = feat[order], idx[order], val[order]
    return PathEvents(feat.astype(np.int64), idx.astype(np.int64), alphas[idx], val > 0)


@dataclass(frozen=True)
class PathPoint:
    """The solution at one alpha (see :meth:`PathResult.fit_at`).

    ``coef`` and ``intercept`` have the layout of one column of the path: ``(n_features,)``
    and a float, or ``(n_classes, n_features)`` and ``(n_classes,)`` for the multinomial.
    ``dual_gap`` is NaN where the solver's certificate is the KKT violation.
    """

    alpha: float
    coef: np.ndarray
    intercept: float | np.ndarray
    dual_gap: float
    n_iter: int
    converged: bool


@dataclass(repr=False)
class PathResult:
    """A regularization path.

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,)
        Decreasing penalty strengths actually fitted.
    coefs : ndarray or scipy.sparse.csc_matrix of shape (n_features, n_alphas)
        Coefficients on the original scale of ``X``.  Stored as CSC when
        ``n_features > 5000`` (``SPARSE_COEFS_ABOVE``) so a long path over many features stays
        small; :meth:`coefs_dense` always gives an ndarray.  Multinomial paths
        (:func:`sparsefit.glm_path`) store a dense ndarray of shape
        ``(n_classes, n_features, n_alphas)`` instead: ``coefs[..., k]`` is scikit-learn's
        ``coef_`` layout and ``coefs`` is glmnet's ``beta`` array.
    intercepts : ndarray of shape (n_alphas,), or (n_classes, n_alphas) for the multinomial
        (centred across classes, as glmnet).
    dual_gaps : ndarray of shape (n_alphas,)
        Duality gap reached at each alpha (absolute, on the objective's scale); for problems
        whose certificate is the KKT violation (bounded unpenalized features, the
        multinomial) see ``kkt_violations`` (the gap is then NaN).
    kkt_violations : ndarray of shape (n_alphas,)
    n_iter : ndarray of int of shape (n_alphas,)
        Coordinate-descent epochs plus full certificate passes at each alpha.
    converged : ndarray of bool of shape (n_alphas,)
    df : ndarray of int of shape (n_alphas,)
        Number of nonzero coefficients (glmnet's ``df``); for the multinomial the number of
        features nonzero in at least one class.
    deviance_ratio : ndarray of shape (n_alphas,)
        Fraction of the null deviance explained, ``1 - RSS_w / RSS_w(null)`` (glmnet's
        ``dev.ratio``; "%Dev" in the summary is 100 times it); for the GLM families
        ``1 - deviance / null deviance``, the null model being the intercept (and offset)
        alone.
    events : PathEvents
        Entry and exit of every feature along the path.
    l1_ratio : float
    n_alphas_requested : int
        Length of the grid before early stopping.
    stop_reason : str or None
        Why the path ended before ``n_alphas_requested`` alphas, or None.  Only a grid chosen
        by sparsefit can stop early; every user-given alpha is always fitted.
    feature_names : ndarray of str or None
    family : str
        ``"gaussian"`` for :func:`path`; the GLM family for :func:`sparsefit.glm_path`.
    classes : ndarray or None
        Class labels of the classification families (``coefs`` refer to ``classes[1]`` for
        binary families, to each class in order for the multinomial).
    """

    alphas: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    dual_gaps: np.ndarray
    kkt_violations: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray
    df: np.ndarray
    deviance_ratio: np.ndarray
    events: PathEvents
    l1_ratio: float
    n_alphas_requested: int
    stop_reason: str | None = None
    feature_names: np.ndarray | None = None
    family: str = "gaussian"
    classes: np.ndarray | None = None
    _problem: object | None = field(default=None, compare=False)

    @property
    def n_alphas(self):
        return int(self.alphas.shape[0])

    @property
    def n_features(self):
        return int(self.coefs.shape[-2])

    def coefs_dense(self):
        """``coefs`` as a dense ``(n_features, n_alphas)`` ndarray."""
        return self.coefs.toarray() if sp.issparse(self.coefs) else np.asarray(self.coefs)

    def coef_index(self, k):
        """Dense coefficients at ``alphas[k]``: ``(n_features,)``, or ``(n_classes, n_features)``
        for the multinomial."""
        if sp.issparse(self.coefs):
            return self.coefs[:, [k]].toarray().ravel()
        return np.array(self.coefs[..., k])

    def intercept_index(self, k):
        """Intercept at ``alphas[k]``: a float, or ``(n_classes,)`` for the multinomial."""
        b = self.intercepts[..., k]
        return float(b) if np.ndim(b) == 0 else np.array(b)

    def fit_at(self, alpha):
        """Exact solution at any ``alpha`` (on or between grid points).

        Grid alphas return the stored solution.  Other alphas are solved afresh, warm-started
        from the grid point nearest on the log scale, to the path's tolerance — an exact
        refit, not an interpolation (the lasso path is piecewise linear in alpha only without
        standardization and sample weights, and even then not between arbitrary grid points).
        """
        alpha = check_scalar_param(alpha, "alpha", low=0.0, include_low=False)
        hit = np.flatnonzero(self.alphas == alpha)
        if hit.size:
            k = int(hit[0])
            return PathPoint(alpha, self.coef_index(k), self.intercept_index(k),
                             float(self.dual_gaps[k]), int(self.n_iter[k]),
                             bool(self.converged[k]))
        if self._problem is None:
            raise ValueError("This PathResult holds no problem data (it was built without "
                             "it), so it can only return grid alphas")
        k = int(np.argmin(np.abs(np.log(self.alphas) - np.log(alpha))))
        return self._problem.fit_point(alpha, self.coef_index(k), self.intercept_index(k))

    def coef_at(self, alpha):
        """Coefficients at ``alpha`` (see :meth:`fit_at`)."""
        return self.fit_at(alpha).coef

    def predict(self, X):
        """Linear predictor ``X @ coefs + intercepts`` along the path.

        Shape ``(n_samples, n_alphas)``, or ``(n_samples, n_classes, n_alphas)`` for the
        multinomial; for the GLM families apply the inverse link for the mean response
        (offsets are not included).
        """
        if np.ndim(self.coefs) == 3:
            return np.stack([_predict_path(X, self.coefs[c], self.intercepts[c])
                             for c in range(self.coefs.shape[0])], axis=1)
        return _predict_path(X, self.coefs, self.intercepts)

    def summary(self):
        """glmnet-style table: one row per alpha with Df, %Dev and Alpha."""
        kind = "lasso" if self.l1_ratio == 1 else f"elastic net, l1_ratio={self.l1_ratio:g}"
        if self.family != "gaussian":
            kind = f"{self.family}, {kind}"
        lines = [f"Regularization path ({kind}): {self.n_features} features, "
                 f"{self.n_alphas} alphas", "", f"{'':>5} {'Df':>6} {'%Dev':>7} {'Alpha':>11}"]
        for k in range(self.n_alphas):
            lines.append(f"{k + 1:>5} {int(self.df[k]):>6} {100 * self.deviance_ratio[k]:>7.2f} "
                         f"{self.alphas[k]:>11.4g}")
        if self.stop_reason:
            lines += ["", f"Stopped after {self.n_alphas} of {self.n_alphas_requested} alphas: "
                      f"{self.stop_reason}"]
        n_bad = int(np.sum(~self.converged))
        if n_bad:
            lines += ["", f"WARNING: {n_bad} alphas did not reach the tolerance"]
        return "\n".join(lines)

    def __str__(self):
        return self.summary()

    def __repr__(self):
        return (f"PathResult(n_alphas={self.n_alphas}, n_features={self.n_features}, "
                f"alphas=[{self.alphas[0]:.4g} .. {self.alphas[-1]:.4g}], "
                f"l1_ratio={self.l1_ratio:g}, family={self.family!r}, "
                f"max_df={int(self.df.max(initial=0))}, "
                f"stop_reason={self.stop_reason!r})")


def _predict_path(X, coefs, intercepts):
    """``X @ coefs + intercepts`` over a path, through the features that are ever non-zero
    (a few percent of them on a wide problem's path)."""
    if not sp.issparse(coefs) and (isinstance(X, np.ndarray) or sp.issparse(X)):
        used = np.flatnonzero(np.any(coefs != 0, axis=1))
        if 2 * used.size < coefs.shape[0]:
            X, coefs = X[:, used], coefs[used]
    out = X @ coefs
    out = out.toarray() if sp.issparse(out) else np.asarray(out)
    return out + intercepts[None, :]


def _rows_used(X, rows, used):
    """``X[rows][:, used]``, the columns selected first (a CSC row selection reads every
    stored entry)."""
    return X[:, used][rows] if sp.issparse(X) else X[np.ix_(rows, used)]


def _linear_path(X, rows, coefs, intercepts, offset, support):
    """Linear predictors of every alpha on ``X[rows]``; ``support`` (features x alphas)
    marks the non-zero coefficients, so only the columns ever used are read (selected before
    the rows: a CSC row selection reads every stored entry)."""
    used = np.flatnonzero(support.any(axis=-1))
    X = _rows_used(X, rows, used)
    if coefs.ndim == 3:
        return np.stack([_predict_path(X, coefs[c][used], intercepts[c])
                         for c in range(coefs.shape[0])], axis=1)
    eta = _predict_path(X, coefs[used], intercepts)
    return eta if offset is None else eta + offset[:, None]


def _warn_not_converged(alphas, gaps, tol):
    alphas = np.asarray(alphas)
    warnings.warn(
        f"The path did not reach tol={tol:g} at {alphas.size} alpha(s) (first: alpha="
        f"{alphas[0]:.4g}, duality gap {gaps[0]:.3e}). Increase max_iter or loosen tol; the "
        "affected solutions are flagged in PathResult.converged",
        ConvergenceWarning,
        stacklevel=3,
    )


# --------------------------------------------------------------------------- the path
_STOP_MESSAGES = {
    STOP_FDEV: f"the deviance ratio improved by less than {FDEV:g} (relative) from the "
               "previous alpha (glmnet's rule; early_stop=False fits every alpha)",
    STOP_DEVMAX: f"the deviance ratio exceeded {DEVMAX} (glmnet's rule; early_stop=False fits "
                 "every alpha)",
}


def _grid_solver(pp, **options):
    """The :class:`sparsefit.solvers.cd.QuadraticCD` of a path problem at ``alpha = 1``.

    ``options`` are its speed knobs (tests set them to extremes).
    """
    prob = pp.prob
    pen1 = pp.penalty(1.0)
    return QuadraticCD(prob.datafit, prob.design, pen1.a, pen1.b, pen1.lower, pen1.upper,
                       **options)


def _solve_grid(pp, alphas, early_stop, cd=None, coefs=None, **options):
    """Warm-started solves along ``alphas`` (one compiled call); returns the raw arrays.

    ``cd``: the solver to run (from :func:`_grid_solver`, e.g. with a prefilled Gram cache);
    by default a new one with ``options``.  ``coefs``: the array the coefficients are
    written to (see :meth:`QuadraticCD.run`), else a new one.
    """
    if cd is None:
        cd = _grid_solver(pp, **options)
    out = cd.run(alphas, pp.tol, pp.max_iter, refine_tol=min(REFINE_TOL, pp.tol),
                 early_stop=early_stop, min_alphas=MIN_ALPHAS_BEFORE_STOP, fdev=FDEV,
                 devmax=DEVMAX, coefs=coefs)
    return (out["coefs"], out["gaps"], out["kkts"], out["n_iter"], out["converged"],
            out["devs"], _STOP_MESSAGES.get(out["stop"]))


def csc_columns(dense):
    """``sp.csc_matrix(dense)`` of a 2-D array (a path's coefficients, one column per
    alpha), in one compiled pass (:func:`sparsefit._kernels.sparse.csc_from_dense`)."""
    indptr, indices, data = csc_from_dense(dense)
    return sp.csc_matrix((data, indices, indptr), shape=dense.shape)


def _path_from_problem(pp, alphas, early_stop, n_requested, feature_names=None,
                       coef_storage="auto", cd=None):
    coefs, gaps, kkts, iters, conv, devs, stop = _solve_grid(pp, alphas, early_stop, cd=cd)
    m = coefs.shape[1]
    alphas = alphas[:m].copy()
    prob = pp.prob
    p = prob.design.n_features
    sparse = (p > SPARSE_COEFS_ABOVE) if coef_storage == "auto" else coef_storage == "sparse"
    if sparse:
        coefs = csc_columns(coefs)
        nz = coefs != 0
        df = np.diff(coefs.indptr).astype(np.int64)
    else:
        coefs = np.ascontiguousarray(coefs)
        nz = coefs != 0
        df = nz.sum(axis=0).astype(np.int64)
    intercepts = prob.y_mean - np.asarray(coefs.T.astype(np.float64) @ prob.x_mean).ravel()
    if not np.all(conv):
        bad = np.flatnonzero(~conv)
        _warn_not_converged(alphas[bad], gaps[bad], pp.tol)
    return PathResult(
        alphas=alphas, coefs=coefs, intercepts=np.asarray(intercepts, dtype=np.float64).ravel(),
        dual_gaps=gaps, kkt_violations=kkts, n_iter=iters, converged=conv, df=df,
        deviance_ratio=devs, events=_events(nz, alphas), l1_ratio=pp.l1_ratio,
        n_alphas_requested=n_requested, stop_reason=stop, feature_names=feature_names,
        _problem=pp,
    )


def path(X, y, *, l1_ratio=1.0, alphas=None, n_alphas=100, eps=None, sample_weight=None,
         fit_intercept=True, standardize=True, penalty_factor=None, lower_bounds=None,
         upper_bounds=None, positive=False, tol=1e-4, max_iter=10_000, early_stop=True,
         coef_storage="auto"):
    """Fit the elastic-net path over a decreasing grid of alphas, warm-starting each solve.

    Minimises, for every ``alpha`` of the grid,

    .. math::

        \\frac{1}{2n} \\sum_i s_i (y_i - x_i^\\top w - b)^2
        + \\alpha \\sum_j pf_j \\left(\\rho\\, s_j |w_j| + \\frac{1 - \\rho}{2} s_j^2 w_j^2\\right)

    subject to ``lower_bounds <= w <= upper_bounds``, with ``rho = l1_ratio``, ``s_j`` the
    column's standard deviation when ``standardize`` (else 1) and sample weights ``s_i``
    rescaled to sum to ``n``.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    l1_ratio : float in [0, 1], default=1.0
        1 is the lasso. The grid's ``alpha_max`` uses ``max(l1_ratio, 1e-3)`` (glmnet).
    alphas : array-like, default=None
        Penalty strengths to fit, all ``> 0``; sorted into decreasing order (the order warm
        starts need). Every given alpha is fitted: early stopping never applies to them.
    n_alphas : int, default=100
        Grid length when ``alphas`` is None.
    eps : float in (0, 1], default=None
        ``alpha_min / alpha_max`` of the automatic grid; None means glmnet's rule (1e-4 when
        ``n_samples >= n_features``, else 1e-2).
    sample_weight : array-like of shape (n_samples,), default=None
    fit_intercept, standardize, penalty_factor, lower_bounds, upper_bounds, positive
        As in :class:`sparsefit.ElasticNet`.
    tol : float, default=1e-4
        Per-alpha stopping tolerance: duality gap at most ``tol`` times the null objective.
    max_iter : int, default=10000
        Epoch budget per alpha.
    early_stop : bool, default=True
        With the automatic grid, stop (as glmnet does) once at least 5 alphas are fitted and
        the deviance ratio improves by less than 1e-5 relative to itself, or exceeds 0.999.
        ``PathResult.stop_reason`` then says so and ``summary()`` prints it.  Has no effect
        on user-given ``alphas``.
    coef_storage : {"auto", "dense", "sparse"}, default="auto"
        ``"auto"``: CSC when ``n_features > 5000``, else a dense array.

    Returns
    -------
    PathResult
    """
    feature_names = None
    if hasattr(X, "columns"):
        names = np.asarray(X.columns, dtype=object)
        if all(isinstance(c, str) for c in names):
            feature_names = names
    X, y = _check_Xy(X, y)
    l1_ratio = check_scalar_param(l1_ratio, "l1_ratio", low=0.0, high=1.0)
    tol = check_scalar_param(tol, "tol", low=0.0, include_low=False)
    max_iter = check_int_param(max_iter, "max_iter")
    if coef_storage not in ("auto", "dense", "sparse"):
        raise ValueError(f"coef_storage={coef_storage!r} is not supported; choose one of "
                         "'auto', 'dense', 'sparse'")
    user = alphas is not None
    if user:
        alphas = check_alphas(alphas)
    else:
        n_alphas, eps = _check_grid_params(n_alphas, eps, X.shape)
    pp = _make_problem(X, y, sample_weight, l1_ratio, fit_intercept, standardize,
                       penalty_factor, lower_bounds, upper_bounds, positive, tol, max_iter)
    with single_threaded_blas():  # see sparsefit._threads
        if not user:
            alphas = _geometric_grid(_alpha_max(pp), n_alphas, eps)
        return _path_from_problem(pp, alphas, bool(early_stop) and not user, alphas.shape[0],
                                  feature_names, coef_storage)
