"""Cross-validated GLM estimators: alpha (and l1_ratio) chosen along whole paths.

Each ``...CV`` estimator is its base estimator (same objective, ``predict``,
``predict_proba``...) whose ``fit`` cross-validates the GLM path
(:func:`sparsefit.model_selection.cross_validate_glm_path`) and keeps the full-data path's
solution at the selected alpha.
"""

import numbers

import numpy as np

from .._validation import check_int_param, check_option, check_scalar_param
from ..model_selection._glm_cv import cross_validate_glm_paths
from ..path import check_alphas
from ._cv import cv_attributes, select_cv_result
from ._glm import (
    CLASSIFICATION_FAMILIES,
    SparseGammaRegressor,
    SparseGLM,
    SparseHuberRegressor,
    SparseLinearSVC,
    SparseLogisticRegression,
    SparsePoissonRegressor,
)

_SELECTIONS = ("min", "1se")


def _l1_ratio_list(l1_ratio):
    ratios = np.atleast_1d(np.asarray(l1_ratio, dtype=np.float64))
    if ratios.ndim != 1 or ratios.size == 0:
        raise ValueError(f"l1_ratio must be a float or a non-empty 1-d sequence, got "
                         f"{l1_ratio!r}")
    return [check_scalar_param(float(r), "l1_ratio", low=0.0, high=1.0) for r in ratios]


class _GLMCVMixin:
    """The cross-validated ``fit`` shared by every GLM ``...CV`` estimator."""

    def _cv_fit(self, X, y, sample_weight=None, groups=None, offset=None, exposure=None):
        """Cross-validate; set the CV attributes; return the chosen ``(coef, intercept)``
        in the path's layout."""
        check_option(self.selection, "selection", _SELECTIONS)
        alphas, n_alphas = self.alphas, self.n_alphas
        if isinstance(alphas, numbers.Integral) and not isinstance(alphas, bool):
            alphas, n_alphas = None, alphas  # scikit-learn >= 1.7: an int is n_alphas
        if alphas is not None:
            check_alphas(alphas)
        n_alphas = check_int_param(n_alphas, "n_alphas")
        if self.n_jobs is not None:
            check_int_param(self.n_jobs, "n_jobs", low=-(2**31))
        l1_ratios = _l1_ratio_list(self.l1_ratio)
        X, y = self._validate(X, y)
        family = self._get_family(None)
        yenc, n_classes = self._encode(family, y)
        family = self._family_for(n_classes, family)
        classes = np.unique(y) if family in CLASSIFICATION_FAMILIES else None
        results = cross_validate_glm_paths(
            X, y, family, l1_ratios=l1_ratios, alphas=alphas, n_alphas=n_alphas, eps=self.eps,
            cv=self.cv, groups=groups, scoring=self.scoring, sample_weight=sample_weight,
            offset=offset, exposure=exposure,
            multinomial=getattr(self, "multinomial", "ungrouped"),
            fit_intercept=self.fit_intercept, standardize=self.standardize,
            penalty_factor=self.penalty_factor, lower_bounds=self.lower_bounds,
            upper_bounds=self.upper_bounds, positive=self.positive,
            epsilon=getattr(self, "epsilon", 1.35), tol=self.tol, max_iter=self.max_iter,
            early_stop=self.early_stop, n_jobs=self.n_jobs,
            encoded=(yenc, n_classes, classes))
        cvr, k = select_cv_result(self, results)
        # the refit on all the data at alpha_ is the full-data path's solution there
        self.dual_gap_ = float(cvr.path.dual_gaps[k])
        self.kkt_violation_ = float(cvr.path.kkt_violations[k])
        self.n_iter_ = int(cvr.path.n_iter[k])
        self.alphas_, _, self.cv_results_ = cv_attributes(results)
        self._dtype = X.dtype
        return cvr.path.coef_index(k), cvr.path.intercept_index(k)


