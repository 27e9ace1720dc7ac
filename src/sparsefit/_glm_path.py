"""Regularization paths of the GLM families (glmnet's binomial, multinomial, poisson paths).

For a decreasing grid ``alpha_0 > alpha_1 > ...`` every problem

.. math::

    \\frac{1}{n} \\sum_i s_i\\, l(y_i, x_i^\\top W + b + o_i)
    + \\alpha_k \\sum_j pf_j \\left(\\rho\\, \\sigma_j |w_j|
    + \\frac{1 - \\rho}{2} \\sigma_j^2 w_j^2\\right)

(the objective of :mod:`sparsefit.linear_model._glm`) is solved by the working-set proximal
Newton solver started from the solution (coefficients and intercepts) at ``alpha_{k-1}``.
``alpha_0`` is the family's ``alpha_max`` (:func:`sparsefit.linear_model.glm_alpha_max`,
glmnet's ``lambda_max`` to 1e-10); the grid is geometric down to ``eps * alpha_max``.

Early stopping (automatic grid only; never for user alphas) follows glmnet 4.1.6's Fortran
and ``glmnet.path`` once at least 5 alphas are fitted (``dev`` = deviance ratio):

* all families: stop when ``dev > 0.999``;
* ``"gaussian"``: when ``dev_k - dev_{k-1} < 1e-5 * dev_k`` (relative, as ``elnet``);
* ``"poisson"``: when ``(dev_k - dev_{k-4}) / dev_k < 1e-4`` (``fishnet``: ``10 * fdev``
  over ``mnlam - 1`` steps);
* every other family (binomial, multinomial, gamma, huber, squared hinge): when
  ``dev_k - dev_{k-1} < 1e-5`` (absolute, as ``lognet``).

Solutions that decide a stop are refined to a relative tolerance of 1e-9 first, so a loose
``tol`` cannot stop the path early; it can still, rarely, make it run a step longer than
glmnet's (whose own solutions are only ~1e-5 accurate).
"""

import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from ._kernels.glm_newton import STOP_ABSOLUTE, STOP_GAUSSIAN, STOP_NONE, STOP_POISSON
from ._validation import (
    check_finite_X,
    check_int_param,
    check_option,
    check_scalar_param,
    check_X_y,
)
from .exceptions import ConvergenceWarning
from .linear_model._glm import (
    CLASSIFICATION_FAMILIES,
    FAMILIES,
    _alpha_max_from_setup,
    _encode_target,
    _grouped_bounds,
    _setup,
)
from .path import (
    DEVMAX,
    FDEV,
    MIN_ALPHAS_BEFORE_STOP,
    REFINE_TOL,
    SPARSE_COEFS_ABOVE,
    PathPoint,
    PathResult,
    _check_grid_params,
    _events,
    _geometric_grid,
    check_alphas,
    csc_columns,
)
from .penalties import WeightedElasticNet
from .solvers.prox_newton import column_norms, solve_grid_compiled, solve_prox_newton, uses_compiled


