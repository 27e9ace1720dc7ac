"""Poisson, Gamma, Huber and squared-hinge SVM: scikit-learn, independent KKT, certificates."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import GammaRegressor, PoissonRegressor
from sklearn.svm import LinearSVC

from _glm_kkt import column_scale, glm_kkt, glm_objective
from sparsefit import Lasso
from sparsefit.linear_model import (
    SparseGammaRegressor,
    SparseGLM,
    SparseHuberRegressor,
    SparseLinearSVC,
    SparsePoissonRegressor,
    glm_alpha_max,
)


def make_data(n=200, p=15, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.5, 2, p) + rng.uniform(-1, 1, p)
    w = np.zeros(p)
    w[:4] = [0.5, -0.3, 0.2, 0.4]
    eta = 0.5 * X @ w + 0.3
    return X, eta, rng


@pytest.mark.parametrize("family", ["poisson", "gamma"])
def test_ridge_limit_equals_sklearn(family):
    """l1_ratio=0, standardize=False is exactly scikit-learn's PoissonRegressor/GammaRegressor."""
    X, eta, rng = make_data(seed=1)
    mu = np.exp(eta)
    y = rng.poisson(mu).astype(float) if family == "poisson" else rng.gamma(2.0, mu / 2.0)
    Est, Sk = ((SparsePoissonRegressor, PoissonRegressor) if family == "poisson"
               else (SparseGammaRegressor, GammaRegressor))
    m = Est(alpha=0.05, l1_ratio=0.0, standardize=False, tol=1e-12).fit(X, y)
    ref = Sk(alpha=0.05, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
    np.testing.assert_allclose(m.coef_, ref.coef_, atol=1e-7)
    assert m.intercept_ == pytest.approx(ref.intercept_, abs=1e-7)
    assert m.dual_gap_ >= -1e-12 and m.dual_gap_ <= 1e-10


@pytest.mark.parametrize("family", ["poisson", "gamma"])
@pytest.mark.parametrize("ratio", [0.2, 0.02])
def test_l1_kkt_weights_offset(family, ratio):
    X, eta, rng = make_data(seed=2)
    off = rng.uniform(-0.5, 0.5, X.shape[0])
    mu = np.exp(eta + off)
    y = rng.poisson(mu).astype(float) if family == "poisson" else rng.gamma(2.0, mu / 2.0)
    if family == "poisson":
        y = y * 0.5  # non-integer rates are allowed
    sw = rng.uniform(0.3, 2.0, X.shape[0])
    amax = glm_alpha_max(X, y, family, sample_weight=sw, offset=off)
    alpha = ratio * amax
    Est = SparsePoissonRegressor if family == "poisson" else SparseGammaRegressor
    m = Est(alpha=alpha, tol=1e-12).fit(X, y, sample_weight=sw, offset=off)
    s = column_scale(X, sw)
    assert glm_kkt(X, y, m.coef_, m.intercept_, alpha, family, sw=sw, scale=s,
                   offset=off) < 1e-7 * amax
    # the reported gap bounds the true suboptimality: compare with a perturbed point
    f = glm_objective(X, y, m.coef_, m.intercept_, alpha, family, sw=sw, scale=s, offset=off)
    assert 0 <= m.dual_gap_ <= 1e-12 * f * 10
    # just above alpha_max only the intercept is left
    top = Est(alpha=amax * (1 + 1e-9)).fit(X, y, sample_weight=sw, offset=off)
    assert np.all(top.coef_ == 0)


def test_poisson_exposure_equals_log_offset():
    X, eta, rng = make_data(seed=3)
    expo = rng.uniform(0.5, 5.0, X.shape[0])
    y = rng.poisson(expo * np.exp(eta)).astype(float)
    a = SparsePoissonRegressor(alpha=0.01, tol=1e-12).fit(X, y, exposure=expo)
    b = SparsePoissonRegressor(alpha=0.01, tol=1e-12).fit(X, y, offset=np.log(expo))
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-12)
    np.testing.assert_allclose(a.predict(X, exposure=expo), expo * a.predict(X), rtol=1e-12)
    np.testing.assert_allclose(a.predict(X, offset=np.log(expo)), a.predict(X, exposure=expo),
                               rtol=1e-12)
    with pytest.raises(ValueError, match="either offset or exposure"):
        a.fit(X, y, offset=np.log(expo), exposure=expo)
    with pytest.raises(ValueError, match="offset has shape"):
        a.predict(X, offset=np.zeros(3))


