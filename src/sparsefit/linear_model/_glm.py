"""Sparse generalized linear models: logistic, multinomial, Poisson, Gamma, Huber, linear SVM.

Every estimator here minimises

.. math::

    \\frac{1}{n} \\sum_i s_i\\, l(y_i, x_i^\\top w + b + o_i)
    + \\alpha \\sum_j pf_j \\left(\\rho\\, \\sigma_j |w_j|
    + \\frac{1 - \\rho}{2} \\sigma_j^2 w_j^2\\right)

subject to ``lower_bounds <= w <= upper_bounds``: sample weights ``s`` rescaled to sum to
``n``, offsets ``o`` (default 0), ``rho = l1_ratio``, ``sigma_j`` the column's weighted
(1/n, centred) standard deviation under ``standardize=True`` (else 1), exactly glmnet's
scaling: ``alpha`` is glmnet's ``lambda`` and ``l1_ratio`` glmnet's ``alpha``.  The loss
``l`` is the family's half deviance (logistic and multinomial: minus the log-likelihood).
The intercept ``b`` is unpenalized.  Solver: :func:`sparsefit.solvers.prox_newton.
solve_prox_newton`.  ``alpha_max`` of each family: :func:`glm_alpha_max`.

Separable classes: with ``alpha > 0`` the penalized problem always has a finite solution
(the penalty grows linearly, the loss is bounded below) and it is what is returned.  As
``alpha -> 0`` on separable data the coefficients grow like ``log(1/alpha)``;
:class:`SparseLogisticRegression` warns (``UserWarning``) when the fitted model classifies
every training sample correctly with a mean log-loss (of the margins) below 1e-3.
"""

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, softmax

from .._base import BaseEstimator, ClassifierMixin, RegressorMixin
from .._kernels import glm_cd as gk
from .._problem import validate_Xy
from .._validation import (
    check_bounds,
    check_classification_targets,
    check_finite_X,
    check_finite_y,
    check_int_param,
    check_is_fitted,
    check_option,
    check_penalty_factor,
    check_sample_weight,
    check_scalar_param,
    validate_data,
)
from ..datafits import Gamma, Huber, Logistic, Multinomial, Poisson, SquaredHinge
from ..penalties import WeightedElasticNet
from ..solvers.prox_newton import design_tuple, solve_prox_newton

FAMILIES = ("binomial", "multinomial", "poisson", "gamma", "gaussian", "huber", "squared_hinge")
CLASSIFICATION_FAMILIES = ("binomial", "multinomial", "squared_hinge")


# --------------------------------------------------------------------------- preparation
def _check_family_target(family, y):
    """Family-specific checks on the (encoded, float) target."""
    if family == "poisson" and np.any(y < 0):
        bad = np.flatnonzero(y < 0)
        raise ValueError(
            f"Poisson regression needs non-negative targets (counts or rates); {bad.size} "
            f"values are negative (first: sample {bad[0]}, y={y[bad[0]]!r}). Non-integer "
            "values are allowed"
        )
    if family == "gamma" and np.any(y <= 0):
        bad = np.flatnonzero(y <= 0)
        raise ValueError(
            f"Gamma regression needs strictly positive targets; {bad.size} values are <= 0 "
            f"(first: sample {bad[0]}, y={y[bad[0]]!r}). Drop them or use "
            "SparsePoissonRegressor, which allows zeros"
        )


def _check_offset(offset, exposure, n):
    if offset is not None and exposure is not None:
        raise ValueError("pass either offset or exposure (offset = log(exposure)), not both")
    if exposure is not None:
        e = np.asarray(exposure, dtype=np.float64)
        if e.shape != (n,):
            raise ValueError(f"exposure has shape {e.shape}; expected ({n},), one per sample")
        if not np.all(np.isfinite(e)) or np.any(e <= 0):
            raise ValueError("exposure must be finite and strictly positive")
        return np.log(e)
    if offset is None:
        return None
    o = np.asarray(offset, dtype=np.float64)
    if o.shape != (n,):
        raise ValueError(
            f"offset has shape {o.shape}; expected ({n},), one value per sample (in the units "
            "of the linear predictor, e.g. log(exposure) for Poisson)"
        )
    if not np.all(np.isfinite(o)):
        raise ValueError("offset contains NaN or inf")
    return o