# --------------------------------------------------------------------------- the problem
@dataclass
class _GLMPathProblem:
    """A prepared GLM (datafit, design, penalty ingredients) plus what a solve needs."""

    family: str
    st: object  # linear_model._glm._Setup
    l1_ratio: float
    grouped: bool
    fit_intercept: bool
    tol: float
    max_iter: int
    dtype: np.dtype
    # per-path invariants of the solver (null intercept, its loss, KKT scale)
    solver_cache: dict = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def null_loss(self):
        """Datafit value of the intercept-only model (only the Python path loop's deviance
        ratios read it: the compiled path computes its own)."""
        return _null_loss(self)

    @cached_property
    def col_norms(self):
        return column_norms(self.st.X) if self.st.col_norms is None else self.st.col_norms

    @property
    def n_outputs(self):
        return self.st.datafit.n_outputs

    def penalty(self, alpha):
        st = self.st
        return WeightedElasticNet.from_params(alpha, self.l1_ratio, st.pf, st.scale, st.lower,
                                              st.upper)

    def solve(self, alpha, W0=None, b0=None, tol=None):
        st = self.st
        res = solve_prox_newton(st.datafit, self.penalty(alpha), st.X, offset=st.offset,
                                fit_intercept=self.fit_intercept, grouped=self.grouped, w0=W0,
                                b0=b0, tol=self.tol if tol is None else tol,
                                max_iter=self.max_iter, warn=False, cache=self.solver_cache,
                                col_norms=self.col_norms)
        if not (np.all(np.isfinite(res.coef)) and np.all(np.isfinite(res.intercept))):
            raise _non_finite(alpha)
        return res

    def linear(self, W, b):
        eta = np.asarray(self.st.X @ W, dtype=np.float64) + b
        if self.st.offset is not None:
            eta = eta + self.st.offset[:, None]
        return eta

    def loss(self, W, b):
        eta = self.linear(W, b)
        return self.st.datafit.value(eta[:, 0] if self.n_outputs == 1 else eta)

    def deviance_ratio(self, W, b):
        if not self.null_loss > 0:
            return 0.0
        return 1.0 - self.loss(W, b) / self.null_loss

    def to_user(self, W, b):
        """Solver layout ``(p, K)``, ``(K,)`` -> a path column (see :class:`PathPoint`)."""
        if self.n_outputs == 1:
            return np.asarray(W[:, 0], dtype=self.dtype), float(b[0])
        return np.ascontiguousarray(W.T, dtype=self.dtype), np.asarray(b - b.mean())

    def from_user(self, coef, intercept):
        if self.n_outputs == 1:
            return np.asarray(coef, np.float64).reshape(-1, 1), np.atleast_1d(
                np.asarray(intercept, np.float64))
        return np.asarray(coef, np.float64).T.copy(), np.asarray(intercept, np.float64)

    def fit_point(self, alpha, coef0, intercept0):
        """Solve at ``alpha`` warm-started from a path column (see PathResult.fit_at)."""
        W0, b0 = self.from_user(coef0, intercept0)
        res = self.solve(alpha, W0, b0)
        if not res.converged:
            _warn_not_converged([alpha], [res.stop_crit], self.tol)
        coef, b = self.to_user(res.coef, res.intercept)
        return PathPoint(alpha, coef, b, float(res.gap), int(res.n_iter), bool(res.converged))


def _null_loss(pp):
    """Datafit value of the intercept-only model (with offsets): the null deviance / 2n."""
    st = pp.st
    p = st.pf.shape[0]
    zero = np.zeros(p)
    res = solve_prox_newton(st.datafit, WeightedElasticNet(zero, zero, zero, zero), st.X,
                            offset=st.offset, fit_intercept=pp.fit_intercept, tol=1e-12,
                            max_iter=200, warn=False, cache=pp.solver_cache,
                            col_norms=pp.col_norms)
    eta = np.empty((st.X.shape[0], pp.n_outputs))  # X @ 0 + b, without the product
    eta[:] = res.intercept
    if st.offset is not None:
        eta = eta + st.offset[:, None]
    return st.datafit.value(eta[:, 0] if pp.n_outputs == 1 else eta)