_CV_PARAMS_DOC = """
    n_alphas : int, default=100
        Length of the automatic alpha grid, from the family's ``alpha_max`` (glmnet's
        ``lambda_max``) down to ``eps * alpha_max``.
    eps : float, default=None
        ``alpha_min / alpha_max``; None is glmnet's rule (1e-4 when ``n_samples >=
        n_features``, else 1e-2).
    alphas : array-like or int, default=None
        Explicit alphas (sorted decreasing, all fitted), or an int meaning ``n_alphas``.
    cv : int, splitter, iterable of (train, test) or array of fold ids, default=5
        An int gives ``StratifiedKFold(cv)`` for classifiers (``StratifiedGroupKFold`` with
        ``groups``) and ``KFold(cv)`` for regressors, without shuffling; an integer array of
        length ``n_samples`` is read as fold ids (glmnet's ``foldid``).  Folds are drawn
        once and reused for every alpha and ``l1_ratio``.  A training fold missing a class
        raises a ``ValueError``.
    scoring : str, default="deviance"
        Classifiers: ``"deviance"`` (cv.glmnet's, probabilities clipped to
        ``[1e-5, 1 - 1e-5]``), ``"log_loss"`` (``sklearn.metrics.log_loss``; not for the
        SVM), ``"accuracy"``, ``"roc_auc"`` (binary).  Regressors: ``"deviance"`` (twice
        the mean loss: the family's deviance), ``"mse"``, ``"mae"`` (of the mean response).
        Sample-weighted within each test fold; folds weighted by their total weight.
    selection : {"min", "1se"}, default="min"
        Refit at ``alpha_min_`` (best mean score) or ``alpha_1se_`` (the largest alpha whose
        mean score is within one standard error of the best).
    early_stop : bool, default=True
        glmnet's family-specific early stop of the automatic grid (see
        :func:`sparsefit.glm_path`); the folds are fitted on the grid kept.
    l1_ratio : float or array-like of float in [0, 1], default=1.0
        One value, or a grid searched with the same folds (each value has its own alpha
        grid); the best (l1_ratio, alpha) pair by mean score is kept.
    fit_intercept, standardize, penalty_factor, lower_bounds, upper_bounds, positive
        As in the base estimator.
    tol : float, default=1e-4
        Per-alpha tolerance of the proximal Newton solver.
    max_iter : int, default=1000
        Proximal Newton steps per alpha.
    n_jobs : int, default=None
        Folds fitted in parallel by joblib (processes); None or 1: no parallelism.
"""

_CV_ATTRS_DOC = """
    Attributes
    ----------
    alpha_ : float
        The selected alpha (``alpha_min_`` or ``alpha_1se_`` according to ``selection``).
    alpha_min_, alpha_1se_ : float
    l1_ratio_ : float
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratio, n_alphas)
        The grid of each ``l1_ratio`` (NaN-padded where stopped early).
    cv_results_ : dict of ndarray
        One entry per (l1_ratio, alpha): ``l1_ratio``, ``alpha``, ``mean`` and ``std_error``
        of the score (glmnet's ``cvm`` and ``cvsd``), ``upper``, ``lower``, ``n_nonzero``,
        ``deviance_ratio`` of the full-data fit, ``split<k>`` per fold.
    cv_path_ : sparsefit.model_selection.CVResult
        Scores along the selected ``l1_ratio``'s path, with a printable summary.
    path_ : sparsefit.path.PathResult
        The full-data path of the selected ``l1_ratio``.
    coef_, intercept_
        The full-data fit at ``alpha_`` (the path's solution there), laid out as in the
        base estimator.
    dual_gap_, kkt_violation_ : float
        Certificates of that solution (the gap is NaN where the certificate is the KKT
        violation).
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str
"""


def _doc(summary, base, extra=""):
    return (f"{summary}\n\n    The objective is :class:`{base}`'s; see it for the model. "
            "The path is cross-validated\n    as glmnet's ``cv.glmnet`` (fold-weighted mean "
            "and standard error, 1-SE rule).\n\n    Parameters\n    ----------" + extra
            + _CV_PARAMS_DOC + _CV_ATTRS_DOC)


