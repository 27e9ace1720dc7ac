"""Cross-validated GLMs: cv.glmnet (binomial) reference, independent fold scores, errors, API."""

import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import (
    accuracy_score,
    log_loss,
    mean_absolute_error,
    mean_gamma_deviance,
    mean_poisson_deviance,
    mean_squared_error,
    roc_auc_score,
)
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils.estimator_checks import parametrize_with_checks

from conftest import load_shared
from sparsefit import (
    ConvergenceWarning,
    SparseGammaRegressor,
    SparseGammaRegressorCV,
    SparseGLMCV,
    SparseHuberRegressorCV,
    SparseLinearSVCCV,
    SparseLogisticRegression,
    SparseLogisticRegressionCV,
    SparsePoissonRegressor,
    SparsePoissonRegressorCV,
    cross_validate_glm_path,
)
from sparsefit.model_selection import make_folds

REF = Path(__file__).resolve().parent / "reference"


@pytest.fixture(scope="module")
def saheart():
    d = load_shared("esl_saheart.npz")
    return np.asarray(d["X"], dtype=np.float64), np.asarray(d["y"], dtype=np.float64)


@pytest.fixture(scope="module")
def saheart_cv_ref():
    return dict(np.load(REF / "glmnet_saheart_cv.npz", allow_pickle=False))


# ours -> (cv.glmnet type.measure, transform of our mean to glmnet's cvm)
MEASURES = {"deviance": ("deviance", lambda m: m), "accuracy": ("class", lambda m: 1 - m),
            "roc_auc": ("auc", lambda m: m)}


@pytest.mark.parametrize("scoring", list(MEASURES))
def test_cv_matches_cv_glmnet_binomial(saheart, saheart_cv_ref, scoring):
    """Same folds and lambdas: cvm and cvsd (fold-weighted, 10 folds of 46-47) and choices."""
    X, y = saheart
    ref = saheart_cv_ref
    name, to_glmnet = MEASURES[scoring]
    res = cross_validate_glm_path(X, y, "binomial", cv=ref["foldid"], scoring=scoring,
                                  tol=1e-10)
    np.testing.assert_allclose(res.alphas, ref["lambda"], rtol=1e-12)  # our grid = glmnet's
    np.testing.assert_allclose(to_glmnet(res.mean), ref[f"cvm_{name}"], rtol=1e-5)
    np.testing.assert_allclose(res.std_error, ref[f"cvsd_{name}"], rtol=1e-4)
    np.testing.assert_array_equal([res.index_min, res.index_1se], ref[f"index_min_1se_{name}"])
    np.testing.assert_array_equal(res.n_nonzero, ref["nzero"])
    assert res.alpha_min == pytest.approx(float(ref[f"lambda_min_{name}"]), rel=1e-12)
    assert res.alpha_1se == pytest.approx(float(ref[f"lambda_1se_{name}"]), rel=1e-12)


def test_estimator_picks_cv_glmnets_lambdas(saheart, saheart_cv_ref):
    X, y = saheart
    ref = saheart_cv_ref
    m = SparseLogisticRegressionCV(cv=ref["foldid"]).fit(X, y)  # default tol and grid
    assert m.alpha_min_ == pytest.approx(float(ref["lambda_min_deviance"]), rel=1e-12)
    assert m.alpha_1se_ == pytest.approx(float(ref["lambda_1se_deviance"]), rel=1e-12)
    # cv.glmnet's default call (folds on their own grids, interpolated) chose the same
    assert m.alpha_min_ == pytest.approx(float(ref["auto_lambda_min_deviance"]), rel=1e-12)
    assert m.alpha_1se_ == pytest.approx(float(ref["auto_lambda_1se_deviance"]), rel=1e-12)
    k = int(np.flatnonzero(m.alphas_ == m.alpha_)[0])
    np.testing.assert_allclose(m.coef_.ravel(), ref["beta"][:, k], atol=1e-4)
    m1 = SparseLogisticRegressionCV(cv=ref["foldid"], selection="1se").fit(X, y)
    assert m1.alpha_ == m1.alpha_1se_ and m1.alpha_ >= m.alpha_
    assert np.count_nonzero(m1.coef_) <= np.count_nonzero(m.coef_)
    assert "1se" in str(m.cv_path_)