def make_glm_problem(family, X, yenc, n_classes, *, sample_weight=None, offset=None,
                     exposure=None, l1_ratio=1.0, multinomial="ungrouped", fit_intercept=True,
                     standardize=True, penalty_factor=None, lower_bounds=None,
                     upper_bounds=None, positive=False, epsilon=1.35, tol=1e-4, max_iter=1000,
                     col_stats=None):
    """Validated ``X`` and encoded ``y`` -> :class:`_GLMPathProblem`.

    ``col_stats``: ``X``'s column statistics when the caller has them (see
    :func:`sparsefit.linear_model._glm._setup`).
    """
    grouped = family == "multinomial" and multinomial == "grouped"
    if family == "multinomial" and (offset is not None or exposure is not None):
        raise ValueError("offset is only supported for single-output families "
                         "(binary logistic, Poisson, Gamma, Huber, squared hinge)")
    st = _setup(family, X, yenc, sample_weight=sample_weight, offset=offset,
                fit_intercept=fit_intercept, standardize=standardize,
                penalty_factor=penalty_factor, lower_bounds=lower_bounds,
                upper_bounds=upper_bounds, positive=positive, n_classes=n_classes,
                epsilon=epsilon, exposure=exposure, col_stats=col_stats)
    if grouped:
        _grouped_bounds(st, positive)
    return _GLMPathProblem(family, st, float(l1_ratio), grouped, bool(fit_intercept), tol,
                           max_iter, X.dtype)


def glm_alpha_max_problem(pp):
    """``alpha_max`` of a prepared problem (glmnet's ``lambda_max``), floored at resolution."""
    amax = _alpha_max_from_setup(pp.st, pp.fit_intercept, pp.l1_ratio, pp.grouped)
    if not np.isfinite(amax):
        raise ValueError("alpha_max is infinite: a bounded, unpenalized feature can always "
                         "move. Give it a positive penalty_factor or remove its bounds")
    # the unpenalized part already fits: every alpha gives zero penalized coefficients
    return max(float(amax), np.finfo(np.float64).resolution)


# --------------------------------------------------------------------------- early stopping
def _stop_reason(family, devs, k):
    """glmnet's early-stopping rule for ``family`` after fitting ``devs[k]``, or None."""
    dev = devs[k]
    if dev > DEVMAX:
        return (f"the deviance ratio exceeded {DEVMAX} (glmnet's rule; early_stop=False fits "
                "every alpha)")
    if family == "gaussian":
        if dev - devs[k - 1] < FDEV * dev:
            return (f"the deviance ratio improved by less than {FDEV:g} (relative) from the "
                    "previous alpha (glmnet's rule; early_stop=False fits every alpha)")
    elif family == "poisson":
        back = k - MIN_ALPHAS_BEFORE_STOP + 1
        if dev > 0 and (dev - devs[back]) / dev < 10 * FDEV:
            return (f"the deviance ratio improved by less than {10 * FDEV:g} (relative) over "
                    f"the last {MIN_ALPHAS_BEFORE_STOP - 1} alphas (glmnet's Poisson rule; "
                    "early_stop=False fits every alpha)")
    elif dev - devs[k - 1] < FDEV:
        return (f"the deviance ratio improved by less than {FDEV:g} from the previous alpha "
                "(glmnet's rule; early_stop=False fits every alpha)")
    return None


def _rule_indices(family, k):
    if family == "poisson":
        return (k - MIN_ALPHAS_BEFORE_STOP + 1, k)
    return (k - 1, k)


def _warn_not_converged(alphas, crits, tol):
    warnings.warn(
        f"The path did not reach tol={tol:g} at {len(alphas)} alpha(s) (first: alpha="
        f"{alphas[0]:.4g}, stopping criterion {crits[0]:.3e}). Increase max_iter or loosen "
        "tol; the affected solutions are flagged in PathResult.converged",
        ConvergenceWarning, stacklevel=3)


# --------------------------------------------------------------------------- the path
@dataclass
class GridSolutions:
    """Solutions along a grid, solver layout: ``coefs (p, K, m)``, ``intercepts (K, m)``."""

    coefs: np.ndarray
    intercepts: np.ndarray
    gaps: np.ndarray
    kkts: np.ndarray
    stop_crits: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray
    deviance_ratios: np.ndarray
    stop_reason: str | None

    def __len__(self):
        return self.coefs.shape[-1]


_STOP_RULES = {"gaussian": STOP_GAUSSIAN, "poisson": STOP_POISSON}