def _make_datafit(family, y, sw, n_classes=None, epsilon=1.35):
    if family == "binomial":
        return Logistic(y, sw)
    if family == "multinomial":
        return Multinomial(y, n_classes, sw)
    if family == "poisson":
        return Poisson(y, sw)
    if family == "gamma":
        return Gamma(y, sw)
    if family == "gaussian":
        return Huber(y, sw, epsilon=np.inf)  # Huber with an infinite threshold is least squares
    if family == "huber":
        return Huber(y, sw, epsilon=epsilon)
    return SquaredHinge(y, sw)


@dataclass
class _Setup:
    datafit: object
    X: object  # Fortran ndarray or sorted CSC
    scale: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    pf: np.ndarray
    sw: np.ndarray | None
    offset: np.ndarray | None
    col_norms: np.ndarray | None = None  # ||x_j||_2 (the compiled solver's bounds)


def _setup(family, X, y, *, sample_weight, offset, fit_intercept, standardize, penalty_factor,
           lower_bounds, upper_bounds, positive, n_classes=None, epsilon=1.35, exposure=None,
           col_stats=None):
    """Turn validated ``X`` and encoded ``y`` into what the solver needs.

    ``col_stats``: the ``(4, p)`` column statistics of ``X`` under the normalised sample
    weights (:func:`sparsefit._kernels.glm_cd.col_stats`), when the caller has them (a
    cross-validation fold gets them while selecting its rows); else one pass computes them.
    """
    n, p = X.shape
    sw = check_sample_weight(sample_weight, n)
    off = _check_offset(offset, exposure, n)
    pf = check_penalty_factor(penalty_factor, p)
    lo, hi = check_bounds(lower_bounds, upper_bounds, positive, p)
    if sp.issparse(X):
        Xs = sp.csc_matrix(X)
        if X.format == "csc" and X.has_sorted_indices:  # known: no check on the new object
            Xs.has_sorted_indices = True
        Xs.sort_indices()
    else:
        Xs = np.asfortranarray(X)
    # one pass over X: weighted means and second moments (the weighted standard deviation
    # of sparsefit._problem.weighted_std), largest magnitudes and column norms
    stats = col_stats
    if stats is None:
        stats = np.empty((4, p))
        (gk.column_stats_sparse if sp.issparse(Xs) else gk.column_stats_dense)(
            design_tuple(Xs), np.ones(n) if sw is None else sw, stats)
    std = np.sqrt(np.maximum(stats[1] / n - (stats[0] / n) ** 2, 0.0))
    # a constant column is the intercept's job (or carries nothing): fix its weight at 0
    const = std <= 1e-12 * np.maximum(1.0, stats[2])
    fixed = const & (fit_intercept or standardize)
    lo, hi = lo.copy(), hi.copy()
    lo[fixed] = 0.0
    hi[fixed] = 0.0
    scale = std if standardize else np.ones(p)
    datafit = _make_datafit(family, y, sw, n_classes, epsilon)
    return _Setup(datafit, Xs, scale, lo, hi, pf, sw, off, np.sqrt(stats[3]))


def _grouped_bounds(st, positive):
    """Reject bounds under the grouped multinomial penalty; keep features fixed at 0."""
    if (np.any(np.isfinite(st.lower) & (st.lower != 0))
            or np.any(np.isfinite(st.upper) & (st.upper != 0)) or positive):
        raise ValueError('bounds are not supported with multinomial="grouped"; use '
                         'multinomial="ungrouped" or drop lower_bounds/upper_bounds')
    fixed = (st.lower == 0) & (st.upper == 0)
    st.lower = np.where(fixed, 0.0, -np.inf)
    st.upper = np.where(fixed, 0.0, np.inf)


def _alpha_max_from_setup(st, fit_intercept, l1_ratio, grouped):
    """Smallest alpha at which every penalized coefficient is zero (see glm_alpha_max)."""
    p = st.pf.shape[0]
    K = st.datafit.n_outputs
    pen1 = WeightedElasticNet.from_params(1.0, max(l1_ratio, 1e-3), st.pf, st.scale, st.lower,
                                          st.upper)
    penalized = pen1.a > 0
    null_pen = WeightedElasticNet(np.zeros(p), np.zeros(p), np.where(penalized, 0.0, st.lower),
                                  np.where(penalized, 0.0, st.upper))
    res = solve_prox_newton(st.datafit, null_pen, st.X, offset=st.offset,
                            fit_intercept=fit_intercept, tol=1e-10, max_iter=200, warn=False,
                            col_norms=st.col_norms)
    eta = np.asarray(st.X @ res.coef, dtype=np.float64) + res.intercept
    if st.offset is not None:
        eta = eta + st.offset[:, None]
    g, _ = st.datafit.grad_hess(eta[:, 0] if K == 1 else eta)
    corr = -np.asarray(st.X.T @ g.reshape(eta.shape), dtype=np.float64) / st.datafit.n_samples
    if grouped:
        norms = np.linalg.norm(corr, axis=1)
        if not np.any(penalized):
            return 0.0
        return float(np.max(norms[penalized] / pen1.a[penalized]))
    return max(pen1.alpha_max_ratio(corr[:, k]) for k in range(K))