@pytest.mark.parametrize("ratio", [0.3, 0.05, 0.005])
def test_linear_svc_matches_liblinear(ratio):
    X, eta, rng = make_data(seed=4, n=150)
    y = np.where(eta + 0.3 * rng.standard_normal(X.shape[0]) > 0.3, 1, -1)
    amax = glm_alpha_max(X, y, "squared_hinge", fit_intercept=False, standardize=False)
    alpha = ratio * amax
    ours = SparseLinearSVC(alpha=alpha, fit_intercept=False, standardize=False,
                           tol=1e-12).fit(X, y)
    # mean squared hinge + alpha |w|_1  <=>  |w|_1 + C sum squared hinge, C = 1 / (n alpha)
    ref = LinearSVC(penalty="l1", loss="squared_hinge", dual=False, C=1 / (len(y) * alpha),
                    fit_intercept=False, tol=1e-12, max_iter=1_000_000, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref.fit(X, y)
    f = glm_objective(X, y, ours.coef_, 0.0, alpha, "squared_hinge")
    f_ref = glm_objective(X, y, ref.coef_, 0.0, alpha, "squared_hinge")
    assert f <= f_ref * (1 + 1e-9)
    assert f_ref - f <= 1e-3 * f_ref  # liblinear's own accuracy varies with its shuffling
    assert glm_kkt(X, y, ours.coef_, 0.0, alpha, "squared_hinge",
                   fit_intercept=False) < 1e-6 * amax


def test_linear_svc_intercept_kkt_and_labels():
    X, eta, rng = make_data(seed=5)
    labels = np.where(eta > 0.3, "spam", "ham")
    y = np.where(labels == "spam", 1.0, -1.0)
    m = SparseLinearSVC(alpha=0.01, tol=1e-12).fit(X, labels)
    assert list(m.classes_) == ["ham", "spam"]
    assert glm_kkt(X, y, m.coef_, m.intercept_, 0.01, "squared_hinge",
                   scale=column_scale(X)) < 1e-8
    d = m.decision_function(X)
    np.testing.assert_array_equal(m.predict(X), np.where(d > 0, "spam", "ham"))


def test_gaussian_family_and_wide_huber_equal_lasso():
    X, eta, rng = make_data(seed=6)
    y = eta + 0.5 * rng.standard_normal(X.shape[0])
    ref = Lasso(alpha=0.02, tol=1e-14).fit(X, y)
    g = SparseGLM("gaussian", alpha=0.02, tol=1e-12).fit(X, y)
    h = SparseHuberRegressor(alpha=0.02, epsilon=1e3, tol=1e-12).fit(X, y)
    for m in (g, h):
        np.testing.assert_allclose(m.coef_, ref.coef_, atol=1e-8)
        assert m.intercept_ == pytest.approx(ref.intercept_, abs=1e-8)


@pytest.mark.parametrize("sparse_input", [False, True])
def test_huber_kkt_and_robustness(sparse_input):
    X, eta, rng = make_data(seed=7)
    y = eta + 0.1 * rng.standard_normal(X.shape[0])
    y[:10] += 50.0  # gross outliers
    Xin = sp.csc_matrix(X) if sparse_input else X
    m = SparseHuberRegressor(alpha=0.005, epsilon=0.2, tol=1e-12).fit(Xin, y)
    s = column_scale(X)
    assert glm_kkt(X, y, m.coef_, m.intercept_, 0.005, "huber", scale=s, epsilon=0.2) < 1e-8
    assert m.dual_gap_ <= 1e-10
    lasso = Lasso(alpha=0.005).fit(X, y)
    truth = np.r_[0.25, -0.15, 0.1, 0.2, np.zeros(11)]
    assert np.abs(m.coef_ - truth).max() < 0.5 * np.abs(lasso.coef_ - truth).max()


def test_sparse_glm_families_predict_mean():
    X, eta, rng = make_data(seed=8)
    y = rng.poisson(np.exp(eta)).astype(float)
    m = SparseGLM("poisson", alpha=0.01, tol=1e-10).fit(X, y)
    ref = SparsePoissonRegressor(alpha=0.01, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(m.coef_, ref.coef_)
    np.testing.assert_allclose(m.predict(X), np.exp(X @ m.coef_ + m.intercept_))
    yb = (eta > 0.3).astype(float)
    b = SparseGLM("binomial", alpha=0.01).fit(X, yb)
    assert np.all((b.predict(X) > 0) & (b.predict(X) < 1))
