"""Cross-validation along GLM paths (glmnet's ``cv.glmnet`` for every family).

As for least squares (:mod:`sparsefit.model_selection._cv`): the full-data path fixes the
alpha grid (its early stop included), folds are drawn once (stratified on the classes for
the classification families when ``cv`` is an int) and every fold is fitted on the whole
grid; the fold-weighted mean, its standard error, ``alpha_min`` and ``alpha_1se`` are
glmnet's (``grouped=TRUE``).

Scores, each a sample-weighted mean over a test fold (except ``roc_auc``, computed per fold
with ``sklearn.metrics.roc_auc_score``):

* ``"deviance"`` (every family): twice the family's per-sample loss, i.e. the deviance for
  the likelihood families, exactly as ``cv.glmnet(type.measure="deviance")``: binomial and
  multinomial predicted probabilities are clipped to ``[1e-5, 1 - 1e-5]`` first, as
  cv.glmnet does.  For Huber and the squared hinge it is twice their loss.
* ``"log_loss"`` (binomial, multinomial): ``sklearn.metrics.log_loss`` (probabilities
  clipped to machine epsilon only).
* ``"accuracy"``, ``"roc_auc"`` (classification; ``roc_auc`` binary only, on the
  decision values): greater is better.
* ``"mse"``, ``"mae"`` (regression families): error of the mean response
  (``exp(eta)`` for the log link), offsets included.
"""

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, log_softmax, xlogy

from .. import _glm_path as gp  # module import: _glm_path imports this package's parent
from .._metrics import roc_auc_score
from .._validation import check_int_param, check_option, check_sample_weight, check_scalar_param
from ..linear_model._glm import CLASSIFICATION_FAMILIES, FAMILIES, _check_offset
from ..path import _check_grid_params, _geometric_grid, _linear_path, check_alphas
from ..solvers._design import csc_rows_with_stats
from ._cv import _run_jobs, _summarize
from ._split import make_folds, rows_source, take_rows

# name -> greater_is_better
CLASSIFIER_SCORINGS = {"deviance": False, "log_loss": False, "accuracy": True,
                       "roc_auc": True}
REGRESSION_SCORINGS = {"deviance": False, "mse": False, "mae": False}
# cv.glmnet clips predicted probabilities to [PROB_MIN, 1 - PROB_MIN] for its deviance
PROB_MIN = 1e-5
_LOG_LINK = ("poisson", "gamma")


def glm_scorings(family):
    """The scorings available for ``family`` (name -> greater_is_better)."""
    if family in ("binomial", "multinomial"):
        return dict(CLASSIFIER_SCORINGS)
    if family == "squared_hinge":  # no probabilities
        return {k: v for k, v in CLASSIFIER_SCORINGS.items() if k != "log_loss"}
    return dict(REGRESSION_SCORINGS)


def check_glm_scoring(scoring, family, n_classes=None):
    options = glm_scorings(family)
    if scoring not in options:
        raise ValueError(f"scoring={scoring!r} is not supported for family={family!r}; "
                         f"choose one of {sorted(options)}")
    if scoring == "roc_auc" and family == "multinomial" and (n_classes or 0) > 2:
        raise ValueError(f"scoring='roc_auc' needs 2 classes, y has {n_classes}; use "
                         "'deviance', 'log_loss' or 'accuracy'")
    return scoring


def _mean(w, per_sample):
    return w @ per_sample / w.sum()


def glm_path_scores(family, y, eta, sw, scoring, epsilon=1.35, fold=None):
    """Weighted score of every alpha of a test fold.

    ``y`` is the encoded target (0/1, class index, +-1 or the response); ``eta`` the linear
    predictor of shape ``(n_test, n_alphas)`` or ``(n_test, n_classes, n_alphas)``.
    """
    w = np.ones(y.shape[0]) if sw is None else sw
    if scoring == "roc_auc":
        pos = y > 0  # binomial 0/1, squared hinge -1/+1, multinomial with 2 classes: 0/1
        if family == "multinomial":
            eta = eta[:, 1, :] - eta[:, 0, :]
        if np.unique(pos[w > 0]).size < 2:
            where = "" if fold is None else f" of fold {fold}"
            raise ValueError(f"scoring='roc_auc' is undefined on the test set{where}: it "
                             "holds a single class. Use stratified folds (an int cv "
                             "stratifies), fewer folds, or scoring='deviance'")
        return np.array([roc_auc_score(pos, eta[:, j], sample_weight=sw)
                         for j in range(eta.shape[1])])
    if family == "binomial":
        yc = y[:, None]
        if scoring == "accuracy":
            return _mean(w, (eta > 0) == (yc > 0))
        p = expit(eta)
        lo = PROB_MIN if scoring == "deviance" else np.finfo(np.float64).eps
        p = np.clip(p, lo, 1.0 - lo)
        ll = -(yc * np.log(p) + (1.0 - yc) * np.log1p(-p))
        return _mean(w, 2.0 * ll if scoring == "deviance" else ll)
    if family == "multinomial":
        idx = np.arange(y.shape[0])
        if scoring == "accuracy":
            return _mean(w, np.argmax(eta, axis=1) == y[:, None])
        logp = log_softmax(eta, axis=1)[idx, y, :]
        lo = PROB_MIN if scoring == "deviance" else np.finfo(np.float64).eps
        ll = -np.log(np.clip(np.exp(logp), lo, 1.0 - lo))
        return _mean(w, 2.0 * ll if scoring == "deviance" else ll)
    if family == "squared_hinge":
        yc = y[:, None]
        if scoring == "accuracy":
            return _mean(w, (eta > 0) == (yc > 0))
        return _mean(w, 2.0 * np.maximum(1.0 - yc * eta, 0.0) ** 2)
    yc = y[:, None]
    mu = np.exp(np.minimum(eta, 700.0)) if family in _LOG_LINK else eta
    if scoring == "mse":
        return _mean(w, (yc - mu) ** 2)
    if scoring == "mae":
        return _mean(w, np.abs(yc - mu))
    if family == "poisson":
        return _mean(w, 2.0 * (xlogy(yc, yc) - yc * eta - yc + mu))
    if family == "gamma":
        return _mean(w, 2.0 * (eta - np.log(yc) + yc * np.exp(-np.maximum(eta, -700.0)) - 1.0))
    r = np.abs(yc - eta)
    if family == "huber":
        return _mean(w, 2.0 * np.where(r <= epsilon, 0.5 * r * r, epsilon * r - 0.5 * epsilon**2))
    return _mean(w, r * r)  # gaussian


