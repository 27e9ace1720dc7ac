"""Lasso and ElasticNet: quadratic datafit + weighted, bounded elastic-net penalty."""

from contextlib import nullcontext

import numpy as np
import scipy.sparse as sp

from .._base import BaseEstimator, RegressorMixin
from .._problem import prepare_quadratic, validate_Xy
from .._threads import single_threaded_blas
from .._validation import (
    check_bounds,
    check_finite_X,
    check_int_param,
    check_is_fitted,
    check_option,
    check_penalty_factor,
    check_scalar_param,
    validate_data,
)
from ..penalties import WeightedElasticNet
from ..solvers import SOLVERS


class _QuadraticRegressor(RegressorMixin, BaseEstimator):
    """Shared fit/predict of :class:`Lasso` and :class:`ElasticNet`."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _l1_ratio_value(self):
        return check_scalar_param(self.l1_ratio, "l1_ratio", low=0.0, high=1.0)

    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Training data; float32 stays float32, sparse input is never densified.
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights, rescaled internally to sum to ``n_samples``.

        Returns
        -------
        self
        """
        alpha = check_scalar_param(self.alpha, "alpha", low=0.0)
        l1_ratio = self._l1_ratio_value()
        tol = check_scalar_param(self.tol, "tol", low=0.0, include_low=False)
        max_iter = check_int_param(self.max_iter, "max_iter")
        solver = check_option(self.solver, "solver", SOLVERS)
        X, y = validate_Xy(self, X, y)
        n_features = X.shape[1]
        pf = check_penalty_factor(self.penalty_factor, n_features)
        lo, hi = check_bounds(self.lower_bounds, self.upper_bounds, self.positive, n_features)
        # coordinate descent is one compiled thread: keep BLAS from spinning beside it (see
        # sparsefit._threads; Toeplitz 500 x 5000 fit 82 -> 50 ms); the gradient solvers
        # live on matrix products and keep BLAS's threads
        with single_threaded_blas() if solver == "cd" else nullcontext():
            prob = prepare_quadratic(X, y, sample_weight, self.fit_intercept, self.standardize)
            penalty = WeightedElasticNet.from_params(alpha, l1_ratio, pf, prob.scale, lo, hi)
            w0 = None
            if self.warm_start and getattr(self, "coef_", None) is not None:
                if np.shape(self.coef_) == (n_features,):
                    w0 = self.coef_
            res = SOLVERS[solver](prob.datafit, penalty, prob.design, w0=w0, tol=tol,
                                  max_iter=max_iter)
        self.coef_ = np.asarray(res.coef, dtype=prob.dtype)
        self.intercept_ = prob.intercept(self.coef_.astype(np.float64))
        self.n_iter_ = res.n_iter
        self.dual_gap_ = res.gap
        self.kkt_violation_ = res.kkt
        return self

    @property
    def sparse_coef_(self):
        """``coef_`` as a ``(1, n_features)`` CSR matrix."""
        return sp.csr_matrix(self.coef_[None, :])

    def predict(self, X):
        """Predict ``X @ coef_ + intercept_``."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc", "coo"],
                          dtype=[np.float64, np.float32], ensure_all_finite=False, reset=False)
        check_finite_X(X)
        return np.asarray(X @ self.coef_).ravel() + self.intercept_


_PARAMS_DOC = """
    fit_intercept : bool, default=True
        Fit an unpenalized intercept (the data are centred at their weighted means).
    standardize : bool, default=True
        Penalize coefficients as if every column had unit (weighted, 1/n) standard deviation,
        as glmnet does; ``coef_`` is always reported on the original scale.
        ``standardize=False`` solves exactly scikit-learn's problem.
    penalty_factor : float or array-like of shape (n_features,), default=None
        Per-feature multiplier ``pf_j`` of the penalty; 0 leaves a feature unpenalized.
        Unlike glmnet these are not rescaled to sum to ``n_features``.
    lower_bounds, upper_bounds : float or array-like of shape (n_features,), default=None
        Box constraints on the coefficients (original scale); they must contain 0.
    positive : bool, default=False
        Shorthand for ``lower_bounds=0``.
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol`` times the objective of the
        intercept-only model (the null objective).
    max_iter : int, default=10000
        Budget of coordinate-descent epochs (``solver="cd"``) or gradient iterations.
    warm_start : bool, default=False
        Start from the previous ``coef_`` when refitting.
    solver : {"cd", "fista", "ista", "subgradient"}, default="cd"
        ``"cd"``: working-set coordinate descent with Anderson extrapolation and gap-safe
        screening, the fastest and most robust. ``"fista"``/``"ista"``: proximal gradient,
        useful when matrix-vector products are cheap relative to column access.
        ``"subgradient"``: slow (``O(1/sqrt(k))``) and never exactly sparse; an independent
        check and a teaching tool.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
        Passes over the data: working-set epochs plus full certificate passes
        (``solver="cd"``), or gradient iterations.
    dual_gap_ : float
        Duality gap reached, on the objective's scale (a bound on the suboptimality).
    kkt_violation_ : float
        Largest violation of the optimality conditions.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` had string column names (pandas).
"""


class ElasticNet(_QuadraticRegressor):
    __doc__ = (
        """Linear regression with a weighted, bounded elastic-net penalty.

    Minimises

    .. math::

        \\frac{1}{2n} \\sum_i s_i (y_i - x_i^\\top w - b)^2
        + \\alpha \\sum_j pf_j \\left(\\rho |w_j| + \\frac{1 - \\rho}{2} w_j^2\\right)

    subject to ``lower_bounds <= w <= upper_bounds``, with ``rho = l1_ratio`` and sample
    weights ``s`` rescaled to sum to ``n``.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength (glmnet's ``lambda``).
    l1_ratio : float in [0, 1], default=0.5
        Mix between L1 (1) and ridge (0) (glmnet's ``alpha``)."""
        + _PARAMS_DOC
    )

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, standardize=True,
                 penalty_factor=None, lower_bounds=None, upper_bounds=None, positive=False,
                 tol=1e-4, max_iter=10_000, warm_start=False, solver="cd"):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.solver = solver


class Lasso(_QuadraticRegressor):
    __doc__ = (
        """Linear regression with a weighted, bounded L1 penalty (the lasso).

    Minimises

    .. math::

        \\frac{1}{2n} \\sum_i s_i (y_i - x_i^\\top w - b)^2 + \\alpha \\sum_j pf_j |w_j|

    subject to ``lower_bounds <= w <= upper_bounds``.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength (glmnet's ``lambda``)."""
        + _PARAMS_DOC
    )

    def __init__(self, alpha=1.0, *, fit_intercept=True, standardize=True, penalty_factor=None,
                 lower_bounds=None, upper_bounds=None, positive=False, tol=1e-4,
                 max_iter=10_000, warm_start=False, solver="cd"):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.solver = solver

    def _l1_ratio_value(self):
        return 1.0