def _init_cv(self, n_alphas, eps, alphas, cv, scoring, selection, early_stop, l1_ratio,
             fit_intercept, standardize, penalty_factor, lower_bounds, upper_bounds, positive,
             tol, max_iter, n_jobs):
    self.n_alphas = n_alphas
    self.eps = eps
    self.alphas = alphas
    self.cv = cv
    self.scoring = scoring
    self.selection = selection
    self.early_stop = early_stop
    self.l1_ratio = l1_ratio
    self.fit_intercept = fit_intercept
    self.standardize = standardize
    self.penalty_factor = penalty_factor
    self.lower_bounds = lower_bounds
    self.upper_bounds = upper_bounds
    self.positive = positive
    self.tol = tol
    self.max_iter = max_iter
    self.n_jobs = n_jobs


class SparseLogisticRegressionCV(_GLMCVMixin, SparseLogisticRegression):
    __doc__ = _doc(
        "Logistic regression (binary or multinomial) with alpha chosen by cross-validation.",
        "SparseLogisticRegression", """
    multinomial : {"ungrouped", "grouped"}, default="ungrouped"
        Penalty of the multinomial model (ignored for 2 classes).""") + """    classes_ : ndarray
    coef_ : ndarray of shape (1, n_features) for 2 classes, else (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
"""

    def __init__(self, *, n_alphas=100, eps=None, alphas=None, cv=5, scoring="deviance",
                 selection="min", early_stop=True, l1_ratio=1.0, multinomial="ungrouped",
                 fit_intercept=True, standardize=True, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, positive=False, tol=1e-4, max_iter=1000, n_jobs=None):
        _init_cv(self, n_alphas, eps, alphas, cv, scoring, selection, early_stop, l1_ratio,
                 fit_intercept, standardize, penalty_factor, lower_bounds, upper_bounds,
                 positive, tol, max_iter, n_jobs)
        self.multinomial = multinomial

    def fit(self, X, y, sample_weight=None, groups=None, offset=None):
        """Cross-validate the path, select alpha, keep the full-data fit there.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels; at least 2 classes.
        sample_weight : array-like of shape (n_samples,), default=None
        groups : array-like of shape (n_samples,), default=None
            Group labels for the splitter.
        offset : array-like of shape (n_samples,), default=None
            Added to the log-odds (binary only).

        Returns
        -------
        self
        """
        self._grouped()
        coef, b = self._cv_fit(X, y, sample_weight, groups, offset)
        self.coef_ = np.atleast_2d(np.asarray(coef, dtype=self._dtype))
        self.intercept_ = np.atleast_1d(np.asarray(b, dtype=self._dtype))
        return self


class SparseLinearSVCCV(_GLMCVMixin, SparseLinearSVC):
    __doc__ = _doc("L1 linear SVM (squared hinge) with alpha chosen by cross-validation.",
                   "SparseLinearSVC") + """    classes_ : ndarray of shape (2,)
    coef_ : ndarray of shape (1, n_features)
    intercept_ : ndarray of shape (1,)
"""

    def __init__(self, *, n_alphas=100, eps=None, alphas=None, cv=5, scoring="deviance",
                 selection="min", early_stop=True, l1_ratio=1.0, fit_intercept=True,
                 standardize=True, penalty_factor=None, lower_bounds=None, upper_bounds=None,
                 positive=False, tol=1e-4, max_iter=1000, n_jobs=None):
        _init_cv(self, n_alphas, eps, alphas, cv, scoring, selection, early_stop, l1_ratio,
                 fit_intercept, standardize, penalty_factor, lower_bounds, upper_bounds,
                 positive, tol, max_iter, n_jobs)

    def fit(self, X, y, sample_weight=None, groups=None):
        """Cross-validate the path, select alpha, keep the full-data fit there."""
        coef, b = self._cv_fit(X, y, sample_weight, groups)
        self.coef_ = np.atleast_2d(np.asarray(coef, dtype=self._dtype))
        self.intercept_ = np.atleast_1d(np.asarray(b, dtype=self._dtype))
        return self


class _RegressorCVMixin(_GLMCVMixin):
    def fit(self, X, y, sample_weight=None, groups=None, offset=None, exposure=None):
        """Cross-validate the path, select alpha, keep the full-data fit there.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        groups : array-like of shape (n_samples,), default=None
        offset, exposure : array-like of shape (n_samples,), default=None
            As in the base estimator; split with the folds.

        Returns
        -------
        self
        """
        coef, b = self._cv_fit(X, y, sample_weight, groups, offset, exposure)
        self.coef_ = np.asarray(coef, dtype=self._dtype)
        self.intercept_ = float(b)
        return self


