"""Cross-validation: glmnet's cv.glmnet, scikit-learn's LassoCV, the 1-SE rule, folds, errors."""

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNetCV as SkElasticNetCV
from sklearn.linear_model import LassoCV as SkLassoCV
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import GroupKFold, KFold
from sklearn.utils.estimator_checks import parametrize_with_checks

from conftest import DATA, make_regression
from sparsefit import ElasticNetCV, Lasso, LassoCV, cross_validate_path
from sparsefit.model_selection import make_folds

REF = Path(__file__).resolve().parent / "reference"
sys.path.insert(0, str(REF))
from make_glmnet_refs import load_case_data  # noqa: E402


def load_cv_ref(case):
    ref = dict(np.load(REF / f"glmnet_{case}.npz", allow_pickle=False))
    if not (DATA / str(ref["dataset"])).exists():
        pytest.skip(f"shared dataset {ref['dataset']} is not available")
    X, y = load_case_data(ref, DATA)
    return ref, X, y


# The stored cvm comes from fold fits at glmnet's thresh=1e-14, whose coefficients are only
# ~1e-4 accurate (reference README, "Accuracy"); rerunning cv.glmnet with thresh=1e-22 on
# prostate_cv agreed with ours to 8e-11 (measured by hand, R not needed here).  Hence rtol.
@pytest.mark.parametrize("case, rtol", [("prostate_cv", 2e-3), ("riboflavin_cv", 2e-4)])
def test_cv_matches_cv_glmnet(case, rtol):
    ref, X, y = load_cv_ref(case)
    res = cross_validate_path(X, y, alphas=ref["cv_lambda"], cv=ref["foldid"], tol=1e-10)
    np.testing.assert_array_equal(res.alphas, ref["cv_lambda"])
    np.testing.assert_allclose(res.mean, ref["cvm"], rtol=rtol)
    np.testing.assert_allclose(res.std_error, ref["cvsd"], rtol=5 * rtol)
    np.testing.assert_allclose(res.upper, ref["cvup"], rtol=rtol)
    np.testing.assert_array_equal(res.n_nonzero, ref["nzero"])
    assert res.alpha_min == ref["lambda_min"]
    assert res.alpha_1se == ref["lambda_1se"]
    np.testing.assert_array_equal([res.index_min, res.index_1se], ref["index_min_1se"])


def test_lasso_cv_estimator_matches_cv_glmnet_with_its_own_grid():
    """prostate_cv let glmnet choose the grid (early stop included): so do we."""
    ref, X, y = load_cv_ref("prostate_cv")
    m = LassoCV(cv=ref["foldid"], tol=1e-10).fit(X, y)
    np.testing.assert_allclose(m.alphas_, ref["cv_lambda"], rtol=1e-12)
    np.testing.assert_allclose(m.alpha_min_, ref["lambda_min"], rtol=1e-12)
    np.testing.assert_allclose(m.alpha_1se_, ref["lambda_1se"], rtol=1e-12)
    assert m.alpha_ == m.alpha_min_
    m1 = LassoCV(cv=ref["foldid"], tol=1e-10, selection="1se").fit(X, y)
    assert m1.alpha_ == m1.alpha_1se_
    assert np.count_nonzero(m1.coef_) <= np.count_nonzero(m.coef_)
    k = int(np.flatnonzero(m.alphas_ == m.alpha_)[0])
    np.testing.assert_allclose(m.coef_, ref["beta_tight"][:, k], atol=1e-6)
    np.testing.assert_allclose(m.intercept_, ref["a0_tight"][k], atol=1e-6)


def _grid(X, y, n=30, eps=1e-3):
    Xc, yc = X - X.mean(0), y - y.mean()
    amax = np.max(np.abs(Xc.T @ yc)) / len(y)
    return np.geomspace(amax, eps * amax, n)