def test_mean_and_se_are_fold_size_weighted_from_cv_results(saheart):
    X, y = saheart
    ids = np.arange(len(y)) % 7  # folds of 66 samples; cv_results_ must hold their scores
    ids[:40] = 0  # make them unequal: fold 0 is larger
    m = SparseLogisticRegressionCV(cv=ids, n_alphas=15, early_stop=False).fit(X, y)
    r = m.cv_results_
    S = np.vstack([r[f"split{k}"] for k in range(7)])
    W = np.bincount(ids).astype(float)
    mean = W @ S / W.sum()
    se = np.sqrt(W @ (S - mean) ** 2 / W.sum() / 6)
    np.testing.assert_allclose(r["mean"], mean, rtol=1e-12)
    np.testing.assert_allclose(r["std_error"], se, rtol=1e-10)
    i = int(np.argmin(mean))
    assert m.alpha_min_ == r["alpha"][i]
    assert m.alpha_1se_ == np.max(r["alpha"][mean <= mean[i] + se[i]])
    assert len(r["alpha"]) == 15 and m.alphas_.shape == (15,)


@pytest.mark.parametrize("scoring", ["deviance", "log_loss", "accuracy", "roc_auc"])
def test_binomial_fold_scores_equal_independent_refits(saheart, scoring):
    """Each fold score = sklearn.metrics on a separate single-alpha fit of that fold."""
    X, y = saheart
    sw = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    res = cross_validate_glm_path(X, y, "binomial", cv=4, scoring=scoring, n_alphas=10,
                                  early_stop=False, sample_weight=sw, tol=1e-10)
    folds = make_folds(4, X, y, stratify=True)
    for k, (tr, te) in enumerate(folds):
        for j in (2, 8):
            fit = SparseLogisticRegression(alpha=res.alphas[j], tol=1e-10).fit(
                X[tr], y[tr], sample_weight=sw[tr])
            p = fit.predict_proba(X[te])
            yt, w = y[te], sw[te]
            if scoring == "deviance":
                expect = 2 * log_loss(yt, np.clip(p, 1e-5, 1 - 1e-5), sample_weight=w)
            elif scoring == "log_loss":
                expect = log_loss(yt, p, sample_weight=w)
            elif scoring == "accuracy":
                expect = accuracy_score(yt, fit.predict(X[te]), sample_weight=w)
            else:
                expect = roc_auc_score(yt, p[:, 1], sample_weight=w)
            assert res.fold_scores[k, j] == pytest.approx(expect, rel=1e-6), (k, j)
    assert res.fold_mse is None
    W = np.array([sw[te].sum() for _, te in folds])
    np.testing.assert_allclose(res.fold_weights, W * len(y) / sw.sum())


