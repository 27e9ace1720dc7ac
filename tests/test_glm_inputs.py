"""GLM estimators: bad input gives clear errors, the scikit-learn contract, multinomial API."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.utils.estimator_checks import parametrize_with_checks

from _glm_kkt import column_scale, glm_kkt
from sparsefit.linear_model import (
    SparseGammaRegressor,
    SparseGLM,
    SparseHuberRegressor,
    SparseLinearSVC,
    SparseLogisticRegression,
    SparseLogisticRegressionCV,
    SparsePoissonRegressor,
    glm_alpha_max,
)


@parametrize_with_checks([
    SparseLogisticRegression(alpha=0.01),
    SparseLogisticRegression(alpha=0.01, multinomial="grouped"),
    SparseLinearSVC(alpha=0.01),
    SparsePoissonRegressor(alpha=0.01),
    SparseGammaRegressor(alpha=0.01),
    SparseHuberRegressor(alpha=0.01),
    SparseGLM(alpha=0.01),
])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def three_classes(n=150, p=12, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    W = rng.standard_normal((3, p)) * (rng.random((3, p)) < 0.3)
    y = np.argmax(X @ W.T + rng.gumbel(size=(n, 3)), axis=1)
    return X, y


def test_bad_targets():
    X = np.random.default_rng(0).standard_normal((20, 3))
    with pytest.raises(ValueError, match="only one class"):
        SparseLogisticRegression().fit(X, np.ones(20))
    with pytest.raises(ValueError, match="Only binary"):
        SparseLinearSVC().fit(X, np.arange(20) % 3)
    # continuous labels: the classifiers check their targets once, in _validate
    for est in (SparseLogisticRegression(), SparseLinearSVC(),
                SparseLogisticRegressionCV(cv=3)):
        with pytest.raises(ValueError, match="Unknown label type"):
            est.fit(X, np.linspace(0.0, 1.0, 20))
    with pytest.raises(ValueError, match="non-negative"):
        SparsePoissonRegressor().fit(X, np.r_[-1.0, np.ones(19)])
    SparsePoissonRegressor().fit(X, np.linspace(0, 2.5, 20))  # non-integer counts are fine
    with pytest.raises(ValueError, match="strictly positive"):
        SparseGammaRegressor().fit(X, np.r_[0.0, np.ones(19)])
    with pytest.raises(ValueError, match="NaN"):
        SparsePoissonRegressor().fit(X, np.r_[np.nan, np.ones(19)])
    with pytest.raises(ValueError, match="needs y in"):
        SparseGLM("binomial").fit(X, np.arange(20) % 3)


def test_bad_parameters_and_offsets():
    X, y = three_classes()
    with pytest.raises(ValueError, match="offset has shape"):
        SparsePoissonRegressor().fit(X, np.ones(len(y)), offset=np.zeros(len(y) + 1))
    with pytest.raises(ValueError, match="single-output"):
        SparseLogisticRegression().fit(X, y, offset=np.zeros(len(y)))
    with pytest.raises(ValueError, match="grouped"):
        SparseLogisticRegression(multinomial="grouped", upper_bounds=1.0).fit(X, y)
    with pytest.raises(ValueError, match="multinomial="):
        SparseLogisticRegression(multinomial="both").fit(X, y)
    with pytest.raises(ValueError, match="exposure must be"):
        SparsePoissonRegressor().fit(X, np.ones(len(y)), exposure=np.zeros(len(y)))
    with pytest.raises(ValueError, match="family="):
        SparseGLM("tweedie").fit(X, np.ones(len(y)))


@pytest.mark.parametrize("grouped", [False, True])
def test_multinomial_api_kkt_and_sparse(grouped):
    X, y = three_classes()
    labels = np.array(["a", "b", "c"])[y]
    kind = "grouped" if grouped else "ungrouped"
    m = SparseLogisticRegression(alpha=0.02, multinomial=kind, tol=1e-10).fit(X, labels)
    assert m.coef_.shape == (3, X.shape[1]) and m.intercept_.shape == (3,)
    assert abs(m.intercept_.sum()) < 1e-12  # centred, as glmnet
    assert glm_kkt(X, y, m.coef_, m.intercept_, 0.02, "multinomial", scale=column_scale(X),
                   grouped=grouped) < 1e-8
    if grouped:  # a feature is in or out for all classes at once
        nz = m.coef_ != 0
        assert np.all(nz.all(axis=0) | ~nz.any(axis=0))
    P = m.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1)
    assert set(m.predict(X)) <= {"a", "b", "c"}
    np.testing.assert_array_equal(m.predict(X), m.classes_[np.argmax(P, axis=1)])
    Xs = X.copy()
    Xs[np.abs(Xs) < 0.7] = 0
    d = SparseLogisticRegression(alpha=0.02, multinomial=kind, tol=1e-8).fit(Xs, labels)
    s = SparseLogisticRegression(alpha=0.02, multinomial=kind, tol=1e-8).fit(
        sp.csr_matrix(Xs), labels)
    np.testing.assert_allclose(s.coef_, d.coef_, atol=1e-6)
    amax = glm_alpha_max(X, labels, "multinomial", multinomial=kind)
    top = SparseLogisticRegression(alpha=amax * (1 + 1e-9), multinomial=kind).fit(X, labels)
    assert np.all(top.coef_ == 0)


def test_constant_and_zero_columns_get_zero_weight():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((80, 6))
    X[:, 2] = 4.0
    X[:, 4] = 0.0
    y = (X[:, 0] + rng.standard_normal(80) > 0).astype(int)
    for std in (True, False):
        m = SparseLogisticRegression(alpha=0.001, standardize=std, tol=1e-10).fit(X, y)
        assert m.coef_[0, 2] == 0 and m.coef_[0, 4] == 0
        assert np.all(np.isfinite(m.coef_))


def test_pandas_feature_names():
    pd = pytest.importorskip("pandas")
    X, y = three_classes()
    df = pd.DataFrame(X, columns=[f"g{j}" for j in range(X.shape[1])])
    m = SparsePoissonRegressor(alpha=0.05).fit(df, y.astype(float))
    assert list(m.feature_names_in_) == list(df.columns)
    assert m.predict(df).shape == (len(y),)
