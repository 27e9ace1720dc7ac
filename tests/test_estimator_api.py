"""scikit-learn contract, pandas, datasets, and clear errors on bad input."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.utils.estimator_checks import parametrize_with_checks

import sparsefit
from conftest import make_regression
from sparsefit import ElasticNet, Lasso, LassoCV
from sparsefit.datasets import load_leukemia


@parametrize_with_checks([Lasso(), ElasticNet()])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_pandas_feature_names_kept():
    pd = pytest.importorskip("pandas")
    X, y = make_regression(seed=1, p=10, k=3)
    df = pd.DataFrame(X, columns=[f"gene_{j}" for j in range(10)])
    m = Lasso(alpha=0.1).fit(df, pd.Series(y))
    assert list(m.feature_names_in_) == list(df.columns)
    np.testing.assert_allclose(m.predict(df), Lasso(alpha=0.1).fit(X, y).predict(X))


def test_input_not_modified():
    X, y = make_regression(seed=2)
    Xf = np.asfortranarray(X)
    X0, y0 = Xf.copy(), y.copy()
    Lasso(alpha=0.1).fit(Xf, y, sample_weight=np.ones(len(y)))
    np.testing.assert_array_equal(Xf, X0)
    np.testing.assert_array_equal(y, y0)


@pytest.mark.parametrize("order", "CF")
def test_cv_input_not_modified(order):
    """Cross-validation centres its folds' private row copies in place, never X itself."""
    X, y = make_regression(seed=3)
    X = np.asarray(X + 5.0, order=order)  # a mean to centre away
    X0, y0 = X.copy(), y.copy()
    LassoCV(cv=3, n_alphas=5).fit(X, y)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def test_bundled_leukemia_selects_genes():
    ds = load_leukemia()
    assert ds.X.shape == (72, 7129) and set(np.unique(ds.y)) == {0, 1}
    assert "Golub" in ds.citation
    m = Lasso(alpha=0.05).fit(ds.X, ds.y.astype(float))
    selected = np.flatnonzero(m.coef_)
    assert 1 <= selected.size < 72
    # the selected genes carry the signal: training R^2 well above zero
    assert m.score(ds.X, ds.y) > 0.5


def test_public_names():
    assert all(isinstance(name, str) for name in sparsefit.__all__)
    for name in sparsefit.__all__:
        assert hasattr(sparsefit, name)


X_OK, Y_OK = make_regression(seed=3, n=20, p=5, k=3)


def nan_X():
    X = X_OK.copy()
    X[17, 2] = np.nan
    return X


@pytest.mark.parametrize(
    "kwargs, fit_args, match",
    [
        ({}, (nan_X(), Y_OK), r"NaN or inf in 1 rows \(first: row 17\)"),
        ({}, (sp.csc_matrix(nan_X()), Y_OK), r"NaN or inf in 1 rows \(first: row 17\)"),
        ({}, (np.where(X_OK > 1, np.inf, X_OK), Y_OK), "NaN or inf"),
        ({}, (X_OK, np.r_[Y_OK[:-1], np.nan]), "y contains NaN or inf"),
        ({}, (X_OK, Y_OK[:-1]), "inconsistent numbers of samples"),
        ({}, (np.empty((0, 5)), np.empty(0)), "0 sample"),
        ({}, (np.empty((20, 0)), Y_OK), "0 feature"),
        ({"alpha": -1.0}, (X_OK, Y_OK), "alpha must be >= 0"),
        ({"alpha": np.nan}, (X_OK, Y_OK), "alpha must be finite"),
        ({"l1_ratio": 1.5}, (X_OK, Y_OK), r"l1_ratio must be <= 1"),
        ({"penalty_factor": np.ones(4)}, (X_OK, Y_OK), r"penalty_factor has shape \(4,\)"),
        ({"penalty_factor": -np.ones(5)}, (X_OK, Y_OK), "penalty_factor must be >= 0"),
        ({"lower_bounds": 1.0}, (X_OK, Y_OK), "lower_bounds > upper_bounds|must contain 0"),
        ({"lower_bounds": 0.0, "upper_bounds": -1.0}, (X_OK, Y_OK), "lower_bounds > upper"),
        ({"solver": "newton"}, (X_OK, Y_OK), r"solver='newton' is not supported"),
        ({"tol": 0.0}, (X_OK, Y_OK), "tol must be > 0"),
        ({"max_iter": 0}, (X_OK, Y_OK), "max_iter must be an integer >= 1"),
        ({}, (X_OK, np.full(20, 3.0)), "y is constant"),
    ],
)
def test_bad_input_clear_errors(kwargs, fit_args, match):
    with pytest.raises(ValueError, match=match):
        ElasticNet(**kwargs).fit(*fit_args)


@pytest.mark.parametrize(
    "sw, match",
    [
        (-np.ones(20), "non-negative"),
        (np.zeros(20), "sums to zero"),
        (np.ones(3), r"sample_weight has shape \(3,\)"),
        (np.r_[np.ones(19), np.nan], "NaN or inf"),
    ],
)
def test_bad_sample_weight(sw, match):
    with pytest.raises(ValueError, match=match):
        Lasso().fit(X_OK, Y_OK, sample_weight=sw)


def test_predict_checks_features_and_nan():
    m = Lasso(alpha=0.1).fit(X_OK, Y_OK)
    with pytest.raises(ValueError, match="features"):
        m.predict(X_OK[:, :3])
    with pytest.raises(ValueError, match="NaN"):
        m.predict(nan_X())


def test_zero_weight_samples_are_ignored():
    X, y = make_regression(seed=4, n=40, p=15)
    sw = np.ones(40)
    sw[:10] = 0.0
    y_bad = y.copy()
    y_bad[:10] = 1e6  # would dominate if the zero weights leaked into the fit
    a = Lasso(alpha=0.05, tol=1e-12).fit(X, y_bad, sample_weight=sw)
    b = Lasso(alpha=0.05, tol=1e-12).fit(X[10:], y[10:])
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-8)