def glm_alpha_max(X, y, family="binomial", *, sample_weight=None, offset=None,
                  fit_intercept=True, standardize=True, l1_ratio=1.0, penalty_factor=None,
                  lower_bounds=None, upper_bounds=None, positive=False, epsilon=1.35,
                  multinomial="ungrouped"):
    """Smallest ``alpha`` at which every penalized coefficient of the GLM is zero.

    The gradient of the datafit is taken at the fit of the unpenalized part (intercept,
    offset and features with ``penalty_factor == 0``); then, as in glmnet,
    ``alpha_max = max_j |x_j^T g| / (n * max(l1_ratio, 1e-3) * pf_j * sigma_j)`` over
    penalized features (for ``multinomial="grouped"`` the Euclidean norm across classes).
    For ``family="binomial"`` and ``"squared_hinge"`` ``y`` must have two classes (the
    second in sorted order is the positive one); for ``"multinomial"`` any number >= 2.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    family : {"binomial", "multinomial", "poisson", "gamma", "gaussian", "huber", \
"squared_hinge"}
    other parameters : as for the estimators of :mod:`sparsefit.linear_model`.

    Returns
    -------
    float
    """
    family = check_option(family, "family", FAMILIES)
    est = SparseGLM(family="poisson")  # only used for input validation
    X, _ = validate_data(est, X, y, accept_sparse=["csc", "csr", "coo"],
                         dtype=[np.float64, np.float32], ensure_all_finite=False,
                         y_numeric=False)
    check_finite_X(X)
    yenc, n_classes = _encode_target(family, y)
    st = _setup(family, X, yenc, sample_weight=sample_weight, offset=offset,
                fit_intercept=fit_intercept, standardize=standardize,
                penalty_factor=penalty_factor, lower_bounds=lower_bounds,
                upper_bounds=upper_bounds, positive=positive, n_classes=n_classes,
                epsilon=epsilon)
    return _alpha_max_from_setup(st, fit_intercept, l1_ratio, multinomial == "grouped")


def _encode_target(family, y, checked=False):
    """Numeric target for the datafit, plus the number of classes (classification).

    ``checked``: the caller has already run ``check_classification_targets`` on ``y`` (the
    classifiers' ``_validate``; it costs ~0.3 ms, 1% of a small CV).
    """
    y = np.asarray(y)
    if family in ("binomial", "multinomial", "squared_hinge"):
        if not checked:
            check_classification_targets(y)
        classes, idx = np.unique(y, return_inverse=True)
        if classes.size < 2:
            raise ValueError(
                f"y has only one class ({classes[0]!r}); a classifier needs samples of at "
                "least 2 classes"
            )
        if family != "multinomial" and classes.size > 2:
            raise ValueError(f"family={family!r} needs 2 classes, y has {classes.size}")
        if family == "multinomial":
            return idx, classes.size
        if family == "binomial":
            return idx.astype(np.float64), 2
        return 2.0 * idx - 1.0, 2
    y = np.asarray(y, dtype=np.float64)
    check_finite_y(y)
    _check_family_target(family, y)
    return y, None