def test_same_choice_as_sklearn_logistic_regression_cv():
    """Equal training-fold sizes make one alpha = 1 / (C n_train) for every fold; neg log-loss."""
    rng = np.random.default_rng(4)
    n, p, K = 120, 8, 4
    X = rng.standard_normal((n, p))
    y = (X[:, 0] - 0.7 * X[:, 1] + 0.8 * rng.standard_normal(n) > 0).astype(int)
    cv = StratifiedKFold(K)
    n_train = n - n // K
    assert all(len(tr) == n_train for tr, _ in cv.split(X, y))
    Xc = X - X.mean(axis=0)
    amax = np.abs(Xc.T @ (y - y.mean())).max() / n
    alphas = np.geomspace(0.5 * amax, 0.005 * amax, 12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # saga convergence; sklearn >= 1.8 l1_ratio notices
        sk = LogisticRegressionCV(Cs=1.0 / (n_train * alphas), l1_ratios=[1.0], solver="saga",
                                  cv=cv, scoring="neg_log_loss", tol=1e-10, max_iter=100_000,
                                  use_legacy_attributes=False).fit(X, y)
    ours = SparseLogisticRegressionCV(alphas=alphas, cv=cv, scoring="log_loss",
                                      standardize=False, tol=1e-12).fit(X, y)
    assert ours.alpha_ == pytest.approx(1.0 / (n_train * sk.C_), rel=1e-12)
    sk_scores = -np.asarray(sk.scores_).reshape(K, -1)  # (folds, Cs): Cs increase = alphas decrease
    ours_scores = np.vstack([ours.cv_results_[f"split{k}"] for k in range(K)])
    np.testing.assert_allclose(ours_scores, sk_scores, rtol=1e-5)


def test_stratified_folds_keep_class_proportions():
    rng = np.random.default_rng(5)
    y = np.repeat(["a", "b", "c"], [60, 30, 10])
    rng.shuffle(y)
    X = rng.standard_normal((100, 3))
    folds = make_folds(5, X, y, stratify=True)
    for _, te in folds:
        counts = np.array([(y[te] == c).sum() for c in "abc"])
        np.testing.assert_array_equal(counts, [12, 6, 2])
    m = SparseLogisticRegressionCV(cv=5, n_alphas=5).fit(X, y)  # runs with those folds
    assert m.coef_.shape == (3, 3) and list(m.classes_) == ["a", "b", "c"]
    # regression families use plain KFold
    r = cross_validate_glm_path(X, rng.poisson(2.0, 100), "poisson", cv=5, n_alphas=4)
    np.testing.assert_array_equal(r.fold_weights, np.full(5, 20.0))


@pytest.mark.filterwarnings("ignore::sparsefit.exceptions.ConvergenceWarning")  # tol near fp floor
def test_multinomial_cv_scores_and_grouped():
    rng = np.random.default_rng(6)
    n = 150
    X = rng.standard_normal((n, 6))
    y = np.argmax(X[:, :3] + 0.8 * rng.standard_normal((n, 3)), axis=1)
    for group in ("ungrouped", "grouped"):
        res = cross_validate_glm_path(X, y, "multinomial", multinomial=group, cv=3,
                                      scoring="log_loss", n_alphas=8, early_stop=False,
                                      tol=1e-9)
        folds = make_folds(3, X, y, stratify=True)
        tr, te = folds[1]
        fit = SparseLogisticRegression(alpha=res.alphas[5], multinomial=group,
                                       tol=1e-9).fit(X[tr], y[tr])
        assert res.fold_scores[1, 5] == pytest.approx(
            log_loss(y[te], fit.predict_proba(X[te]), labels=[0, 1, 2]), rel=1e-6)
        assert res.path.coefs.shape == (3, 6, 8)
    with pytest.raises(ValueError, match="roc_auc' needs 2 classes"):
        SparseLogisticRegressionCV(scoring="roc_auc").fit(X, y)


@pytest.mark.parametrize("family, scoring", [
    ("poisson", "deviance"), ("poisson", "mse"), ("poisson", "mae"), ("gamma", "deviance")])
def test_regression_fold_scores_equal_independent_refits(family, scoring):
    rng = np.random.default_rng(7)
    n = 90
    X = rng.standard_normal((n, 5))
    mu = np.exp(0.4 * X[:, 0] - 0.3 * X[:, 1])
    expo = rng.uniform(0.5, 2.0, n) if family == "poisson" else None
    y = rng.poisson(mu * expo) if family == "poisson" else rng.gamma(2.0, mu / 2.0)
    est = SparsePoissonRegressor if family == "poisson" else SparseGammaRegressor
    res = cross_validate_glm_path(X, y, family, cv=3, scoring=scoring, exposure=expo,
                                  n_alphas=6, early_stop=False, tol=1e-10)
    metric = {"mse": mean_squared_error, "mae": mean_absolute_error,
              "deviance": mean_poisson_deviance if family == "poisson" else mean_gamma_deviance}
    for k, (tr, te) in enumerate(KFold(3).split(X)):
        j = 4
        kw = {} if expo is None else dict(exposure=expo[tr])
        fit = est(alpha=res.alphas[j], tol=1e-10).fit(X[tr], y[tr], **kw)
        pred = fit.predict(X[te], **({} if expo is None else dict(exposure=expo[te])))
        assert res.fold_scores[k, j] == pytest.approx(metric[scoring](y[te], pred), rel=1e-6)
        assert res.fold_mse[k, j] == pytest.approx(mean_squared_error(y[te], pred), rel=1e-6)


def test_cv_estimators_fit_predict_and_refit_at_alpha():
    rng = np.random.default_rng(8)
    n = 120
    X = rng.standard_normal((n, 10))
    eta = X[:, 0] - 0.5 * X[:, 1]
    yc = np.where(eta + 0.5 * rng.standard_normal(n) > 0, 1, -1)
    m = SparseLinearSVCCV(cv=4, n_alphas=10, scoring="accuracy").fit(X, yc)
    assert m.coef_.shape == (1, 10) and m.score(X, yc) > 0.8
    with pytest.raises(ValueError, match="scoring='log_loss' is not supported"):
        SparseLinearSVCCV(scoring="log_loss").fit(X, yc)
    yh = eta + rng.standard_t(2, n)
    h = SparseHuberRegressorCV(cv=4, n_alphas=10, scoring="mae", epsilon=1.0).fit(X, yh)
    assert h.coef_.shape == (10,) and isinstance(h.intercept_, float)
    yg = rng.gamma(2.0, np.exp(0.3 * eta) / 2)
    g = SparseGammaRegressorCV(cv=4, n_alphas=10).fit(X, yg)
    direct = SparseGammaRegressor(alpha=g.alpha_, tol=1e-8).fit(X, yg)
    np.testing.assert_allclose(g.coef_, direct.coef_, atol=1e-3 * np.abs(direct.coef_).max())
    # SparseGLMCV(family="binomial") stratifies on y in {0, 1}; l1_ratio grid shares folds
    glm = SparseGLMCV(family="binomial", l1_ratio=[0.5, 1.0], cv=3, n_alphas=6,
                      scoring="roc_auc").fit(X, (yc > 0).astype(float))
    assert glm.alphas_.shape == (2, 6) and glm.l1_ratio_ in (0.5, 1.0)
    assert np.all((glm.predict(X) >= 0) & (glm.predict(X) <= 1))
    # parallel folds give the same answer
    p1 = SparsePoissonRegressorCV(cv=3, n_alphas=6).fit(X, rng.poisson(np.exp(0.3 * eta)))
    assert p1.path_.family == "poisson"


def test_parallel_and_sparse_input_agree():
    rng = np.random.default_rng(9)
    X = rng.standard_normal((80, 12))
    X[np.abs(X) < 1.0] = 0.0
    y = (X[:, 0] + 0.5 * rng.standard_normal(80) > 0).astype(int)
    a = SparseLogisticRegressionCV(cv=3, n_alphas=8, tol=1e-10).fit(X, y)
    b = SparseLogisticRegressionCV(cv=3, n_alphas=8, tol=1e-10).fit(sp.csr_matrix(X), y)
    c = SparseLogisticRegressionCV(cv=3, n_alphas=8, tol=1e-10, n_jobs=2).fit(X, y)
    np.testing.assert_allclose(b.cv_results_["mean"], a.cv_results_["mean"], rtol=1e-7)
    np.testing.assert_array_equal(c.cv_results_["mean"], a.cv_results_["mean"])
    assert a.alpha_ == c.alpha_



@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("order", ["sorted", "shuffled", "unsorted_indices"])
def test_sparse_training_rows_and_their_column_statistics(weighted, order):
    """A sparse fold's training rows (one compiled pass) equal scipy's row selection, and the
    column statistics that pass hands the problem set-up equal a separate pass over the
    result under the fold's normalised weights (so the fold's problem is the same); rows
    not sorted and distinct fall back to the plain selection."""
    from sparsefit._kernels.glm_cd import column_stats_sparse
    from sparsefit._validation import check_sample_weight
    from sparsefit.model_selection._glm_cv import _train_rows
    from sparsefit.solvers.prox_newton import design_tuple

    rng = np.random.default_rng(3)
    X = sp.random(60, 25, density=0.3, format="csc", random_state=4)
    X.data -= 0.4
    if order == "unsorted_indices":
        X = sp.csc_matrix(sp.csr_matrix(X).T.tocsr().T)  # CSC from a transposed CSR: unsorted
        X.indices, X.data = X.indices.copy(), X.data.copy()
        for j in range(X.shape[1]):
            sl = slice(X.indptr[j], X.indptr[j + 1])
            X.indices[sl], X.data[sl] = X.indices[sl][::-1], X.data[sl][::-1]
        X._has_sorted_indices = False
        assert not X.has_sorted_indices
    sw = check_sample_weight(rng.uniform(0.5, 2.0, 60), 60) if weighted else None
    train = np.sort(rng.choice(60, 45, replace=False))
    if order == "shuffled":
        train = rng.permutation(train)
    Xt, stats = _train_rows(X, train, sw)
    expect = X.toarray()[train]
    np.testing.assert_array_equal(Xt.toarray(), expect)
    assert Xt.format == "csc" and Xt.shape == (45, 25)
    if order == "shuffled":
        assert stats is None
        return
    assert Xt.has_sorted_indices == (order == "sorted")
    Xs = Xt.copy()
    Xs.sort_indices()
    sw_t = np.ones(45) if sw is None else check_sample_weight(sw[train], 45)
    ref = np.empty((4, 25))
    column_stats_sparse(design_tuple(Xs), sw_t, ref)
    np.testing.assert_allclose(stats, ref, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(stats[0], sw_t @ expect, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(stats[3], (expect**2).sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(stats[2], np.abs(expect).max(axis=0))


def test_sparse_weighted_cv_equals_dense():
    """Sparse folds (rows and statistics from one pass) give the dense folds' scores, with
    sample weights and standardization (which reads the statistics)."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((90, 15))
    X[np.abs(X) < 0.8] = 0.0
    y = (X[:, 0] - X[:, 3] + 0.5 * rng.standard_normal(90) > 0).astype(int)
    sw = rng.uniform(0.3, 2.0, 90)
    kw = dict(cv=4, n_alphas=12, tol=1e-10, sample_weight=sw, standardize=True,
              early_stop=False)
    dense = cross_validate_glm_path(X, y, "binomial", **kw)
    sparse = cross_validate_glm_path(sp.csc_matrix(X), y, "binomial", **kw)
    np.testing.assert_allclose(sparse.fold_scores, dense.fold_scores, rtol=1e-7)

def test_bad_input():
    rng = np.random.default_rng(10)
    X = rng.standard_normal((40, 4))
    y = np.r_[np.zeros(36), np.ones(4)].astype(int)
    # a class with fewer samples than folds leaves a training fold without it
    ids = np.arange(40) % 4
    ids[36:] = 0  # all of class 1 in fold 0
    with pytest.raises(ValueError, match="fold 0: its training set holds 1 of the 2 classes"):
        SparseLogisticRegressionCV(cv=ids, n_alphas=3).fit(X, y)
    # class 1 only in the test sets of folds 0 and 1: fold 2's test set has a single class
    y2 = np.r_[np.zeros(32), np.ones(8)].astype(int)
    ids2 = np.r_[np.arange(32) % 3, [0, 0, 0, 0, 1, 1, 1, 1]]
    with pytest.raises(ValueError, match="undefined on the test set of fold 2"):
        SparseLogisticRegressionCV(cv=ids2, n_alphas=3, scoring="roc_auc").fit(X, y2)
    with pytest.raises(ValueError, match="scoring='mse' is not supported for family='binomial'"):
        SparseLogisticRegressionCV(scoring="mse").fit(X, y)
    with pytest.raises(ValueError, match="scoring='accuracy' is not supported"):
        SparsePoissonRegressorCV(scoring="accuracy").fit(X, rng.poisson(1.0, 40))
    with pytest.raises(ValueError, match="selection='best' is not supported"):
        SparseLogisticRegressionCV(selection="best").fit(X, y)
    with pytest.raises(ValueError, match="only one class"):
        SparseLogisticRegressionCV().fit(X, np.zeros(40))
    with pytest.raises(ValueError, match="offset is only supported"):
        cross_validate_glm_path(X, np.arange(40) % 3, "multinomial", offset=np.zeros(40))


# The sample-weight checks compare the weighted and the repeated-rows fit to rtol 1e-7, which
# only solutions far inside the default tol=1e-4 meet: the two squared-hinge paths are each
# certified at every alpha, yet their Newton iterations may stop one step apart (9 and 10 at
# the third alpha, gaps 3.6e-6 and 1.9e-6) and move predictions by 3.5e-4.
@parametrize_with_checks([
    SparseLogisticRegressionCV(n_alphas=5, cv=3),
    SparseLinearSVCCV(n_alphas=5, cv=3, tol=1e-10),
    SparsePoissonRegressorCV(n_alphas=5, cv=3),
    SparseGammaRegressorCV(n_alphas=5, cv=3),
    SparseHuberRegressorCV(n_alphas=5, cv=3),
    SparseGLMCV(family="gaussian", n_alphas=5, cv=3),
])
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)
