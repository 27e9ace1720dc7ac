"""Regularization paths: agreement with R glmnet 4.1.6, events, early stopping, coef_at, errors."""

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import sparsefit
from conftest import DATA, column_scale, enet_objective, kkt_violation, make_regression
from sparsefit import ConvergenceWarning, ElasticNet, Lasso, PathResult, alpha_grid
from sparsefit.path import path

REF = Path(__file__).resolve().parent / "reference"
sys.path.insert(0, str(REF))
from make_glmnet_refs import load_case_data  # noqa: E402

GAUSSIAN_CASES = [
    "diabetes_lasso_std", "diabetes_lasso_nostd", "prostate_lasso_std", "prostate_lasso_pf",
    "prostate_lasso_weights", "prostate_lasso_bounds", "prostate_lasso_nointercept",
    "prostate_enet_stdy", "prostate_enet_stdy_nostd", "riboflavin_lasso", "quickstart_lasso",
]


def load_ref(case):
    ref = dict(np.load(REF / f"glmnet_{case}.npz", allow_pickle=False))
    if not (DATA / str(ref["dataset"])).exists():
        pytest.skip(f"shared dataset {ref['dataset']} is not available")
    X, y = load_case_data(ref, DATA)
    p = X.shape[1]
    pf = ref["penalty_factor"]
    kw = dict(
        l1_ratio=float(ref["alpha"]), sample_weight=ref["weights"],
        fit_intercept=bool(ref["intercept"]), standardize=bool(ref["standardize"]),
        penalty_factor=pf * p / pf.sum(),  # glmnet rescales penalty factors to sum to p
        lower_bounds=ref["lower"], upper_bounds=ref["upper"],
    )
    return ref, X, y, kw