def _non_finite(alpha):
    return FloatingPointError(  # never hand back NaN coefficients
        f"the solver produced non-finite coefficients at alpha={alpha:.4g}; use larger "
        "alphas (separable classes need alpha > 0 bounded away from 0) or check X for "
        "extreme values")


def solve_glm_grid(pp, alphas, early_stop):
    """Warm-started solves along ``alphas`` (one compiled call for single-output families).

    Returns :class:`GridSolutions` for the alphas fitted (all unless stopped early).
    """
    st = pp.st
    if not uses_compiled(st.datafit, pp.grouped):
        return _solve_glm_grid_python(pp, alphas, early_stop)
    pen1 = pp.penalty(1.0)
    r = solve_grid_compiled(
        st.datafit, st.X, pen1.a, pen1.b, pen1.lower, pen1.upper, alphas, offset=st.offset,
        fit_intercept=pp.fit_intercept, tol=pp.tol, refine_tol=REFINE_TOL,
        max_iter=pp.max_iter,
        stop_rule=_STOP_RULES.get(pp.family, STOP_ABSOLUTE) if early_stop else STOP_NONE,
        devmax=DEVMAX, fdev=FDEV, n_back=MIN_ALPHAS_BEFORE_STOP, col_norms=pp.col_norms)
    m = r.coefs.shape[1]
    if r.status == 2:
        raise _non_finite(alphas[m - 1])
    devs = r.deviance_ratios
    stop = _stop_reason(pp.family, devs, m - 1) if r.status == 1 else None
    return GridSolutions(r.coefs[:, None, :], r.intercepts[None, :], r.gaps, r.kkts,
                         r.stop_crits, r.n_iter, r.converged, devs, stop)


def _solve_glm_grid_python(pp, alphas, early_stop):
    """:func:`solve_glm_grid` with one solver call per alpha (the multinomial)."""
    m = alphas.shape[0]
    Ws, bs, gaps, kkts, crits, iters, conv, devs = [], [], [], [], [], [], [], []
    W = b = None
    stop = None
    for k in range(m):
        res = pp.solve(float(alphas[k]), W, b)
        W, b = res.coef, res.intercept
        Ws.append(W.copy())
        bs.append(b.copy())
        gaps.append(res.gap)
        kkts.append(res.kkt)
        crits.append(res.stop_crit)
        iters.append(res.n_iter)
        conv.append(res.converged)
        devs.append(pp.deviance_ratio(W, b))
        if not (early_stop and k + 1 >= MIN_ALPHAS_BEFORE_STOP and k + 1 < m):
            continue
        if _stop_reason(pp.family, devs, k) is None:
            continue
        # confirm on tightly solved solutions: a loose tol leaves deviance errors of the
        # size of the test itself
        if pp.tol > REFINE_TOL:
            for i in _rule_indices(pp.family, k):
                ri = pp.solve(float(alphas[i]), Ws[i], bs[i], tol=REFINE_TOL)
                Ws[i], bs[i] = ri.coef.copy(), ri.intercept.copy()
                gaps[i], kkts[i], crits[i], conv[i] = ri.gap, ri.kkt, ri.stop_crit, ri.converged
                iters[i] += ri.n_iter
                devs[i] = pp.deviance_ratio(Ws[i], bs[i])
            W, b = Ws[k].copy(), bs[k].copy()
        stop = _stop_reason(pp.family, devs, k)
        if stop is not None:
            break
    K = pp.n_outputs
    p = pp.st.pf.shape[0]
    coefs = np.stack(Ws, axis=-1) if Ws else np.zeros((p, K, 0))
    intercepts = np.stack(bs, axis=-1) if bs else np.zeros((K, 0))
    return GridSolutions(coefs, intercepts, np.array(gaps, dtype=float),
                         np.array(kkts, dtype=float), np.array(crits, dtype=float),
                         np.array(iters, dtype=np.int64), np.array(conv, dtype=bool),
                         np.array(devs, dtype=float), stop)


