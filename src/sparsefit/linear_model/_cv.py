"""LassoCV and ElasticNetCV: choose alpha (and l1_ratio) by cross-validating whole paths."""

import numbers

import numpy as np

from .._problem import validate_Xy
from .._threads import single_threaded_blas
from .._validation import check_int_param, check_option, check_scalar_param
from ..model_selection._cv import SCORINGS, cross_validate_paths
from ..path import check_alphas
from ._coordinate import _QuadraticRegressor

_SELECTIONS = ("min", "1se")


class _PathCV(_QuadraticRegressor):
    """Shared fit of :class:`LassoCV` and :class:`ElasticNetCV` (predict is inherited)."""

    def _l1_ratios(self):
        return [1.0]

    def fit(self, X, y, sample_weight=None, groups=None):
        """Cross-validate the path, select alpha (and l1_ratio), keep the full-data fit.

        BLAS runs single-threaded during the fit (see :mod:`sparsefit._threads`).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Used in every fit and to weight the test errors (and the folds, as glmnet).
        groups : array-like of shape (n_samples,), default=None
            Group labels for the splitter (``GroupKFold`` when ``cv`` is an int).

        Returns
        -------
        self
        """
        with single_threaded_blas():
            return self._fit(X, y, sample_weight, groups)

    def _fit(self, X, y, sample_weight, groups):
        check_option(self.selection, "selection", _SELECTIONS)
        check_option(self.scoring, "scoring", SCORINGS)
        alphas, n_alphas = self.alphas, self.n_alphas
        if isinstance(alphas, numbers.Integral) and not isinstance(alphas, bool):
            # scikit-learn >= 1.7 spelling: an int is the number of alphas
            alphas, n_alphas = None, alphas
        if alphas is not None:
            check_alphas(alphas)
        n_alphas = check_int_param(n_alphas, "n_alphas")
        if self.n_jobs is not None:
            check_int_param(self.n_jobs, "n_jobs", low=-(2**31))
        l1_ratios = self._l1_ratios()
        X, y = validate_Xy(self, X, y)
        results = cross_validate_paths(
            X, y, l1_ratios=l1_ratios, alphas=alphas, n_alphas=n_alphas, eps=self.eps,
            cv=self.cv, groups=groups, scoring=self.scoring, sample_weight=sample_weight,
            fit_intercept=self.fit_intercept, standardize=self.standardize,
            penalty_factor=self.penalty_factor, lower_bounds=self.lower_bounds,
            upper_bounds=self.upper_bounds, positive=self.positive, tol=self.tol,
            max_iter=self.max_iter, early_stop=self.early_stop, n_jobs=self.n_jobs,
        )
        cvr, k = select_cv_result(self, results)
        # the refit on all the data at alpha_ is the full-data path's solution there,
        # solved to tol (warm-started from the previous grid point)
        self.coef_ = cvr.path.coef_index(k).astype(cvr.path.coefs.dtype)
        self.intercept_ = float(cvr.path.intercepts[k])
        self.dual_gap_ = float(cvr.path.dual_gaps[k])
        self.kkt_violation_ = float(cvr.path.kkt_violations[k])
        self.n_iter_ = int(cvr.path.n_iter[k])
        self._set_path_attributes(results)
        return self

    def _set_path_attributes(self, results):
        alphas, mse, self.cv_results_ = cv_attributes(results)
        self.alphas_ = alphas
        self.mse_path_ = mse


def select_cv_result(est, results):
    """Pick the ``l1_ratio`` with the lowest CV loss and ``alpha`` by ``est.selection``.

    Sets the selection attributes shared by every ``...CV`` estimator and returns
    ``(cv_result, index_of_alpha)``.
    """
    best = int(np.argmin([r.best_loss for r in results]))  # first l1_ratio among ties
    cvr = results[best]
    est.cv_path_ = cvr
    est.path_ = cvr.path
    est.l1_ratio_ = cvr.l1_ratio
    est.alpha_min_ = cvr.alpha_min
    est.alpha_1se_ = cvr.alpha_1se
    k = cvr.index_min if est.selection == "min" else cvr.index_1se
    est.alpha_ = float(cvr.alphas[k])
    return cvr, k