@pytest.mark.parametrize("dataset", ["diabetes", "synthetic"])
def test_same_alpha_as_sklearn_lasso_cv(dataset, request):
    if dataset == "synthetic":
        X, y = make_regression(n=100, p=60, k=8, seed=7)  # 5 equal folds of 20
    else:
        X, y = request.getfixturevalue(dataset)  # 442 rows: folds of 89, 89, 88, 88, 88
    alphas = _grid(X, y)
    cv = KFold(5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SkLassoCV(alphas=alphas, cv=cv, tol=1e-10, max_iter=100_000).fit(X, y)
    ours = LassoCV(alphas=alphas, cv=cv, standardize=False, tol=1e-10).fit(X, y)
    assert ours.alpha_ == sk.alpha_
    np.testing.assert_array_equal(ours.alphas_, sk.alphas_)
    np.testing.assert_allclose(ours.mse_path_, sk.mse_path_, rtol=1e-6)
    np.testing.assert_allclose(ours.coef_, sk.coef_, atol=1e-6 * np.abs(sk.coef_).max())
    # our mean weights folds by size (glmnet); scikit-learn averages folds equally
    sizes = np.array([te.size for _, te in cv.split(X)])
    np.testing.assert_allclose(ours.cv_results_["mean"], sk.mse_path_ @ sizes / sizes.sum(),
                               rtol=1e-6)


def test_same_choice_as_sklearn_elastic_net_cv():
    X, y = make_regression(n=100, p=60, k=8, seed=8)
    alphas = _grid(X, y, n=20)
    l1 = [0.2, 0.6, 1.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SkElasticNetCV(l1_ratio=l1, alphas=alphas, cv=KFold(5), tol=1e-13,
                            max_iter=100_000).fit(X, y)
    # a duality gap bounds elastic-net coefficients loosely: both solve tightly
    ours = ElasticNetCV(l1_ratio=l1, alphas=alphas, cv=5, standardize=False,
                        tol=1e-13).fit(X, y)
    assert (ours.l1_ratio_, ours.alpha_) == (sk.l1_ratio_, sk.alpha_)
    assert ours.mse_path_.shape == sk.mse_path_.shape == (3, 20, 5)
    np.testing.assert_allclose(ours.mse_path_, sk.mse_path_, rtol=1e-5)
    assert len(ours.cv_results_["alpha"]) == 60
    np.testing.assert_allclose(ours.coef_, sk.coef_, atol=1e-5 * np.abs(sk.coef_).max())


def test_one_se_rule_recomputed_from_cv_results():
    X, y = make_regression(n=80, p=40, k=5, seed=9)
    m = LassoCV(cv=4, n_alphas=40, early_stop=False).fit(X, y)
    r = m.cv_results_
    K = 4
    folds = np.vstack([r[f"split{k}"] for k in range(K)])
    w = np.array([te.size for _, te in KFold(K).split(X)], dtype=float)
    mean = w @ folds / w.sum()
    se = np.sqrt(w @ (folds - mean) ** 2 / w.sum() / (K - 1))
    np.testing.assert_allclose(r["mean"], mean, rtol=1e-12)
    np.testing.assert_allclose(r["std_error"], se, rtol=1e-10)
    i = int(np.argmin(mean))
    assert m.alpha_min_ == r["alpha"][i]
    assert m.alpha_1se_ == np.max(r["alpha"][mean <= mean[i] + se[i]])
    assert m.alpha_1se_ >= m.alpha_min_
    np.testing.assert_array_equal(r["n_nonzero"], m.path_.df)
    assert "min" in str(m.cv_path_) and "1se" in str(m.cv_path_)


@pytest.mark.parametrize("scoring", ["mse", "mae", "r2", "deviance"])
def test_scores_equal_independent_refits(scoring):
    """Fold scores equal sklearn.metrics on Lasso refits of that fold (weights included)."""
    X, y = make_regression(n=60, p=30, k=4, seed=10)
    sw = np.random.default_rng(1).uniform(0.5, 2, len(y))
    res = cross_validate_path(X, y, n_alphas=10, cv=3, scoring=scoring, sample_weight=sw,
                              tol=1e-12, early_stop=False)
    metric = {"mse": mean_squared_error, "deviance": mean_squared_error,
              "mae": mean_absolute_error, "r2": r2_score}[scoring]
    folds = make_folds(3, X, y)
    for k, (tr, te) in enumerate(folds):
        for j in (2, 7):
            fit = Lasso(alpha=res.alphas[j], tol=1e-12).fit(X[tr], y[tr], sample_weight=sw[tr])
            expect = metric(y[te], fit.predict(X[te]), sample_weight=sw[te])
            assert res.fold_scores[k, j] == pytest.approx(expect, rel=1e-7)
            mse = mean_squared_error(y[te], fit.predict(X[te]), sample_weight=sw[te])
            assert res.fold_mse[k, j] == pytest.approx(mse, rel=1e-7)
    W = np.array([sw[te].sum() for _, te in folds])
    np.testing.assert_allclose(res.fold_weights, W * len(y) / sw.sum())  # weights sum to n
    assert res.greater_is_better == (scoring == "r2")
    best = np.argmax(res.mean) if scoring == "r2" else np.argmin(res.mean)
    assert res.index_min == best


def test_fold_specifications_are_equivalent():
    X, y = make_regression(n=60, p=20, k=4, seed=11)
    ids = np.arange(60) % 4
    folds = [(np.flatnonzero(ids != k), np.flatnonzero(ids == k)) for k in range(4)]
    a = cross_validate_path(X, y, n_alphas=15, cv=ids)
    b = cross_validate_path(X, y, n_alphas=15, cv=folds)
    c = cross_validate_path(X, y, n_alphas=15, cv=list(ids + 10))  # labels need not be 0..K-1
    np.testing.assert_array_equal(a.fold_scores, b.fold_scores)
    np.testing.assert_array_equal(a.fold_scores, c.fold_scores)
    d = cross_validate_path(X, y, n_alphas=15, cv=4)
    e = cross_validate_path(X, y, n_alphas=15, cv=KFold(4))
    np.testing.assert_array_equal(d.fold_scores, e.fold_scores)


def test_groups_never_straddle_folds():
    X, y = make_regression(n=60, p=20, k=4, seed=12)
    groups = np.repeat(np.arange(12), 5)
    for tr, te in make_folds(4, X, y, groups):
        assert not set(groups[tr]) & set(groups[te])
    m = LassoCV(cv=4, n_alphas=10).fit(X, y, groups=groups)
    m2 = LassoCV(cv=GroupKFold(4), n_alphas=10).fit(X, y, groups=groups)
    np.testing.assert_array_equal(m.mse_path_, m2.mse_path_)


def test_sparse_input_and_parallel_folds_agree():
    X, y = make_regression(n=60, p=30, k=4, seed=13)
    X[np.abs(X) < 1.5] = 0.0
    dense = LassoCV(n_alphas=12, cv=3, tol=1e-10).fit(X, y)
    sparse = LassoCV(n_alphas=12, cv=3, tol=1e-10).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.mse_path_, dense.mse_path_, rtol=1e-6)
    np.testing.assert_allclose(sparse.alphas_, dense.alphas_, rtol=1e-13)  # alpha_max round-off
    assert np.flatnonzero(sparse.alphas_ == sparse.alpha_) == np.flatnonzero(
        dense.alphas_ == dense.alpha_)
    par = LassoCV(n_alphas=12, cv=3, tol=1e-10, n_jobs=2).fit(X, y)
    np.testing.assert_allclose(par.mse_path_, dense.mse_path_, rtol=1e-12)
    np.testing.assert_array_equal(par.coef_, dense.coef_)


def test_early_stopped_grids_are_padded_and_folds_use_the_kept_grid(prostate):
    X, y = prostate
    m = ElasticNetCV(l1_ratio=[0.3, 1.0], cv=5).fit(X, y)
    n_kept = [np.count_nonzero(np.isfinite(row)) for row in m.alphas_]
    assert m.alphas_.shape == (2, max(n_kept)) and min(n_kept) < 100
    for i in range(2):
        fin = np.isfinite(m.mse_path_[i, :, 0])
        assert fin.sum() == n_kept[i]
    assert m.path_.l1_ratio == m.l1_ratio_


def test_pandas_feature_names(prostate):
    pd = pytest.importorskip("pandas")
    X, y = prostate
    df = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    m = LassoCV(n_alphas=10).fit(df, y)
    assert list(m.feature_names_in_) == list(df.columns)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        np.testing.assert_allclose(m.predict(df), m.predict(X))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(cv=1), "at least 2 folds"),
        (dict(cv=0), "at least 2 folds"),
        (dict(cv=np.zeros(30, dtype=int)), "at least 2 folds"),
        (dict(cv=100), "only 30 samples"),
        (dict(cv=2.5), "not supported"),
        (dict(scoring="rmse"), "scoring='rmse' is not supported"),
        (dict(selection="best"), "selection='best' is not supported"),
        (dict(n_alphas=0), "n_alphas must be an integer >= 1"),
        (dict(alphas=[0.1, -1.0]), "alphas must be > 0"),
    ],
)
def test_bad_cv_input(kwargs, match):
    X, y = make_regression(n=30, p=8, k=3, seed=0)
    with pytest.raises(ValueError, match=match):
        LassoCV(**kwargs).fit(X, y)


def test_groups_with_fold_ids_is_an_error():
    X, y = make_regression(n=30, p=8, k=3, seed=0)
    with pytest.raises(ValueError, match="groups cannot be combined"):
        LassoCV(cv=np.arange(30) % 3).fit(X, y, groups=np.arange(30))
    with pytest.raises(ValueError, match="l1_ratio must be <= 1"):
        ElasticNetCV(l1_ratio=[0.5, 2.0]).fit(X, y)


def test_int_alphas_means_n_alphas():
    X, y = make_regression(n=40, p=10, k=3, seed=3)
    m = LassoCV(alphas=7, early_stop=False).fit(X, y)
    assert m.alphas_.shape == (7,)


@parametrize_with_checks(
    [LassoCV(n_alphas=8, cv=3), ElasticNetCV(l1_ratio=[0.5, 1.0], n_alphas=8, cv=3)]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