def stack_path(pp, sol, coef_storage="auto", dtype=None):
    """:class:`GridSolutions` -> ``(coefs, intercepts, support)`` in PathResult's layout.

    ``dtype``: of the coefficients (default: the data's).  Single-output coefficients may be
    views of ``sol``.
    """
    W, b = sol.coefs, sol.intercepts
    p = W.shape[0]
    dtype = pp.dtype if dtype is None else dtype
    if pp.n_outputs == 1:
        dense = W[:, 0, :].astype(dtype, copy=False)
        sparse = (p > SPARSE_COEFS_ABOVE) if coef_storage == "auto" else coef_storage == "sparse"
        coefs = csc_columns(dense) if sparse else dense
        return coefs, b[0].copy(), dense != 0
    coefs = np.ascontiguousarray(W.transpose(1, 0, 2), dtype=dtype)
    return coefs, b - b.mean(axis=0), np.any(coefs != 0, axis=0)


def glm_path_from_problem(pp, alphas, early_stop, n_requested, feature_names=None,
                          coef_storage="auto", classes=None):
    sol = solve_glm_grid(pp, alphas, early_stop)
    alphas = alphas[:len(sol)].copy()
    coefs, intercepts, nz = stack_path(pp, sol, coef_storage)
    if not np.all(sol.converged):
        bad = np.flatnonzero(~sol.converged)
        _warn_not_converged(alphas[bad], sol.stop_crits[bad], pp.tol)
    return PathResult(
        alphas=alphas, coefs=coefs, intercepts=intercepts, dual_gaps=sol.gaps.copy(),
        kkt_violations=sol.kkts.copy(), n_iter=sol.n_iter.copy(),
        converged=sol.converged.copy(), df=nz.sum(axis=0).astype(np.int64),
        deviance_ratio=sol.deviance_ratios.copy(), events=_events(nz, alphas),
        l1_ratio=pp.l1_ratio, n_alphas_requested=n_requested, stop_reason=sol.stop_reason,
        feature_names=feature_names, family=pp.family, classes=classes, _problem=pp)


def check_glm_Xy(X, y):
    """Validated ``X`` (ndarray or CSC, finite) and ``y`` (labels kept as given)."""
    X, y = check_X_y(X, y, accept_sparse=["csc", "csr", "coo"], dtype=[np.float64, np.float32],
                     ensure_all_finite=False, y_numeric=False)
    if sp.issparse(X):
        X = sp.csc_matrix(X)
    check_finite_X(X)
    return X, y


def encode_glm_target(family, y):
    """``(yenc, n_classes, classes)``; ``classes`` is None for the regression families."""
    yenc, n_classes = _encode_target(family, y)
    classes = np.unique(y) if family in CLASSIFICATION_FAMILIES else None
    return yenc, n_classes, classes