def _check_train_classes(family, yenc, n_classes, fold):
    if family not in CLASSIFICATION_FAMILIES:
        return
    present = np.unique(yenc)
    if present.size < n_classes:
        raise ValueError(
            f"cross-validation fold {fold}: its training set holds {present.size} of the "
            f"{n_classes} classes, so the model cannot be fitted there. Use stratified folds "
            "(an int cv stratifies), fewer folds, or drop classes with fewer samples than "
            "folds")


def _train_rows(X, train, sw):
    """``(X[train], its column statistics or None)`` in the solvers' layout.

    Sparse ``X`` with sorted, distinct ``train`` (every splitter's folds): one compiled pass
    selects the rows and computes the statistics the problem set-up needs (under the fold's
    normalised weights, ``sw_train``), bit for bit those of a separate pass over the result.
    """
    if not sp.issparse(X) or train.size == 0 or not np.all(train[1:] > train[:-1]):
        return take_rows(X, train), None
    return csc_rows_with_stats(
        X, train, None if sw is None else check_sample_weight(sw[train], train.size))


def _glm_fold_job(X, yenc, sw, offset, train, test, alphas, family, n_classes, problem_kw,
                  scoring, fold):
    """Fit one fold on the fixed grid; return (scores, mse or None) over the grid."""
    _check_train_classes(family, yenc[train], n_classes, fold)
    try:
        X_train, stats = _train_rows(X, train, sw)
        pp = gp.make_glm_problem(family, X_train, yenc[train], n_classes,
                                 sample_weight=None if sw is None else sw[train],
                                 offset=None if offset is None else offset[train],
                                 col_stats=stats, **problem_kw)
    except ValueError as exc:
        raise ValueError(f"cross-validation fold {fold}: {exc}") from exc
    sol = gp.solve_glm_grid(pp, alphas, early_stop=False)
    coefs, intercepts, support = gp.stack_path(pp, sol, coef_storage="dense", dtype=np.float64)
    eta = _linear_path(X, test, coefs, intercepts, None if offset is None else offset[test],
                       support)
    y_test = yenc[test]
    sw_test = None if sw is None else sw[test]
    eps = problem_kw.get("epsilon", 1.35)
    scores = glm_path_scores(family, y_test, eta, sw_test, scoring, eps, fold)
    mse = None
    if family not in CLASSIFICATION_FAMILIES:
        mse = scores if scoring == "mse" else glm_path_scores(family, y_test, eta, sw_test,
                                                              "mse", eps)
    return scores, mse