@pytest.mark.parametrize("case", GAUSSIAN_CASES)
def test_path_matches_glmnet(case):
    """Same lambda grid -> glmnet's thresh=1e-22 coefficients, intercepts, %Dev and supports."""
    ref, X, y, kw = load_ref(case)
    # the elastic-net gap bounds the coefficient error less tightly: ask for a smaller gap
    tol = 1e-14 if kw["l1_ratio"] < 1 else 1e-12
    res = path(X, y, alphas=ref["lambda"], tol=tol, **kw)
    assert isinstance(res, PathResult)
    assert res.converged.all()
    np.testing.assert_array_equal(res.alphas, ref["lambda"])
    B, Bt = res.coefs_dense(), ref["beta_tight"]
    big = np.abs(Bt).max()
    col_max = np.abs(Bt).max(axis=0)
    err = np.abs(B - Bt).max(axis=0)
    assert np.all(err <= 1e-6 * col_max + 1e-12 * big), np.max(err / np.maximum(col_max, 1e-300))
    sd_y = np.std(y)
    np.testing.assert_allclose(res.intercepts, ref["a0_tight"], rtol=0, atol=1e-6 * sd_y)
    # %Dev moves to first order with the coefficients (error ~ sqrt of the gap), not the gap
    np.testing.assert_allclose(res.deviance_ratio, ref["dev_ratio_tight"], rtol=0, atol=1e-7)
    # at alpha_max exactly (lambda[0]) both solvers may leave a round-off-sized coefficient
    # (glmnet: README item 6; ours: 1.5e-16 in prostate_lasso_pf), so supports are compared
    # with a tolerance, and df (exact nonzeros) away from lambda[0]
    support_ref = np.abs(Bt) > 1e-9 * big
    np.testing.assert_array_equal(np.abs(B) > 1e-9 * big, support_ref)
    np.testing.assert_array_equal(res.df[1:], support_ref.sum(axis=0)[1:])
    # the solution is optimal by an independent KKT check too (original-scale objective)
    scale = column_scale(X, kw["sample_weight"]) if kw["standardize"] else None
    for k in (1, res.n_alphas // 2, res.n_alphas - 1):
        v = kkt_violation(X, y, B[:, k], res.intercepts[k], res.alphas[k], kw["l1_ratio"],
                          pf=kw["penalty_factor"], sw=kw["sample_weight"], scale=scale,
                          lower=kw["lower_bounds"], upper=kw["upper_bounds"],
                          fit_intercept=kw["fit_intercept"])
        assert v <= 1e-5 * res.alphas[k] * (1 if scale is None else scale.max())


@pytest.mark.parametrize("case", GAUSSIAN_CASES)
def test_automatic_grid_and_early_stop_match_glmnet(case):
    """alpha_max, the geometric grid and glmnet's early stop give glmnet's exact lambda sequence."""
    ref, X, y, kw = load_ref(case)
    res = path(X, y, **kw)  # default tol: the stop decision is confirmed on refined solutions
    # every solution certified, including those warm-started after an early-stop refinement
    assert res.converged.all(), np.flatnonzero(~res.converged)
    lam = ref["lambda"]
    assert res.n_alphas == lam.size
    np.testing.assert_allclose(res.alphas, lam, rtol=1e-12)
    assert res.n_alphas_requested == 100
    assert (res.stop_reason is None) == (lam.size == 100)
    grid = alpha_grid(X, y, **kw)
    np.testing.assert_allclose(grid[: lam.size], lam, rtol=1e-12)
    assert grid.size == 100


def test_user_alphas_are_never_dropped_by_early_stop(prostate):
    X, y = prostate
    auto = path(X, y)
    assert auto.stop_reason is not None and auto.n_alphas < 100
    assert f"Stopped after {auto.n_alphas} of 100 alphas" in auto.summary()
    # a user grid reaching far past the point where the automatic grid stopped
    user = np.geomspace(auto.alphas[0], auto.alphas[0] * 1e-6, 100)
    res = path(X, y, alphas=user, early_stop=True)
    assert res.n_alphas == 100 and res.stop_reason is None
    np.testing.assert_array_equal(res.alphas, user)
    full = path(X, y, early_stop=False)
    assert full.n_alphas == 100 and full.stop_reason is None
    np.testing.assert_allclose(full.alphas[: auto.n_alphas], auto.alphas, rtol=1e-14)


def _support_from_events(events, p, m):
    nz = np.zeros((p, m), dtype=bool)
    state = np.zeros(p, dtype=bool)
    k_prev = 0
    for k in range(m):
        sel = events.alpha_index == k
        state = state.copy()
        state[events.feature[sel & events.entering]] = True
        state[events.feature[sel & ~events.entering]] = False
        nz[:, k] = state
        k_prev = k
    assert k_prev == m - 1
    return nz


@pytest.mark.parametrize("storage", ["dense", "sparse"])
def test_events_of_a_wide_path_skip_features_never_active(storage):
    """Most features of a wide problem never enter: events are computed on the others
    only, and must still be exactly the support's changes."""
    X, y = make_regression(n=40, p=300, k=4, seed=3)
    res = path(X, y, n_alphas=30, eps=0.05, early_stop=False, coef_storage=storage)
    B = res.coefs_dense()
    assert 0 < np.any(B != 0, axis=1).sum() < 150
    np.testing.assert_array_equal(_support_from_events(res.events, 300, res.n_alphas), B != 0)


@pytest.mark.parametrize("storage", ["dense", "sparse"])
def test_events_agree_with_coefficients(diabetes, storage):
    X, y = diabetes
    res = path(X, y, standardize=False, early_stop=False, coef_storage=storage)
    assert sp.issparse(res.coefs) == (storage == "sparse")
    B = res.coefs_dense()
    ev = res.events
    np.testing.assert_array_equal(_support_from_events(ev, B.shape[0], res.n_alphas), B != 0)
    assert np.any(~ev.entering), "the diabetes lasso path has a variable leaving; test it"
    np.testing.assert_array_equal(ev.alpha, res.alphas[ev.alpha_index])
    # every event flips the support exactly at its alpha
    for f, k, e in zip(ev.feature, ev.alpha_index, ev.entering, strict=True):
        assert (B[f, k] != 0) == e
        assert (k > 0 and (B[f, k - 1] != 0) != e) or (k == 0 and e)
    first = ev.first_entry(B.shape[0])
    for j in range(B.shape[0]):
        ks = np.flatnonzero(B[j] != 0)
        assert (np.isnan(first[j]) and ks.size == 0) or first[j] == res.alphas[ks[0]]
        kinds = [kind for kind, _ in ev.for_feature(j)]
        assert kinds == ["enter", "exit"] * (len(kinds) // 2) + ["enter"] * (len(kinds) % 2)


def test_unpenalized_feature_enters_at_alpha_max(prostate):
    X, y = prostate
    pf = np.ones(X.shape[1])
    pf[0] = 0
    res = path(X, y, penalty_factor=pf, n_alphas=10)
    assert res.events.for_feature(0)[0] == ("enter", res.alphas[0])
    assert res.df[0] == 1
    # just below alpha_max some penalized feature moves
    below = path(X, y, penalty_factor=pf, alphas=[res.alphas[0] * 0.999])
    assert below.df[0] == 2


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
def test_alpha_max_is_the_smallest_all_zero_alpha(l1_ratio):
    X, y = make_regression(seed=4)
    grid = alpha_grid(X, y, l1_ratio=l1_ratio, n_alphas=3, standardize=False)
    res = path(X, y, l1_ratio=l1_ratio, alphas=[grid[0], grid[0] * 0.99],
               standardize=False, tol=1e-12)
    rho = max(l1_ratio, 1e-3)  # glmnet's convention for alpha_max
    Xc, yc = X - X.mean(0), y - y.mean()
    np.testing.assert_allclose(grid[0], np.max(np.abs(Xc.T @ yc)) / len(y) / rho, rtol=1e-12)
    if l1_ratio > 0:
        assert res.df[0] == 0 and res.df[1] >= 1
    else:  # ridge never zeroes a coefficient: the grid only starts where glmnet's does
        assert res.df[0] == X.shape[1]


def test_grid_defaults_follow_glmnet():
    X, y = make_regression(n=60, p=20, seed=1)  # n > p: eps = 1e-4
    g = alpha_grid(X, y)
    np.testing.assert_allclose(g[-1] / g[0], 1e-4)
    np.testing.assert_allclose(np.diff(np.log(g)), np.log(1e-4) / 99)
    X, y = make_regression(n=30, p=50, seed=1)  # n <= p: eps = 1e-2
    np.testing.assert_allclose(alpha_grid(X, y, n_alphas=5)[-1] / alpha_grid(X, y)[0], 1e-2)
    assert alpha_grid(X, y, n_alphas=1).shape == (1,)


def test_coef_at_is_an_exact_refit(diabetes):
    X, y = diabetes
    res = path(X, y, n_alphas=20, tol=1e-10, early_stop=False)
    # on the grid: the stored solution
    np.testing.assert_array_equal(res.coef_at(res.alphas[7]), res.coefs[:, 7])
    # between grid points: the optimum at that alpha, not an interpolation
    a = np.sqrt(res.alphas[7] * res.alphas[8]) * 1.1
    pt = res.fit_at(a)
    assert pt.converged and pt.alpha == a
    est = Lasso(alpha=a, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(pt.coef, est.coef_, rtol=1e-6, atol=1e-6 * np.abs(est.coef_).max())
    np.testing.assert_allclose(pt.intercept, est.intercept_, rtol=1e-8)
    s = column_scale(X)
    assert kkt_violation(X, y, pt.coef, pt.intercept, a, scale=s) <= 1e-5 * a * s.max()
    # and it beats linear interpolation of the neighbours in the objective
    t = (np.log(res.alphas[7]) - np.log(a)) / (np.log(res.alphas[7]) - np.log(res.alphas[8]))
    w_lin = (1 - t) * res.coefs[:, 7] + t * res.coefs[:, 8]
    b_lin = (1 - t) * res.intercepts[7] + t * res.intercepts[8]
    assert (enet_objective(X, y, pt.coef, pt.intercept, a, scale=s)
            <= enet_objective(X, y, w_lin, b_lin, a, scale=s))


def test_path_matches_estimators_and_sparse_input():
    X, y = make_regression(n=50, p=80, seed=2)
    res = path(X, y, l1_ratio=0.7, n_alphas=8, tol=1e-12)
    for k in (2, 5, 7):
        a = res.alphas[k]
        est = ElasticNet(alpha=a, l1_ratio=0.7, tol=1e-12).fit(X, y)
        s = column_scale(X)
        f_path = enet_objective(X, y, res.coefs[:, k], res.intercepts[k], a, 0.7, scale=s)
        f_est = enet_objective(X, y, est.coef_, est.intercept_, a, 0.7, scale=s)
        assert abs(f_path - f_est) <= 1e-10 * f_est
        np.testing.assert_allclose(res.coefs[:, k], est.coef_, atol=1e-4)
    Xs = sp.csr_matrix(np.where(np.abs(X) > 2, X, 0.0))
    dense = path(Xs.toarray(), y, n_alphas=8, tol=1e-12)
    sparse = path(Xs, y, n_alphas=8, tol=1e-12, coef_storage="sparse")
    np.testing.assert_allclose(sparse.alphas, dense.alphas, rtol=1e-12)
    np.testing.assert_allclose(sparse.coefs_dense(), dense.coefs, atol=1e-8)
    np.testing.assert_allclose(sparse.predict(Xs), dense.predict(Xs.toarray()), atol=1e-7)


def test_sparse_storage_rule_and_float32():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 5001))
    y = X[:, 0] + 0.1 * rng.standard_normal(20)
    res = path(X, y, n_alphas=5)
    assert sp.isspmatrix_csc(res.coefs) and res.coefs.shape == (5001, 5)
    res32 = path(X[:, :50].astype(np.float32), y.astype(np.float32), n_alphas=5)
    assert isinstance(res32.coefs, np.ndarray) and res32.coefs.dtype == np.float32
    res64 = path(X[:, :50], y, n_alphas=5)
    np.testing.assert_allclose(res32.coefs, res64.coefs, atol=1e-3)


def test_summary_and_repr(prostate):
    X, y = prostate
    res = path(X, y)
    text = str(res)
    assert text == res.summary()
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if "Df" in line)
    assert lines[header].split() == ["Df", "%Dev", "Alpha"]
    rows = lines[header + 1: header + 1 + res.n_alphas]
    first = rows[0].split()
    assert first[:3] == ["1", "0", "0.00"] and float(first[3]) == pytest.approx(res.alphas[0],
                                                                                 rel=1e-3)
    last = rows[-1].split()
    assert int(last[1]) == res.df[-1]
    assert float(last[2]) == pytest.approx(100 * res.deviance_ratio[-1], abs=0.006)
    assert "PathResult(n_alphas=" in repr(res)