def _pad(a, width):
    out = np.full(a.shape[:-1] + (width,), np.nan)
    out[..., : a.shape[-1]] = a
    return out


def cv_attributes(results):
    """``(alphas_, mse_path_ or None, cv_results_)`` from one CVResult per ``l1_ratio``.

    Grids stopped early are NaN-padded; with a single ``l1_ratio`` the leading axis is
    dropped (scikit-learn's layout).  ``mse_path_`` is None when the results carry no MSE.
    """
    m = max(r.alphas.shape[0] for r in results)
    K = results[0].fold_scores.shape[0]
    alphas = np.vstack([_pad(r.alphas, m) for r in results])
    mse = None
    if results[0].fold_mse is not None:
        mse = np.stack([_pad(r.fold_mse, m).T for r in results])  # (n_l1, n_alphas, K)
    if len(results) == 1:
        alphas = alphas[0]
        mse = None if mse is None else mse[0]
    cols = {"l1_ratio": [], "alpha": [], "mean": [], "std_error": [], "upper": [],
            "lower": [], "n_nonzero": [], "deviance_ratio": []}
    cols.update({f"split{k}": [] for k in range(K)})
    for r in results:
        cols["l1_ratio"].append(np.full(r.alphas.shape, r.l1_ratio))
        cols["alpha"].append(r.alphas)
        cols["mean"].append(r.mean)
        cols["std_error"].append(r.std_error)
        cols["upper"].append(r.upper)
        cols["lower"].append(r.lower)
        cols["n_nonzero"].append(r.n_nonzero)
        cols["deviance_ratio"].append(r.path.deviance_ratio)
        for k in range(K):
            cols[f"split{k}"].append(r.fold_scores[k])
    return alphas, mse, {key: np.concatenate(v) for key, v in cols.items()}


_CV_PARAMS_DOC = """
    n_alphas : int, default=100
        Length of the automatic alpha grid (from ``alpha_max`` down to ``eps * alpha_max``).
    eps : float, default=None
        ``alpha_min / alpha_max`` of the automatic grid; None is glmnet's rule (1e-4 when
        ``n_samples >= n_features``, else 1e-2).
    alphas : array-like or int, default=None
        Explicit alphas (sorted into decreasing order, all fitted), or, as in scikit-learn
        >= 1.7, an int meaning ``n_alphas``.
    cv : int, splitter, iterable of (train, test) or array of fold ids, default=5
        int: ``KFold(cv)`` without shuffling (``GroupKFold`` with ``groups``); an integer array
        of length ``n_samples`` is read as fold ids (glmnet's ``foldid``). Folds are drawn once
        and reused for every alpha and ``l1_ratio``.
    scoring : {"mse", "mae", "r2", "deviance"}, default="mse"
        Sample-weighted within each test fold; "deviance" equals "mse" for least squares.
    selection : {"min", "1se"}, default="min"
        Refit at ``alpha_min_`` (best mean score) or ``alpha_1se_`` (the largest alpha whose
        mean score is within one standard error of the best: a sparser model that is
        statistically as good).
    early_stop : bool, default=True
        Stop the automatic grid as glmnet does once the full-data deviance ratio stalls
        (improves by < 1e-5 relative) or exceeds 0.999; the folds are fitted on the grid
        kept. Never applies to explicit ``alphas``.
    fit_intercept, standardize, penalty_factor, lower_bounds, upper_bounds, positive
        As in :class:`sparsefit.ElasticNet`.
    tol : float, default=1e-4
        Per-alpha duality-gap tolerance relative to the null objective.
    max_iter : int, default=10000
        Epoch budget per alpha.
    n_jobs : int, default=None
        Folds fitted in parallel by joblib (processes); None or 1: no parallelism.

    Attributes
    ----------
    alpha_ : float
        The selected alpha (``alpha_min_`` or ``alpha_1se_`` according to ``selection``).
    alpha_min_, alpha_1se_ : float
    l1_ratio_ : float
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratio, n_alphas)
        The grid of each ``l1_ratio``; grids stopped early are padded with NaN.
    mse_path_ : ndarray of shape (n_alphas, n_folds) or (n_l1_ratio, n_alphas, n_folds)
        Mean squared test error per alpha and fold (whatever ``scoring`` is), NaN-padded.
    cv_results_ : dict of ndarray
        One entry per (l1_ratio, alpha): ``l1_ratio``, ``alpha``, ``mean`` and ``std_error``
        of the score (glmnet's ``cvm`` and ``cvsd``: fold-weighted), ``upper``, ``lower``,
        ``n_nonzero`` and ``deviance_ratio`` of the full-data fit, ``split<k>`` per fold.
        ``pandas.DataFrame(cv_results_)`` works.
    cv_path_ : sparsefit.model_selection.CVResult
        Scores along the selected ``l1_ratio``'s path, with a printable summary.
    path_ : sparsefit.path.PathResult
        The full-data path of the selected ``l1_ratio``.
    coef_, intercept_ : ndarray of shape (n_features,), float
        The full-data fit at ``alpha_`` (the path's solution there, certified by
        ``dual_gap_``).
    dual_gap_, kkt_violation_ : float
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str
"""