def cross_validate_glm_paths(X, y, family, *, l1_ratios=(1.0,), alphas=None, n_alphas=100,
                             eps=None, cv=5, groups=None, scoring="deviance",
                             sample_weight=None, offset=None, exposure=None,
                             multinomial="ungrouped", fit_intercept=True, standardize=True,
                             penalty_factor=None, lower_bounds=None, upper_bounds=None,
                             positive=False, epsilon=1.35, tol=1e-4, max_iter=1000,
                             early_stop=True, n_jobs=None, encoded=None):
    """:func:`cross_validate_glm_path` for several ``l1_ratio`` values sharing one set of folds.

    ``X`` must be validated (ndarray or CSC, finite); ``y`` holds the labels / response as
    given, or pass ``encoded=(yenc, n_classes, classes)``.  Returns a list of CVResult.
    """
    family = check_option(family, "family", FAMILIES)
    check_option(multinomial, "multinomial", {"ungrouped", "grouped"})
    yenc, n_classes, classes = gp.encode_glm_target(family, y) if encoded is None else encoded
    scoring = check_glm_scoring(scoring, family, n_classes)
    X = rows_source(X)
    n = X.shape[0]
    folds = make_folds(cv, X, y, groups, stratify=family in CLASSIFICATION_FAMILIES)
    sw = check_sample_weight(sample_weight, n)
    off = _check_offset(offset, exposure, n)
    if family == "multinomial" and off is not None:
        raise ValueError("offset is only supported for single-output families "
                         "(binary logistic, Poisson, Gamma, Huber, squared hinge)")
    tol = check_scalar_param(tol, "tol", low=0.0, include_low=False)
    max_iter = check_int_param(max_iter, "max_iter")
    epsilon = check_scalar_param(epsilon, "epsilon", low=0.0, include_low=False)
    l1_ratios = [check_scalar_param(r, "l1_ratio", low=0.0, high=1.0) for r in l1_ratios]
    if len(l1_ratios) == 0:
        raise ValueError("l1_ratio is empty; give at least one value in [0, 1]")
    user = alphas is not None
    if user:
        alphas = check_alphas(alphas)
    else:
        n_alphas, eps = _check_grid_params(n_alphas, eps, X.shape)
    kws, paths = [], []
    for l1_ratio in l1_ratios:
        kw = dict(l1_ratio=float(l1_ratio), multinomial=multinomial,
                  fit_intercept=fit_intercept, standardize=standardize,
                  penalty_factor=penalty_factor, lower_bounds=lower_bounds,
                  upper_bounds=upper_bounds, positive=positive, epsilon=epsilon, tol=tol,
                  max_iter=max_iter)
        pp = gp.make_glm_problem(family, X, yenc, n_classes, sample_weight=sw, offset=off, **kw)
        grid = alphas if user else _geometric_grid(gp.glm_alpha_max_problem(pp), n_alphas, eps)
        paths.append(gp.glm_path_from_problem(pp, grid, bool(early_stop) and not user,
                                           grid.shape[0], classes=classes))
        kws.append(kw)
    jobs = [(_glm_fold_job, (X, yenc, sw, off, tr, te, path.alphas, family, n_classes, kw,
                             scoring, k))
            for path, kw in zip(paths, kws, strict=True) for k, (tr, te) in enumerate(folds)]
    out = _run_jobs(jobs, n_jobs)
    K = len(folds)
    gib = glm_scorings(family)[scoring]
    results = []
    for i, path in enumerate(paths):
        chunk = out[i * K:(i + 1) * K]
        mses = None if chunk[0][1] is None else [c[1] for c in chunk]
        results.append(_summarize(path, folds, sw, [c[0] for c in chunk], mses, scoring, gib))
    return results


def cross_validate_glm_path(X, y, family="binomial", *, l1_ratio=1.0, alphas=None,
                            n_alphas=100, eps=None, cv=5, groups=None, scoring="deviance",
                            sample_weight=None, offset=None, exposure=None,
                            multinomial="ungrouped", fit_intercept=True, standardize=True,
                            penalty_factor=None, lower_bounds=None, upper_bounds=None,
                            positive=False, epsilon=1.35, tol=1e-4, max_iter=1000,
                            early_stop=True, n_jobs=None):
    """Cross-validate a GLM path (sparsefit's ``cv.glmnet`` for every family).

    Parameters
    ----------
    X, y, family, l1_ratio, alphas, n_alphas, eps, sample_weight, offset, exposure, \
multinomial, fit_intercept, standardize, penalty_factor, lower_bounds, upper_bounds, \
positive, epsilon, tol, max_iter, early_stop
        As in :func:`sparsefit.glm_path`; the grid (and its early stop) comes from the
        full-data path and every fold is fitted on that whole grid.
    cv : int, splitter, iterable of (train, test) or array of fold ids, default=5
        See :func:`sparsefit.model_selection.make_folds`; an int gives ``StratifiedKFold``
        for the classification families (``"binomial"``, ``"multinomial"``,
        ``"squared_hinge"``), ``KFold`` otherwise.  A training fold missing a class is an
        error.
    groups : array-like of shape (n_samples,), default=None
    scoring : str, default="deviance"
        ``"deviance"``, ``"log_loss"``, ``"accuracy"``, ``"roc_auc"`` (classification) or
        ``"deviance"``, ``"mse"``, ``"mae"`` (regression); see the module docstring.
    n_jobs : int, default=None
        Folds fitted in parallel by joblib (processes).

    Returns
    -------
    CVResult
        ``fold_mse`` is None for the classification families.
    """
    X, y = gp.check_glm_Xy(X, y)
    return cross_validate_glm_paths(
        X, y, family, l1_ratios=(l1_ratio,), alphas=alphas, n_alphas=n_alphas, eps=eps, cv=cv,
        groups=groups, scoring=scoring, sample_weight=sample_weight, offset=offset,
        exposure=exposure, multinomial=multinomial, fit_intercept=fit_intercept,
        standardize=standardize, penalty_factor=penalty_factor, lower_bounds=lower_bounds,
        upper_bounds=upper_bounds, positive=positive, epsilon=epsilon, tol=tol,
        max_iter=max_iter, early_stop=early_stop, n_jobs=n_jobs)[0]