# --------------------------------------------------------------------------- estimators
class _SparseGLMBase(BaseEstimator):
    """Parameter checks, fitting and the attributes every GLM estimator shares."""

    _family = None  # set by subclasses, or by ``family`` for SparseGLM

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _get_family(self, n_classes):
        return self._family

    def _l1_ratio_value(self):
        return check_scalar_param(self.l1_ratio, "l1_ratio", low=0.0, high=1.0)

    def _grouped(self):
        return False

    def _validate(self, X, y):
        return validate_Xy(self, X, y)

    def _fit(self, X, y, sample_weight, offset, exposure=None):
        alpha = check_scalar_param(self.alpha, "alpha", low=0.0)
        l1_ratio = self._l1_ratio_value()
        tol = check_scalar_param(self.tol, "tol", low=0.0, include_low=False)
        max_iter = check_int_param(self.max_iter, "max_iter")
        epsilon = check_scalar_param(getattr(self, "epsilon", 1.35), "epsilon", low=0.0,
                                     include_low=False)
        X, y = self._validate(X, y)
        family = self._get_family(None)
        yenc, n_classes = self._encode(family, y)
        family = self._family_for(n_classes, family)
        grouped = family == "multinomial" and self._grouped()
        if family == "multinomial" and (offset is not None or exposure is not None):
            raise ValueError("offset is only supported for single-output families "
                             "(binary logistic, Poisson, Gamma, Huber, squared hinge)")
        st = _setup(family, X, yenc, sample_weight=sample_weight, offset=offset,
                    fit_intercept=self.fit_intercept, standardize=self.standardize,
                    penalty_factor=self.penalty_factor, lower_bounds=self.lower_bounds,
                    upper_bounds=self.upper_bounds, positive=self.positive,
                    n_classes=n_classes, epsilon=epsilon, exposure=exposure)
        if grouped:
            _grouped_bounds(st, self.positive)
        penalty = WeightedElasticNet.from_params(alpha, l1_ratio, st.pf, st.scale, st.lower,
                                                 st.upper)
        K = st.datafit.n_outputs
        w0 = b0 = None
        if self.warm_start and getattr(self, "_coef_pk", None) is not None:
            if self._coef_pk.shape == (X.shape[1], K):
                w0, b0 = self._coef_pk, self._intercept_k
        res = solve_prox_newton(st.datafit, penalty, st.X, offset=st.offset,
                                fit_intercept=self.fit_intercept, grouped=grouped, w0=w0, b0=b0,
                                tol=tol, max_iter=max_iter, col_norms=st.col_norms)
        if not (np.all(np.isfinite(res.coef)) and np.all(np.isfinite(res.intercept))):
            raise FloatingPointError(  # never hand back NaN coefficients
                "the solver produced non-finite coefficients; increase alpha or check X "
                "for extreme values"
            )
        self._coef_pk, self._intercept_k = res.coef.copy(), res.intercept.copy()
        self.n_iter_ = res.n_iter
        self.dual_gap_ = res.gap
        self.stop_crit_ = res.stop_crit
        self.kkt_violation_ = res.kkt
        self._dtype = X.dtype
        return res, st, yenc

    def _linear(self, X, offset=None, exposure=None):
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc", "coo"],
                          dtype=[np.float64, np.float32], ensure_all_finite=False, reset=False)
        check_finite_X(X)
        off = _check_offset(offset, exposure, X.shape[0])
        coef = np.atleast_2d(self.coef_)
        eta = np.asarray(X @ coef.T.astype(np.float64)) + np.atleast_1d(self.intercept_)
        if off is not None:
            eta = eta + off[:, None]
        return eta

    def _encode(self, family, y):
        return _encode_target(family, y)

    def _family_for(self, n_classes, family):
        return family


_COMMON_DOC = """
    fit_intercept : bool, default=True
        Fit an unpenalized intercept (a genuine coordinate of the solver, not centring).
    standardize : bool, default=True
        Penalize coefficients as if every column had unit (weighted, 1/n, centred) standard
        deviation, as glmnet does; ``coef_`` is always on the original scale.
    penalty_factor : float or array-like of shape (n_features,), default=None
        Per-feature multiplier ``pf_j``; 0 leaves a feature unpenalized (not rescaled).
    lower_bounds, upper_bounds : float or array-like of shape (n_features,), default=None
        Box constraints on the coefficients; they must contain 0.
    positive : bool, default=False
        Shorthand for ``lower_bounds=0``.
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol`` times the intercept-only objective
        (families with a closed-form conjugate and every feature penalized), else when the
        largest KKT violation is at most ``tol`` times that of the all-zero model.
    max_iter : int, default=1000
        Budget of proximal Newton steps.
    warm_start : bool, default=False
        Start from the previous solution when refitting.

    Attributes
    ----------
    n_iter_ : int
        Proximal Newton steps performed.
    dual_gap_ : float
        Duality gap reached (NaN when the certificate is the KKT violation).
    stop_crit_ : float
        Value of the stopping criterion reached (the gap, or the KKT violation).
    kkt_violation_ : float
        Largest violation of the optimality conditions (features and intercept).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` had string column names (pandas).
"""


def _init_common(self, alpha, l1_ratio, fit_intercept, standardize, penalty_factor,
                 lower_bounds, upper_bounds, positive, tol, max_iter, warm_start):
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


class _ClassifierBase(ClassifierMixin, _SparseGLMBase):
    def _validate(self, X, y):
        X, y = validate_data(self, X, y, accept_sparse=["csc", "csr", "coo"],
                             dtype=[np.float64, np.float32], ensure_all_finite=False)
        if sp.issparse(X):
            X = sp.csc_matrix(X)
        check_finite_X(X)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        return X, y

    def predict(self, X):
        """Most probable class (largest decision value)."""
        d = self.decision_function(X)
        if d.ndim == 1:
            return self.classes_[(d > 0).astype(int)]
        return self.classes_[np.argmax(d, axis=1)]


