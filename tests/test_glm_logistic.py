"""Sparse logistic regression reaches the optimum: scikit-learn, independent KKT, certificates."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning as SkConvergenceWarning
from sklearn.linear_model import LogisticRegression

from _glm_kkt import column_scale, glm_kkt, glm_objective
from conftest import load_shared
from sparsefit import ConvergenceWarning
from sparsefit.linear_model import SparseLogisticRegression, glm_alpha_max


def make_classification(n=120, p=40, k=5, seed=0, scale=True):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X[:, 1:] = 0.5 * X[:, :-1] + np.sqrt(0.75) * X[:, 1:]  # correlated neighbours
    if scale:
        X = X * rng.uniform(0.3, 3.0, p) + rng.uniform(-1, 1, p)
    w = np.zeros(p)
    w[rng.choice(p, k, replace=False)] = rng.choice([-1.5, 1.0, 2.0], k)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w - 0.3)))).astype(float)
    return X, y


def sk_fit(X, y, alpha, solver, fit_intercept):
    C = 1.0 / (X.shape[0] * alpha)  # mean loss + alpha |w|  <=>  |w| + C * sum loss
    m = LogisticRegression(l1_ratio=1.0, C=C, solver=solver, fit_intercept=fit_intercept,
                           tol=1e-12, max_iter=100_000, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkConvergenceWarning)
        m.fit(X, y)
    return m


@pytest.mark.parametrize("dataset", ["synthetic", "saheart"])
@pytest.mark.parametrize("ratio", [0.5, 0.1, 0.01])
def test_objective_matches_liblinear_no_intercept(dataset, ratio):
    """liblinear penalizes its intercept, so the exact comparison is without one."""
    if dataset == "saheart":
        d = load_shared("esl_saheart.npz")
        X, y = d["X"], d["y"]
    else:
        X, y = make_classification(seed=1)
    amax = glm_alpha_max(X, y, "binomial", fit_intercept=False, standardize=False)
    alpha = ratio * amax
    ours = SparseLogisticRegression(alpha=alpha, fit_intercept=False, standardize=False,
                                    tol=1e-12).fit(X, y)
    ref = sk_fit(X, y, alpha, "liblinear", False)
    f = glm_objective(X, y, ours.coef_, 0.0, alpha, "binomial")
    f_ref = glm_objective(X, y, ref.coef_, 0.0, alpha, "binomial")
    assert f <= f_ref * (1 + 1e-9)
    assert f_ref - f <= 1e-5 * f_ref  # liblinear is close: both solve the same problem
    assert f - min(f, f_ref) <= ours.dual_gap_ + 1e-14
    assert glm_kkt(X, y, ours.coef_, 0.0, alpha, "binomial", fit_intercept=False) < 1e-6 * amax


@pytest.mark.parametrize("ratio", [0.3, 0.05])
def test_objective_matches_saga_with_intercept(ratio):
    X, y = make_classification(seed=2, scale=False)
    alpha = ratio * glm_alpha_max(X, y, "binomial", standardize=False)
    ours = SparseLogisticRegression(alpha=alpha, standardize=False, tol=1e-12).fit(X, y)
    ref = sk_fit(X, y, alpha, "saga", True)
    f = glm_objective(X, y, ours.coef_, ours.intercept_, alpha, "binomial")
    f_ref = glm_objective(X, y, ref.coef_, ref.intercept_, alpha, "binomial")
    assert f <= f_ref * (1 + 1e-9)
    assert f == pytest.approx(f_ref, rel=1e-6)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-3 * np.abs(ref.coef_).max())


def test_kkt_standardize_weights_pf_bounds_enet():
    X, y = make_classification(seed=3)
    p = X.shape[1]
    rng = np.random.default_rng(0)
    sw = rng.uniform(0.2, 3.0, X.shape[0])
    pf = np.r_[0.0, np.linspace(0.5, 2.0, p - 1)]
    lo, hi = np.full(p, -0.4), np.full(p, 0.6)
    alpha = 0.02
    m = SparseLogisticRegression(alpha=alpha, l1_ratio=0.6, penalty_factor=pf, lower_bounds=lo,
                                 upper_bounds=hi, tol=1e-12).fit(X, y, sample_weight=sw)
    s = column_scale(X, sw)
    assert np.all(m.coef_ >= lo - 1e-12) and np.all(m.coef_ <= hi + 1e-12)
    assert np.any(np.isclose(m.coef_, hi)) or np.any(np.isclose(m.coef_, lo))
    viol = glm_kkt(X, y, m.coef_, m.intercept_, alpha, "binomial", 0.6, pf=pf, sw=sw, scale=s,
                   lower=lo, upper=hi)
    assert viol < 1e-7
    assert m.kkt_violation_ == pytest.approx(viol, abs=1e-8)


def test_weights_equal_repetition():
    X, y = make_classification(seed=4, n=60)
    reps = np.random.default_rng(1).integers(0, 4, X.shape[0])
    a = SparseLogisticRegression(alpha=0.01, tol=1e-12).fit(X, y, sample_weight=reps)
    b = SparseLogisticRegression(alpha=0.01, tol=1e-12).fit(np.repeat(X, reps, 0),
                                                           np.repeat(y, reps))
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-7)
    assert a.intercept_[0] == pytest.approx(b.intercept_[0], abs=1e-7)


@pytest.mark.parametrize("standardize", [True, False])
def test_dense_equals_sparse_reuters(reuters_small, standardize):
    X, y = reuters_small
    Xd = X.toarray()
    alpha = 0.05 * glm_alpha_max(X, y, "binomial", standardize=standardize)
    sparse = SparseLogisticRegression(alpha=alpha, standardize=standardize, tol=1e-10).fit(X, y)
    dense = SparseLogisticRegression(alpha=alpha, standardize=standardize, tol=1e-10).fit(Xd, y)
    scale = np.abs(dense.coef_).max()
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-6 * scale)
    s = column_scale(Xd) if standardize else None
    viol = glm_kkt(Xd, y, sparse.coef_, sparse.intercept_, alpha, "binomial", scale=s)
    assert viol < 1e-5 * alpha
    np.testing.assert_allclose(sparse.predict_proba(sp.csr_matrix(Xd)), dense.predict_proba(Xd),
                               atol=1e-7)


@pytest.mark.parametrize("sparse_input", [False, True])
def test_float32_close_to_float64(sparse_input):
    X, y = make_classification(seed=5)
    X32 = X.astype(np.float32)
    if sparse_input:
        X32 = sp.csc_matrix(X32)
    m64 = SparseLogisticRegression(alpha=0.02, tol=1e-10).fit(X, y)
    m32 = SparseLogisticRegression(alpha=0.02, tol=1e-6).fit(X32, y)
    assert m32.coef_.dtype == np.float32
    np.testing.assert_allclose(m32.coef_, m64.coef_, atol=1e-3 * np.abs(m64.coef_).max())
    s = column_scale(X)
    f64 = glm_objective(X, y, m64.coef_, m64.intercept_, 0.02, "binomial", scale=s)
    f32 = glm_objective(X, y, m32.coef_.astype(float), m32.intercept_, 0.02, "binomial", scale=s)
    assert f32 <= f64 * (1 + 1e-5)


def test_offset_is_a_known_part_of_the_predictor():
    X, y = make_classification(seed=6)
    off = 0.7 * X[:, 0]
    m = SparseLogisticRegression(alpha=0.01, tol=1e-12).fit(X, y, offset=off)
    s = column_scale(X)
    assert glm_kkt(X, y, m.coef_, m.intercept_, 0.01, "binomial", scale=s, offset=off) < 1e-7
    p = m.predict_proba(X, offset=off)[:, 1]
    eta = X @ m.coef_[0] + m.intercept_[0] + off
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-eta)), rtol=1e-10)
    with pytest.raises(ValueError, match="offset has shape"):
        SparseLogisticRegression(alpha=0.01).fit(X, y, offset=off[:-1])


def test_separable_data_finite_and_warns():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((40, 5))
    y = (X[:, 0] > 0).astype(int)  # perfectly separable
    amax = glm_alpha_max(X, y, "binomial")
    m = SparseLogisticRegression(alpha=0.1 * amax, tol=1e-10).fit(X, y)  # moderate: no warning
    assert np.all(np.isfinite(m.coef_))
    with pytest.warns(UserWarning, match="separable"):
        tiny = SparseLogisticRegression(alpha=1e-6 * amax, tol=1e-8).fit(X, y)
    assert np.all(np.isfinite(tiny.coef_)) and np.isfinite(tiny.intercept_).all()
    # alpha > 0: a finite optimum exists and is certified
    assert tiny.stop_crit_ <= 1e-8 * np.log(2) * 1.01
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        zero = SparseLogisticRegression(alpha=0.0, max_iter=30).fit(X, y)  # no optimum
    assert np.all(np.isfinite(zero.coef_)) and np.all(np.isfinite(zero.predict_proba(X)))


def test_not_converged_warns_with_criterion():
    X, y = make_classification(seed=8, p=200)
    with pytest.warns(ConvergenceWarning, match=r"gap \d"):
        SparseLogisticRegression(alpha=1e-3, max_iter=1, tol=1e-12).fit(X, y)


def test_warm_start_and_predictions():
    X, y = make_classification(seed=9)
    labels = np.array(["neg", "pos"])[y.astype(int)]
    m = SparseLogisticRegression(alpha=0.01, tol=1e-10, warm_start=True).fit(X, labels)
    first = m.n_iter_
    m.fit(X, labels)
    assert m.n_iter_ < first
    assert list(m.classes_) == ["neg", "pos"]
    assert m.coef_.shape == (1, X.shape[1]) and m.intercept_.shape == (1,)
    P = m.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    d = m.decision_function(X)
    np.testing.assert_array_equal(m.predict(X), np.where(d > 0, "pos", "neg"))
    np.testing.assert_allclose(P[:, 1], 1 / (1 + np.exp(-d)))


def test_alpha_max_zeroes_everything_and_unpenalized_features():
    X, y = make_classification(seed=10)
    amax = glm_alpha_max(X, y, "binomial")
    assert np.all(SparseLogisticRegression(alpha=amax * (1 + 1e-9)).fit(X, y).coef_ == 0)
    assert np.any(SparseLogisticRegression(alpha=amax * 0.99, tol=1e-10).fit(X, y).coef_ != 0)
    pf = np.ones(X.shape[1])
    pf[[2, 5]] = 0
    amax_pf = glm_alpha_max(X, y, "binomial", penalty_factor=pf)
    m = SparseLogisticRegression(alpha=amax_pf * (1 + 1e-9), penalty_factor=pf,
                                 tol=1e-12).fit(X, y)
    assert set(np.flatnonzero(m.coef_[0])) <= {2, 5}
    assert glm_kkt(X, y, m.coef_, m.intercept_, amax_pf, "binomial", pf=pf,
                   scale=column_scale(X)) < 1e-7
    assert np.isnan(m.dual_gap_)  # unpenalized features: the certificate is the KKT violation