def test_feature_names_are_kept(prostate):
    pd = pytest.importorskip("pandas")
    X, y = prostate
    df = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    res = path(df, y, n_alphas=5)
    assert list(res.feature_names) == list(df.columns)


def test_non_convergence_warns_once_and_flags():
    X, y = make_regression(seed=5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = path(X, y, n_alphas=10, max_iter=1, tol=1e-12, early_stop=False)
    conv = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(conv) == 1 and "PathResult.converged" in str(conv[0].message)
    assert not res.converged.all()
    assert "did not reach the tolerance" in res.summary()


def test_user_alphas_are_sorted_decreasing():
    X, y = make_regression(seed=6)
    a = [0.01, 1.0, 0.1]
    res = path(X, y, alphas=a)
    np.testing.assert_array_equal(res.alphas, [1.0, 0.1, 0.01])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(alphas=[1.0, -0.1]), "alphas must be > 0"),
        (dict(alphas=[1.0, 0.0]), "alphas must be > 0"),
        (dict(alphas=[1.0, np.nan]), "NaN or inf"),
        (dict(alphas=[]), "non-empty"),
        (dict(alphas=[[1.0, 0.5]]), "1-d"),
        (dict(n_alphas=0), "n_alphas must be an integer >= 1"),
        (dict(n_alphas=2.5), "n_alphas must be an integer"),
        (dict(eps=0.0), "eps must be > 0"),
        (dict(eps=2.0), "eps must be <= 1"),
        (dict(l1_ratio=1.5), "l1_ratio must be <= 1"),
        (dict(coef_storage="csr"), "coef_storage"),
        (dict(penalty_factor=0.0), "Every feature is unpenalized"),
        (dict(tol=0.0), "tol must be > 0"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(kwargs, match):
    X, y = make_regression(n=20, p=8, k=3, seed=0)
    with pytest.raises((ValueError, TypeError), match=match):
        path(X, y, **kwargs)


def test_top_level_exports():
    assert sparsefit.path is path
    for name in ("path", "PathResult", "alpha_grid", "LassoCV", "ElasticNetCV",
                 "cross_validate_path", "CVResult"):
        assert name in sparsefit.__all__