def glm_path(X, y, family="binomial", *, l1_ratio=1.0, alphas=None, n_alphas=100, eps=None,
             sample_weight=None, offset=None, exposure=None, fit_intercept=True,
             standardize=True, penalty_factor=None, lower_bounds=None, upper_bounds=None,
             positive=False, epsilon=1.35, multinomial="ungrouped", tol=1e-4, max_iter=1000,
             early_stop=True, coef_storage="auto"):
    """Fit a GLM's regularization path over a decreasing grid, warm-starting each solve.

    Minimises, for every ``alpha`` of the grid,

    .. math::

        \\frac{1}{n} \\sum_i s_i\\, l(y_i, x_i^\\top W + b + o_i)
        + \\alpha \\sum_j pf_j \\left(\\rho\\, \\sigma_j |w_j|
        + \\frac{1 - \\rho}{2} \\sigma_j^2 w_j^2\\right)

    with ``l`` the family's loss (as in the estimators of :mod:`sparsefit.linear_model`),
    ``rho = l1_ratio`` and ``sigma_j`` the column's weighted standard deviation when
    ``standardize`` (glmnet's scaling: ``alpha`` is glmnet's ``lambda``).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Class labels for ``"binomial"`` (2 classes; the second in sorted order is modelled),
        ``"squared_hinge"`` (2 classes) and ``"multinomial"`` (>= 2 classes); the response
        for ``"poisson"`` (>= 0), ``"gamma"`` (> 0), ``"gaussian"`` and ``"huber"``.
    family : {"binomial", "multinomial", "poisson", "gamma", "gaussian", "huber", \
"squared_hinge"}, default="binomial"
    alphas : array-like, default=None
        Penalty strengths, all > 0, fitted in decreasing order; early stopping never drops
        one of them.
    n_alphas : int, default=100
    eps : float in (0, 1], default=None
        ``alpha_min / alpha_max``; None is glmnet's rule (1e-4 when ``n_samples >=
        n_features``, else 1e-2).
    offset, exposure : array-like of shape (n_samples,), default=None
        Known part of the linear predictor (single-output families); ``exposure`` means
        ``offset = log(exposure)``.
    multinomial : {"ungrouped", "grouped"}, default="ungrouped"
        The multinomial penalty (glmnet's ``type.multinomial``).
    tol : float, default=1e-4
        Per-alpha tolerance of the proximal Newton solver (duality gap relative to the null
        objective, or the KKT violation relative to that of the zero model).
    max_iter : int, default=1000
        Proximal Newton steps per alpha.
    early_stop : bool, default=True
        glmnet's family-specific stopping of the automatic grid (module docstring).
    coef_storage : {"auto", "dense", "sparse"}, default="auto"
        As in :func:`sparsefit.path`; multinomial paths are always dense.
    l1_ratio, sample_weight, fit_intercept, standardize, penalty_factor, lower_bounds, \
upper_bounds, positive, epsilon
        As in the estimators (``epsilon``: the Huber threshold).

    Returns
    -------
    PathResult
        ``coefs`` of shape ``(n_features, n_alphas)`` (``(n_classes, n_features, n_alphas)``
        for the multinomial), ``family`` and ``classes`` set; ``dual_gaps`` is NaN where the
        certificate is the KKT violation (multinomial, unpenalized features).
    """
    family = check_option(family, "family", FAMILIES)
    check_option(multinomial, "multinomial", {"ungrouped", "grouped"})
    feature_names = None
    if hasattr(X, "columns"):
        names = np.asarray(X.columns, dtype=object)
        if all(isinstance(c, str) for c in names):
            feature_names = names
    X, y = check_glm_Xy(X, y)
    l1_ratio = check_scalar_param(l1_ratio, "l1_ratio", low=0.0, high=1.0)
    tol = check_scalar_param(tol, "tol", low=0.0, include_low=False)
    max_iter = check_int_param(max_iter, "max_iter")
    epsilon = check_scalar_param(epsilon, "epsilon", low=0.0, include_low=False)
    check_option(coef_storage, "coef_storage", {"auto", "dense", "sparse"})
    user = alphas is not None
    if user:
        alphas = check_alphas(alphas)
    else:
        n_alphas, eps = _check_grid_params(n_alphas, eps, X.shape)
    yenc, n_classes, classes = encode_glm_target(family, y)
    pp = make_glm_problem(family, X, yenc, n_classes, sample_weight=sample_weight,
                          offset=offset, exposure=exposure, l1_ratio=l1_ratio,
                          multinomial=multinomial, fit_intercept=fit_intercept,
                          standardize=standardize, penalty_factor=penalty_factor,
                          lower_bounds=lower_bounds, upper_bounds=upper_bounds,
                          positive=positive, epsilon=epsilon, tol=tol, max_iter=max_iter)
    if not user:
        alphas = _geometric_grid(glm_alpha_max_problem(pp), n_alphas, eps)
    return glm_path_from_problem(pp, alphas, bool(early_stop) and not user, alphas.shape[0],
                                 feature_names, coef_storage, classes)