_OBJECTIVE = """

    For each candidate the model minimises

    .. math::

        \\frac{1}{2n} \\sum_i s_i (y_i - x_i^\\top w - b)^2
        + \\alpha \\sum_j pf_j \\left(\\rho |w_j| + \\frac{1 - \\rho}{2} w_j^2\\right)

    (``rho = l1_ratio``; columns implicitly standardized when ``standardize``), fitted as a
    warm-started path; the cross-validated score picks ``alpha`` (glmnet's ``cv.glmnet``,
    with scikit-learn's names).
"""


class LassoCV(_PathCV):
    __doc__ = ("""Lasso with alpha chosen by cross-validation along the regularization path."""
               + _OBJECTIVE + "\n    Parameters\n    ----------" + _CV_PARAMS_DOC)

    def __init__(self, *, n_alphas=100, eps=None, alphas=None, cv=5, scoring="mse",
                 selection="min", early_stop=True, fit_intercept=True, standardize=True,
                 penalty_factor=None, lower_bounds=None, upper_bounds=None, positive=False,
                 tol=1e-4, max_iter=10_000, n_jobs=None):
        self.n_alphas = n_alphas
        self.eps = eps
        self.alphas = alphas
        self.cv = cv
        self.scoring = scoring
        self.selection = selection
        self.early_stop = early_stop
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs


class ElasticNetCV(_PathCV):
    __doc__ = ("""Elastic net with alpha and l1_ratio chosen by cross-validation."""
               + _OBJECTIVE + """
    Parameters
    ----------
    l1_ratio : float or array-like of float in [0, 1], default=0.5
        One value, or a grid searched with the same folds; each value gets its own alpha grid
        (its ``alpha_max`` uses ``max(l1_ratio, 1e-3)``, glmnet). The best (l1_ratio, alpha)
        pair by mean score is kept; ``alpha_1se_`` is taken along the chosen l1_ratio's path.
        Note: for ``l1_ratio < 1`` glmnet standardizes ``y`` internally, which rescales its
        ridge part; sparsefit solves the objective above as written."""
               + _CV_PARAMS_DOC)

    def __init__(self, *, l1_ratio=0.5, n_alphas=100, eps=None, alphas=None, cv=5,
                 scoring="mse", selection="min", early_stop=True, fit_intercept=True,
                 standardize=True, penalty_factor=None, lower_bounds=None, upper_bounds=None,
                 positive=False, tol=1e-4, max_iter=10_000, n_jobs=None):
        self.l1_ratio = l1_ratio
        self.n_alphas = n_alphas
        self.eps = eps
        self.alphas = alphas
        self.cv = cv
        self.scoring = scoring
        self.selection = selection
        self.early_stop = early_stop
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs

    def _l1_ratios(self):
        ratios = np.atleast_1d(np.asarray(self.l1_ratio, dtype=np.float64))
        if ratios.ndim != 1 or ratios.size == 0:
            raise ValueError(f"l1_ratio must be a float or a non-empty 1-d sequence, got "
                             f"{self.l1_ratio!r}")
        return [check_scalar_param(float(r), "l1_ratio", low=0.0, high=1.0) for r in ratios]