_REG_ATTRS = """    coef_ : ndarray of shape (n_features,)
    intercept_ : float
"""


class SparsePoissonRegressorCV(_RegressorCVMixin, SparsePoissonRegressor):
    __doc__ = _doc("Poisson regression (log link) with alpha chosen by cross-validation.",
                   "SparsePoissonRegressor") + _REG_ATTRS

    def __init__(self, *, n_alphas=100, eps=None, alphas=None, cv=5, scoring="deviance",
                 selection="min", early_stop=True, l1_ratio=1.0, fit_intercept=True,
                 standardize=True, penalty_factor=None, lower_bounds=None, upper_bounds=None,
                 positive=False, tol=1e-4, max_iter=1000, n_jobs=None):
        _init_cv(self, n_alphas, eps, alphas, cv, scoring, selection, early_stop, l1_ratio,
                 fit_intercept, standardize, penalty_factor, lower_bounds, upper_bounds,
                 positive, tol, max_iter, n_jobs)


class SparseGammaRegressorCV(_RegressorCVMixin, SparseGammaRegressor):
    __doc__ = _doc("Gamma regression (log link) with alpha chosen by cross-validation.",
                   "SparseGammaRegressor") + _REG_ATTRS

    def __init__(self, *, n_alphas=100, eps=None, alphas=None, cv=5, scoring="deviance",
                 selection="min", early_stop=True, l1_ratio=1.0, fit_intercept=True,
                 standardize=True, penalty_factor=None, lower_bounds=None, upper_bounds=None,
                 positive=False, tol=1e-4, max_iter=1000, n_jobs=None):
        _init_cv(self, n_alphas, eps, alphas, cv, scoring, selection, early_stop, l1_ratio,
                 fit_intercept, standardize, penalty_factor, lower_bounds, upper_bounds,
                 positive, tol, max_iter, n_jobs)


class SparseHuberRegressorCV(_RegressorCVMixin, SparseHuberRegressor):
    __doc__ = _doc("Huber regression with alpha chosen by cross-validation.",
                   "SparseHuberRegressor", """
    epsilon : float > 0, default=1.35
        Residual size beyond which the loss grows linearly (units of ``y``).""") + _REG_ATTRS

    def __init__(self, *, epsilon=1.35, n_alphas=100, eps=None, alphas=None, cv=5,
                 scoring="deviance", selection="min", early_stop=True, l1_ratio=1.0,
                 fit_intercept=True, standardize=True, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, positive=False, tol=1e-4, max_iter=1000, n_jobs=None):
        _init_cv(self, n_alphas, eps, alphas, cv, scoring, selection, early_stop, l1_ratio,
                 fit_intercept, standardize, penalty_factor, lower_bounds, upper_bounds,
                 positive, tol, max_iter, n_jobs)
        self.epsilon = epsilon


class SparseGLMCV(_RegressorCVMixin, SparseGLM):
    __doc__ = _doc("Penalized GLM of any family with alpha chosen by cross-validation.",
                   "SparseGLM", """
    family : str, default="gaussian"
        ``"gaussian"``, ``"binomial"`` (y in {0, 1}; stratified folds, classifier scorings),
        ``"poisson"``, ``"gamma"``, ``"huber"``, ``"squared_hinge"`` (y in {-1, +1};
        stratified folds, classifier scorings).
    epsilon : float, default=1.35
        Huber threshold (``family="huber"`` only).""") + _REG_ATTRS

    def __init__(self, family="gaussian", *, epsilon=1.35, n_alphas=100, eps=None, alphas=None,
                 cv=5, scoring="deviance", selection="min", early_stop=True, l1_ratio=1.0,
                 fit_intercept=True, standardize=True, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, positive=False, tol=1e-4, max_iter=1000, n_jobs=None):
        self.family = family
        _init_cv(self, n_alphas, eps, alphas, cv, scoring, selection, early_stop, l1_ratio,
                 fit_intercept, standardize, penalty_factor, lower_bounds, upper_bounds,
                 positive, tol, max_iter, n_jobs)
        self.epsilon = epsilon