class SparseLogisticRegression(_ClassifierBase):
    __doc__ = (
        """Logistic regression (binary or multinomial) with an elastic-net / L1 penalty.

    Binary ``y`` (2 classes): minimises

    .. math::

        -\\frac{1}{n} \\sum_i s_i \\left[ y_i \\eta_i - \\log(1 + e^{\\eta_i}) \\right]
        + \\alpha \\sum_j pf_j \\left(\\rho \\sigma_j |w_j|
        + \\frac{1 - \\rho}{2} \\sigma_j^2 w_j^2\\right),
        \\qquad \\eta_i = x_i^\\top w + b + o_i,

    with ``y_i = 1`` for ``classes_[1]``: glmnet's ``family="binomial"``
    (``alpha`` = glmnet's ``lambda``).  In scikit-learn's terms, ``standardize=False`` and
    ``l1_ratio=1`` is ``LogisticRegression(l1_ratio=1, C=1/(n*alpha))`` with an
    unpenalized intercept.  More than 2 classes: the multinomial (softmax) loss with one
    coefficient vector per class, penalized per coefficient (``multinomial="ungrouped"``)
    or per feature across classes (``"grouped"``: ``rho ||W_j||_2``, so a feature is
    selected for all classes at once; glmnet's ``type.multinomial``).  Multinomial
    intercepts are centred to sum to zero, as in glmnet.

    With ``alpha > 0`` the solution is finite even on separable data; a ``UserWarning``
    says when the fit classifies every training sample correctly with a mean log-loss
    below 1e-3 (then the coefficients grow like ``log(1/alpha)`` as ``alpha -> 0``).  ``alpha_max``:
    ``glm_alpha_max(X, y, "binomial")`` (or ``"multinomial"``).

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength (glmnet's ``lambda``).
    l1_ratio : float in [0, 1], default=1.0
        Mix between L1 (1) and ridge (0) (glmnet's ``alpha``).
    multinomial : {"ungrouped", "grouped"}, default="ungrouped"
        Penalty of the multinomial model (ignored for 2 classes)."""
        + _COMMON_DOC
        + """    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) for 2 classes, else (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
"""
    )

    def __init__(self, alpha=1.0, *, l1_ratio=1.0, multinomial="ungrouped", fit_intercept=True,
                 standardize=True, penalty_factor=None, lower_bounds=None, upper_bounds=None,
                 positive=False, tol=1e-4, max_iter=1000, warm_start=False):
        _init_common(self, alpha, l1_ratio, fit_intercept, standardize, penalty_factor,
                     lower_bounds, upper_bounds, positive, tol, max_iter, warm_start)
        self.multinomial = multinomial

    def _get_family(self, n_classes):
        return "binomial"

    def _grouped(self):
        return check_option(self.multinomial, "multinomial", {"ungrouped", "grouped"}) == "grouped"

    def _encode(self, family, y):
        classes = np.unique(y)
        return _encode_target("multinomial" if classes.size > 2 else "binomial", y,
                              checked=True)  # by _ClassifierBase._validate

    def _family_for(self, n_classes, family):
        return "multinomial" if n_classes > 2 else "binomial"

    def fit(self, X, y, sample_weight=None, offset=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels (any type); at least 2 classes.
        sample_weight : array-like of shape (n_samples,), default=None
        offset : array-like of shape (n_samples,), default=None
            Added to the linear predictor (log-odds); binary only.

        Returns
        -------
        self
        """
        self._grouped()
        res, st, yenc = self._fit(X, y, sample_weight, offset)
        W, b = res.coef, res.intercept
        if W.shape[1] > 1:
            b = b - b.mean()
        self.coef_ = np.ascontiguousarray(W.T, dtype=self._dtype)
        self.intercept_ = np.asarray(b, dtype=self._dtype)
        self._warn_separable(st, yenc, W, b)
        return self

    def _warn_separable(self, st, yenc, W, b):
        used = np.flatnonzero(np.any(W != 0, axis=1))  # only the support's columns are read
        eta = np.asarray(st.X[:, used] @ W[used], dtype=np.float64) + b
        if st.offset is not None:
            eta = eta + st.offset[:, None]
        if W.shape[1] == 1:
            margin = (2 * yenc - 1) * eta[:, 0]
        else:
            own = eta[np.arange(eta.shape[0]), yenc]
            eta[np.arange(eta.shape[0]), yenc] = -np.inf
            margin = own - eta.max(axis=1)
        if st.sw is not None:
            margin = margin[st.sw > 0]
        if margin.size and margin.min() > 0 and np.mean(np.logaddexp(0.0, -margin)) < 1e-3:
            warnings.warn(
                "The fitted model classifies every training sample correctly with a mean "
                "log-loss below 1e-3: the "
                "classes are (nearly) linearly separable. Coefficients are finite because "
                f"alpha={self.alpha} > 0, but they grow like log(1/alpha) as alpha decreases "
                "and the probabilities are close to 0/1; increase alpha for a stabler model.",
                UserWarning, stacklevel=3,
            )

    def decision_function(self, X, offset=None):
        """Linear predictor: shape (n_samples,) for 2 classes, else (n_samples, n_classes)."""
        eta = self._linear(X, offset)
        return eta[:, 0] if eta.shape[1] == 1 else eta

    def predict_proba(self, X, offset=None):
        """Class probabilities, shape (n_samples, n_classes), columns as ``classes_``."""
        eta = self._linear(X, offset)
        if eta.shape[1] == 1:
            p = expit(eta[:, 0])
            return np.column_stack([1 - p, p])
        return softmax(eta, axis=1)

    def predict_log_proba(self, X, offset=None):
        return np.log(np.maximum(self.predict_proba(X, offset), np.finfo(float).tiny))


class SparseLinearSVC(_ClassifierBase):
    __doc__ = (
        """Linear SVM with the squared hinge loss and an L1 / elastic-net penalty.

    .. math::

        \\frac{1}{n} \\sum_i s_i \\max(0, 1 - y_i (x_i^\\top w + b))^2
        + \\alpha \\sum_j pf_j \\left(\\rho \\sigma_j |w_j|
        + \\frac{1 - \\rho}{2} \\sigma_j^2 w_j^2\\right)

    with ``y_i = +1`` for ``classes_[1]`` and ``-1`` for ``classes_[0]``.  With
    ``standardize=False``, ``fit_intercept=False`` and ``l1_ratio=1`` this is exactly
    ``sklearn.svm.LinearSVC(penalty="l1", loss="squared_hinge", dual=False,
    C=1/(n*alpha))`` (liblinear penalizes its intercept, ours is unpenalized).

    **Binary only**: more than two classes raise a ``ValueError``; wrap it in
    ``sklearn.multiclass.OneVsRestClassifier`` for multiclass problems.
    ``alpha_max``: ``glm_alpha_max(X, y, "squared_hinge")``.

    Parameters
    ----------
    alpha : float, default=1.0
    l1_ratio : float in [0, 1], default=1.0"""
        + _COMMON_DOC
        + """    classes_ : ndarray of shape (2,)
    coef_ : ndarray of shape (1, n_features)
    intercept_ : ndarray of shape (1,)
"""
    )

    def __init__(self, alpha=1.0, *, l1_ratio=1.0, fit_intercept=True, standardize=True,
                 penalty_factor=None, lower_bounds=None, upper_bounds=None, positive=False,
                 tol=1e-4, max_iter=1000, warm_start=False):
        _init_common(self, alpha, l1_ratio, fit_intercept, standardize, penalty_factor,
                     lower_bounds, upper_bounds, positive, tol, max_iter, warm_start)

    _family = "squared_hinge"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def _encode(self, family, y):
        if np.unique(y).size > 2:
            raise ValueError(
                f"Only binary classification is supported by SparseLinearSVC; y has "
                f"{np.unique(y).size} classes. Use "
                "sklearn.multiclass.OneVsRestClassifier(SparseLinearSVC(...)) or "
                "SparseLogisticRegression (multinomial)"
            )
        return _encode_target(family, y, checked=True)  # by _ClassifierBase._validate

    def fit(self, X, y, sample_weight=None):
        """Fit the model; ``y`` must have exactly two classes."""
        res, _, _ = self._fit(X, y, sample_weight, None)
        self.coef_ = np.ascontiguousarray(res.coef.T, dtype=self._dtype)
        self.intercept_ = np.asarray(res.intercept, dtype=self._dtype)
        return self

    def decision_function(self, X):
        """Signed distance-like score, shape (n_samples,); > 0 means ``classes_[1]``."""
        return self._linear(X)[:, 0]


class _RegressorBase(RegressorMixin, _SparseGLMBase):
    def fit(self, X, y, sample_weight=None, offset=None, exposure=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights, rescaled internally to sum to ``n_samples``.
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor, added with coefficient 1 (glmnet's
            ``offset``); for log-link families ``offset = log(exposure)``.
        exposure : array-like of shape (n_samples,), default=None
            Positive exposure (time at risk, population...); same as
            ``offset=log(exposure)``.  Give at most one of ``offset``, ``exposure``.

        Returns
        -------
        self
        """
        res, _, _ = self._fit(X, y, sample_weight, offset, exposure)
        self.coef_ = np.asarray(res.coef[:, 0], dtype=self._dtype)
        self.intercept_ = float(res.intercept[0])
        return self

    def predict_linear(self, X, offset=None, exposure=None):
        """Linear predictor ``X @ coef_ + intercept_ + offset``."""
        return self._linear(X, offset, exposure)[:, 0]

    def predict(self, X, offset=None, exposure=None):
        """Mean response: ``exp(eta)`` for log-link families, ``eta`` otherwise.

        Pass the same kind of ``offset``/``exposure`` as in ``fit`` (e.g. ``exposure``
        gives expected counts for that exposure; without it, counts per unit exposure).
        """
        eta = self.predict_linear(X, offset, exposure)
        if self._inverse_link == "exp":
            return np.exp(np.minimum(eta, 700.0))
        if self._inverse_link == "logistic":
            return expit(eta)
        return eta

    _inverse_link = "identity"


class SparsePoissonRegressor(_RegressorBase):
    __doc__ = (
        """Poisson regression (log link) with an elastic-net / L1 penalty.

    .. math::

        \\frac{1}{n} \\sum_i s_i \\left(e^{\\eta_i} - y_i \\eta_i + y_i \\log y_i - y_i\\right)
        + \\alpha \\sum_j pf_j \\left(\\rho \\sigma_j |w_j|
        + \\frac{1 - \\rho}{2} \\sigma_j^2 w_j^2\\right),
        \\qquad \\eta_i = x_i^\\top w + b + o_i,

    the mean half Poisson deviance: glmnet's ``family="poisson"`` up to a constant (same
    solution, ``alpha`` = ``lambda``).  ``y`` must be non-negative (non-integer rates
    allowed).  Offsets: ``fit(X, y, offset=log(exposure))`` or ``fit(X, y,
    exposure=...)``; ``predict(X, exposure=...)`` then returns expected counts.
    ``alpha_max``: ``glm_alpha_max(X, y, "poisson", offset=...)``.

    Parameters
    ----------
    alpha : float, default=1.0
    l1_ratio : float in [0, 1], default=1.0"""
        + _COMMON_DOC
        + """    coef_ : ndarray of shape (n_features,)
    intercept_ : float
"""
    )
    _family = "poisson"
    _inverse_link = "exp"

    def __init__(self, alpha=1.0, *, l1_ratio=1.0, fit_intercept=True, standardize=True,
                 penalty_factor=None, lower_bounds=None, upper_bounds=None, positive=False,
                 tol=1e-4, max_iter=1000, warm_start=False):
        _init_common(self, alpha, l1_ratio, fit_intercept, standardize, penalty_factor,
                     lower_bounds, upper_bounds, positive, tol, max_iter, warm_start)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        return tags


class SparseGammaRegressor(_RegressorBase):
    __doc__ = (
        """Gamma regression (log link) with an elastic-net / L1 penalty.

    .. math::

        \\frac{1}{n} \\sum_i s_i \\left(\\eta_i + y_i e^{-\\eta_i} - \\log y_i - 1\\right)
        + \\alpha \\sum_j pf_j \\left(\\rho \\sigma_j |w_j|
        + \\frac{1 - \\rho}{2} \\sigma_j^2 w_j^2\\right),

    the mean half Gamma deviance (scikit-learn's ``GammaRegressor`` loss).  ``y`` must be
    strictly positive.  ``offset``/``exposure`` as in :class:`SparsePoissonRegressor`.
    ``alpha_max``: ``glm_alpha_max(X, y, "gamma")``.

    Parameters
    ----------
    alpha : float, default=1.0
    l1_ratio : float in [0, 1], default=1.0"""
        + _COMMON_DOC
        + """    coef_ : ndarray of shape (n_features,)
    intercept_ : float
"""
    )
    _family = "gamma"
    _inverse_link = "exp"

    def __init__(self, alpha=1.0, *, l1_ratio=1.0, fit_intercept=True, standardize=True,
                 penalty_factor=None, lower_bounds=None, upper_bounds=None, positive=False,
                 tol=1e-4, max_iter=1000, warm_start=False):
        _init_common(self, alpha, l1_ratio, fit_intercept, standardize, penalty_factor,
                     lower_bounds, upper_bounds, positive, tol, max_iter, warm_start)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        return tags


class SparseHuberRegressor(_RegressorBase):
    __doc__ = (
        """Robust linear regression: Huber loss with an elastic-net / L1 penalty.

    .. math::

        \\frac{1}{n} \\sum_i s_i H_\\epsilon(y_i - x_i^\\top w - b)
        + \\alpha \\sum_j pf_j \\left(\\rho \\sigma_j |w_j|
        + \\frac{1 - \\rho}{2} \\sigma_j^2 w_j^2\\right),

    ``H_eps(r) = r^2/2`` for ``|r| <= epsilon``, ``epsilon |r| - epsilon^2/2`` beyond.
    Unlike scikit-learn's ``HuberRegressor`` the scale is not estimated: ``epsilon`` is in
    the units of ``y`` (standardize ``y`` first for a scale-free choice).
    ``alpha_max``: ``glm_alpha_max(X, y, "huber", epsilon=...)``.

    Parameters
    ----------
    alpha : float, default=1.0
    epsilon : float > 0, default=1.35
        Residual size beyond which the loss grows linearly.
    l1_ratio : float in [0, 1], default=1.0"""
        + _COMMON_DOC
        + """    coef_ : ndarray of shape (n_features,)
    intercept_ : float
"""
    )
    _family = "huber"

    def __init__(self, alpha=1.0, *, epsilon=1.35, l1_ratio=1.0, fit_intercept=True,
                 standardize=True, penalty_factor=None, lower_bounds=None, upper_bounds=None,
                 positive=False, tol=1e-4, max_iter=1000, warm_start=False):
        _init_common(self, alpha, l1_ratio, fit_intercept, standardize, penalty_factor,
                     lower_bounds, upper_bounds, positive, tol, max_iter, warm_start)
        self.epsilon = epsilon


class SparseGLM(_RegressorBase):
    __doc__ = (
        """Penalized GLM of any supported family, predicting the mean response.

    Families: ``"gaussian"`` (least squares, identity link), ``"binomial"`` (``y`` in
    {0, 1}, logit link; ``predict`` returns probabilities), ``"poisson"`` and ``"gamma"``
    (log link), ``"huber"`` (``epsilon``), ``"squared_hinge"`` (``y`` in {-1, +1},
    ``predict`` returns the decision value).  Objective and parameters as in the dedicated
    estimators; for class labels and the multinomial use :class:`SparseLogisticRegression`.
    ``alpha_max``: ``glm_alpha_max(X, y, family)``.

    Parameters
    ----------
    family : str, default="gaussian"
    alpha : float, default=1.0
    l1_ratio : float in [0, 1], default=1.0
    epsilon : float, default=1.35
        Huber threshold (``family="huber"`` only)."""
        + _COMMON_DOC
        + """    coef_ : ndarray of shape (n_features,)
    intercept_ : float
"""
    )

    def __init__(self, family="gaussian", *, alpha=1.0, l1_ratio=1.0, epsilon=1.35,
                 fit_intercept=True, standardize=True, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, positive=False, tol=1e-4, max_iter=1000, warm_start=False):
        self.family = family
        _init_common(self, alpha, l1_ratio, fit_intercept, standardize, penalty_factor,
                     lower_bounds, upper_bounds, positive, tol, max_iter, warm_start)
        self.epsilon = epsilon

    _LINKS = {"gaussian": "identity", "binomial": "logistic", "poisson": "exp", "gamma": "exp",
              "huber": "identity", "squared_hinge": "identity"}

    @property
    def _inverse_link(self):
        return self._LINKS[self.family]

    def _get_family(self, n_classes):
        return check_option(self.family, "family", set(self._LINKS))

    def _encode(self, family, y):
        y = np.asarray(y, dtype=np.float64)
        if family == "binomial" and not np.all((y == 0) | (y == 1)):
            raise ValueError("family='binomial' needs y in {0, 1}; for class labels use "
                             "SparseLogisticRegression")
        if family == "squared_hinge" and not np.all((y == -1) | (y == 1)):
            raise ValueError("family='squared_hinge' needs y in {-1, +1}; for class labels "
                             "use SparseLinearSVC")
        if family in ("binomial", "squared_hinge"):
            if np.unique(y).size < 2:
                raise ValueError("y has a single class; a classifier needs 2 classes")
            return y, 2
        _check_family_target(family, y)
        return y, None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = self.family in ("poisson", "gamma")
        return tags
