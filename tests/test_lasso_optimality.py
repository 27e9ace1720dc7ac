"""Lasso/ElasticNet reach the optimum: independent objective, KKT, scikit-learn, solvers."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning as SkConvergenceWarning
from sklearn.linear_model import ElasticNet as SkElasticNet

from conftest import column_scale, enet_objective, kkt_violation, make_regression
from sparsefit import ConvergenceWarning, ElasticNet, Lasso


def sk_reference(X, y, alpha, l1_ratio=1.0, fit_intercept=True, sw=None):
    m = SkElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=1e-14,
                     max_iter=1_000_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkConvergenceWarning)
        m.fit(X, y, sample_weight=sw)
    return m


def alpha_max(X, y, sw=None):
    n = X.shape[0]
    sw = np.ones(n) if sw is None else sw * n / sw.sum()
    yc = y - np.average(y, weights=sw)
    Xc = X - sw @ X / n
    return np.max(np.abs(Xc.T @ (sw * yc))) / n


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.05])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ratio", [0.5, 0.1, 0.01])
def test_objective_matches_sklearn_synthetic(l1_ratio, fit_intercept, weighted, ratio):
    X, y = make_regression(seed=3)
    sw = np.random.default_rng(0).uniform(0.1, 3, X.shape[0]) if weighted else None
    alpha = ratio * alpha_max(X, y, sw)
    ours = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                      standardize=False, tol=1e-12).fit(X, y, sample_weight=sw)
    ref = sk_reference(X, y, alpha, l1_ratio, fit_intercept, sw)
    f_ours = enet_objective(X, y, ours.coef_, ours.intercept_, alpha, l1_ratio, sw=sw)
    f_ref = enet_objective(X, y, ref.coef_, ref.intercept_, alpha, l1_ratio, sw=sw)
    assert f_ours <= f_ref * (1 + 1e-7)
    # the gap we report is a true upper bound on our own suboptimality
    assert f_ours - min(f_ref, f_ours) <= ours.dual_gap_ + 1e-12 * f_ref


@pytest.mark.parametrize("dataset", ["riboflavin", "diabetes", "prostate", "california"])
@pytest.mark.parametrize("ratio", [0.1, 0.01])
def test_objective_matches_sklearn_real(dataset, ratio, request):
    X, y = request.getfixturevalue(dataset)
    alpha = ratio * alpha_max(X, y)
    ours = Lasso(alpha=alpha, standardize=False, tol=1e-12).fit(X, y)
    ref = sk_reference(X, y, alpha)
    f_ours = enet_objective(X, y, ours.coef_, ours.intercept_, alpha)
    f_ref = enet_objective(X, y, ref.coef_, ref.intercept_, alpha)
    assert f_ours <= f_ref * (1 + 1e-7)
    assert kkt_violation(X, y, ours.coef_, ours.intercept_, alpha) < 1e-6 * alpha


def test_sparse_reuters_matches_sklearn(reuters_small):
    X, y = reuters_small
    Xd = X.toarray()
    alpha = 0.05 * alpha_max(Xd, y)
    ours = Lasso(alpha=alpha, standardize=False, tol=1e-12).fit(X, y)
    ref = sk_reference(X, y, alpha)
    f_ours = enet_objective(Xd, y, ours.coef_, ours.intercept_, alpha)
    f_ref = enet_objective(Xd, y, ref.coef_, ref.intercept_, alpha)
    assert f_ours <= f_ref * (1 + 1e-7)
    assert kkt_violation(Xd, y, ours.coef_, ours.intercept_, alpha) < 1e-6 * alpha


@pytest.mark.parametrize("l1_ratio", [1.0, 0.3])
def test_standardize_kkt_and_explicit_equivalence(l1_ratio):
    """standardize=True solves the problem on scaled columns, reported on the raw scale."""
    X, y = make_regression(seed=5)
    sw = np.random.default_rng(1).uniform(0.5, 2, X.shape[0])
    s = column_scale(X, sw)
    alpha = 0.05
    # a gap of tol * null objective bounds KKT only by its square root (|violation_j| <~
    # sqrt(2 L_j gap)): ask for a tight gap, and allow what that bound gives (~1e-6 here)
    m = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-14).fit(X, y, sample_weight=sw)
    grad_scale = alpha_max(X, y, sw)  # size of the gradient at w = 0
    viol = kkt_violation(X, y, m.coef_, m.intercept_, alpha, l1_ratio, sw=sw, scale=s)
    assert viol < 1e-7 * grad_scale
    assert viol <= np.sqrt(2 * (s**2).max() * m.dual_gap_) + 1e-12
    n = X.shape[0]
    mu = sw @ X / sw.sum()
    Z = (X - mu) / s  # explicit standardization, then plain problem
    ref = sk_reference(Z, y, alpha, l1_ratio, sw=sw)
    atol = 1e-6 * np.abs(ref.coef_ / s).max()
    if l1_ratio < 1:
        # the ridge part makes the objective (alpha (1 - l1_ratio) min s_j^2)-strongly convex
        # in w, so the certified gap bounds the distance to the optimum
        mu = alpha * (1 - l1_ratio) * (s**2).min()
        atol = max(atol, np.sqrt(2 * m.dual_gap_ / mu))
    np.testing.assert_allclose(m.coef_, ref.coef_ / s, atol=atol)
    assert n == len(y)


def test_penalty_factor_and_bounds_kkt():
    X, y = make_regression(seed=7, p=40)
    p = X.shape[1]
    pf = np.r_[0.0, 0.0, np.linspace(0.5, 2, p - 2)]
    lo = np.full(p, -0.3)
    hi = np.full(p, 0.5)
    alpha = 0.02
    m = Lasso(alpha=alpha, penalty_factor=pf, lower_bounds=lo, upper_bounds=hi,
              standardize=False, tol=1e-12).fit(X, y)
    assert np.all(m.coef_ >= lo - 1e-12) and np.all(m.coef_ <= hi + 1e-12)
    assert np.any(np.isclose(m.coef_, hi)) or np.any(np.isclose(m.coef_, lo))
    assert kkt_violation(X, y, m.coef_, m.intercept_, alpha, pf=pf, lower=lo, upper=hi) < 1e-7


def test_unpenalized_features_are_fitted_exactly():
    X, y = make_regression(seed=8, p=30)
    pf = np.ones(30)
    pf[[3, 11]] = 0.0
    # huge alpha: only the free features move; a tight gap makes them the OLS fit
    m = Lasso(alpha=10.0, penalty_factor=pf, tol=1e-12).fit(X, y)
    assert np.count_nonzero(m.coef_) == 2 and m.coef_[3] != 0 and m.coef_[11] != 0
    ols = np.linalg.lstsq(np.c_[np.ones(len(y)), X[:, [3, 11]]], y, rcond=None)[0]
    np.testing.assert_allclose(m.coef_[[3, 11]], ols[1:], rtol=1e-6)
    assert m.dual_gap_ <= 1e-4 * 0.5 * np.var(y)


def test_positive_matches_sklearn():
    X, y = make_regression(seed=9)
    alpha = 0.05 * alpha_max(X, y)
    m = Lasso(alpha=alpha, positive=True, standardize=False, tol=1e-12).fit(X, y)
    ref = SkElasticNet(alpha=alpha, l1_ratio=1.0, positive=True, tol=1e-14,
                       max_iter=10**6).fit(X, y)
    assert m.coef_.min() >= 0
    f = enet_objective(X, y, m.coef_, m.intercept_, alpha)
    assert f <= enet_objective(X, y, ref.coef_, ref.intercept_, alpha) * (1 + 1e-7)


@pytest.mark.parametrize("fmt", ["csc", "csr", "coo"])
@pytest.mark.parametrize("standardize", [True, False])
def test_dense_equals_sparse(fmt, standardize):
    X, y = make_regression(seed=11)
    X[np.random.default_rng(2).random(X.shape) < 0.6] = 0.0
    sw = np.random.default_rng(3).uniform(0.5, 2, X.shape[0])
    kw = dict(alpha=0.03, l1_ratio=0.7, standardize=standardize, tol=1e-14)
    dense = ElasticNet(**kw).fit(X, y, sample_weight=sw)
    sparse = ElasticNet(**kw).fit(sp.csc_matrix(X).asformat(fmt), y, sample_weight=sw)
    # equal objectives; coefficients as close as the gaps and the strong convexity allow
    s = column_scale(X, sw) if standardize else np.ones(X.shape[1])
    f_d = enet_objective(X, y, dense.coef_, dense.intercept_, 0.03, 0.7, sw=sw, scale=s)
    f_s = enet_objective(X, y, sparse.coef_, sparse.intercept_, 0.03, 0.7, sw=sw, scale=s)
    assert f_s == pytest.approx(f_d, rel=1e-12)
    mu = 0.03 * 0.3 * np.min(s[s > 0] ** 2)
    bound = np.sqrt(2 * (dense.dual_gap_ + sparse.dual_gap_) / mu)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=max(bound, 1e-9))
    x_mean = sw @ X / sw.sum()  # intercept = y_mean - x_mean @ coef
    assert sparse.intercept_ == pytest.approx(dense.intercept_,
                                              abs=max(bound, 1e-9) * np.abs(x_mean).sum())
    pred_tol = max(bound, 1e-9) * np.abs(X - x_mean).sum(axis=1).max()
    np.testing.assert_allclose(sparse.predict(sp.csr_matrix(X)), dense.predict(X), atol=pred_tol)


@pytest.mark.parametrize("sparse_input", [False, True])
def test_float32_close_to_float64(sparse_input):
    X, y = make_regression(seed=12)
    X32 = X.astype(np.float32)
    if sparse_input:
        X32 = sp.csc_matrix(X32)
    m64 = Lasso(alpha=0.05, tol=1e-10).fit(X, y)
    m32 = Lasso(alpha=0.05, tol=1e-5).fit(X32, y.astype(np.float32))
    assert m32.coef_.dtype == np.float32
    scale = np.abs(m64.coef_).max()
    np.testing.assert_allclose(m32.coef_, m64.coef_, atol=2e-3 * scale)
    f64 = enet_objective(X, y, m64.coef_, m64.intercept_, 0.05, scale=column_scale(X))
    f32 = enet_objective(X, y, m32.coef_.astype(float), m32.intercept_, 0.05,
                         scale=column_scale(X))
    assert f32 <= f64 * (1 + 1e-4)


@pytest.mark.parametrize("solver", ["fista", "ista"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_gradient_solvers_agree_with_cd(solver, l1_ratio):
    X, y = make_regression(seed=13, n=50, p=30, rho=0.2)
    kw = dict(alpha=0.1, l1_ratio=l1_ratio, tol=1e-10, max_iter=200_000)
    cd = ElasticNet(**kw).fit(X, y)
    other = ElasticNet(solver=solver, **kw).fit(X, y)
    s = column_scale(X)
    f_cd = enet_objective(X, y, cd.coef_, cd.intercept_, 0.1, l1_ratio, scale=s)
    f_other = enet_objective(X, y, other.coef_, other.intercept_, 0.1, l1_ratio, scale=s)
    assert f_other == pytest.approx(f_cd, rel=1e-8)
    np.testing.assert_allclose(other.coef_, cd.coef_, atol=1e-4 * np.abs(cd.coef_).max())


def test_subgradient_is_honest():
    """Subgradient gets close, and the gap it reports bounds its true suboptimality."""
    X, y = make_regression(seed=14, n=50, p=30, rho=0.2)
    cd = Lasso(alpha=0.1, tol=1e-12).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="gap"):
        sg = Lasso(alpha=0.1, solver="subgradient", max_iter=3000, tol=1e-10).fit(X, y)
    s = column_scale(X)
    f_cd = enet_objective(X, y, cd.coef_, cd.intercept_, 0.1, scale=s)
    f_sg = enet_objective(X, y, sg.coef_, sg.intercept_, 0.1, scale=s)
    assert f_cd <= f_sg <= f_cd * 1.02
    assert f_sg - f_cd <= sg.dual_gap_ * (1 + 1e-9)


def test_constant_and_zero_columns_get_zero_weight():
    X, y = make_regression(seed=15, p=20)
    X[:, 4] = 3.0
    X[:, 9] = 0.0
    m = Lasso(alpha=0.01, tol=1e-10).fit(X, y)
    assert m.coef_[4] == 0.0 and m.coef_[9] == 0.0
    assert np.all(np.isfinite(m.coef_))
    keep = np.setdiff1d(np.arange(20), [4, 9])
    ref = Lasso(alpha=0.01, tol=1e-10).fit(X[:, keep], y)
    np.testing.assert_allclose(m.coef_[keep], ref.coef_, atol=1e-9)


def test_not_converged_warns_with_gap():
    X, y = make_regression(seed=16, n=40, p=200)
    with pytest.warns(ConvergenceWarning, match=r"gap \d"):
        Lasso(alpha=0.001, max_iter=2, tol=1e-12).fit(X, y)


def test_warm_start_reuses_solution():
    X, y = make_regression(seed=17)
    m = Lasso(alpha=0.02, tol=1e-10, warm_start=True).fit(X, y)
    first = m.n_iter_
    m.fit(X, y)
    assert m.n_iter_ < first
    assert kkt_violation(X, y, m.coef_, m.intercept_, 0.02, scale=column_scale(X)) < 1e-7


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(2, 25), p=st.integers(1, 40), seed=st.integers(0, 2**31 - 1),
    ratio=st.floats(0.01, 1.2), l1_ratio=st.sampled_from([1.0, 0.6, 0.1]),
    fit_intercept=st.booleans(), standardize=st.booleans(), sparse_in=st.booleans(),
)
def test_hypothesis_kkt(n, p, seed, ratio, l1_ratio, fit_intercept, standardize, sparse_in):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.1, 10, p)
    X[rng.random((n, p)) < 0.3] = 0.0
    y = rng.standard_normal(n) * 3 + 1
    if fit_intercept and np.ptp(y) == 0:
        return
    s = column_scale(X) if standardize else np.ones(p)
    alpha = max(ratio * alpha_max(X, y), 1e-3) if fit_intercept else 0.1
    m = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                   standardize=standardize, tol=1e-12, max_iter=100_000)
    m.fit(sp.csc_matrix(X) if sparse_in else X, y)
    viol = kkt_violation(X, y, m.coef_, m.intercept_, alpha, l1_ratio, scale=s,
                         fit_intercept=fit_intercept)
    assert viol <= 1e-5 * max(1.0, np.abs(X.T @ y).max() / n)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.4])
def test_tall_data_gram_path_with_weights_bounds_and_factors(l1_ratio):
    """n >> p runs the inner loop on the working set's Gram matrix: same optimality proof."""
    X, y = make_regression(n=400, p=12, k=5, seed=21)
    rng = np.random.default_rng(4)
    sw = rng.uniform(0.2, 3.0, X.shape[0])
    pf = np.r_[0.0, rng.uniform(0.5, 2.0, 11)]
    lo, hi = np.full(12, -0.5), np.full(12, 2.0)
    kw = dict(alpha=0.05, l1_ratio=l1_ratio, penalty_factor=pf, lower_bounds=lo,
              upper_bounds=hi, tol=1e-14)
    m = ElasticNet(**kw).fit(X, y, sample_weight=sw)
    s = column_scale(X, sw)
    viol = kkt_violation(X, y, m.coef_, m.intercept_, 0.05, l1_ratio, pf=pf, sw=sw, scale=s,
                         lower=lo, upper=hi)
    assert viol < 1e-8 * alpha_max(X, y, sw)
    assert np.any(m.coef_ == hi) or np.any(m.coef_ == lo)  # a bound is active
    sparse = ElasticNet(**kw).fit(sp.csc_matrix(X), y, sample_weight=sw)  # residual CD
    f = enet_objective(X, y, m.coef_, m.intercept_, 0.05, l1_ratio, pf=pf, sw=sw, scale=s)
    f_sp = enet_objective(X, y, sparse.coef_, sparse.intercept_, 0.05, l1_ratio, pf=pf, sw=sw,
                          scale=s)
    assert f == pytest.approx(f_sp, rel=1e-12)
