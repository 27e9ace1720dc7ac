"""sparsefit's own estimator base and input validation, and how they meet scikit-learn.

scikit-learn is a test dependency only; here it checks that clone, Pipeline,
GridSearchCV, tags and NotFittedError still work with estimators that do not inherit
from it.
"""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.exceptions
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import get_tags

import sparsefit
from conftest import make_regression
from sparsefit import (
    ElasticNet,
    Lasso,
    LassoCV,
    SparseGLM,
    SparseLinearSVC,
    SparseLogisticRegression,
    SparseLogisticRegressionCV,
    SparsePoissonRegressor,
)
from sparsefit.exceptions import DataConversionWarning, NotFittedError

X, Y = make_regression(seed=3, n=40, p=6, k=3)
LABELS = np.where(X[:, 0] + 0.3 * X[:, 1] > 0, "yes", "no")


def test_get_params_set_params_and_errors():
    m = ElasticNet(alpha=0.3, l1_ratio=0.2)
    params = m.get_params()
    assert params["alpha"] == 0.3 and params["l1_ratio"] == 0.2
    assert set(params) == {"alpha", "l1_ratio", "fit_intercept", "standardize",
                           "penalty_factor", "lower_bounds", "upper_bounds", "positive", "tol",
                           "max_iter", "warm_start", "solver"}
    assert m.set_params(alpha=0.1, positive=True) is m
    assert (m.alpha, m.positive) == (0.1, True)
    with pytest.raises(ValueError, match=r"Invalid parameter 'alpah' for estimator "
                                         r"ElasticNet\. Valid parameters are: \['alpha', "):
        m.set_params(alpah=1.0)


def test_repr_shows_changed_parameters():
    assert repr(Lasso()) == "Lasso()"
    assert repr(Lasso(alpha=0.1, positive=True)) == "Lasso(alpha=0.1, positive=True)"
    assert repr(SparseGLM("poisson", alpha=2)) == "SparseGLM(alpha=2, family='poisson')"


def test_tags_and_estimator_type():
    for est in (Lasso(), LassoCV(), SparsePoissonRegressor(), SparseGLM()):
        assert is_regressor(est) and not is_classifier(est)
        tags = get_tags(est)
        assert tags.estimator_type == "regressor" and tags.target_tags.required
        assert tags.input_tags.sparse
    for est in (SparseLogisticRegression(), SparseLinearSVC(), SparseLogisticRegressionCV()):
        assert is_classifier(est) and get_tags(est).input_tags.sparse
    assert get_tags(SparsePoissonRegressor()).target_tags.positive_only
    assert not get_tags(SparseLinearSVC()).classifier_tags.multi_class


def test_not_fitted_error_is_ours_and_sklearns():
    with pytest.raises(NotFittedError, match="This Lasso instance is not fitted yet"):
        Lasso().predict(X)
    # scikit-learn is imported in this process: the error is its class too
    with pytest.raises(sklearn.exceptions.NotFittedError):
        SparseLogisticRegression().predict_proba(X)
    with pytest.raises(AttributeError):  # hasattr-style probing keeps working
        Lasso().predict(X)
    try:
        Lasso().predict(X)
    except NotFittedError as e:
        assert isinstance(pickle.loads(pickle.dumps(e)), NotFittedError)


def test_score_is_r2_and_accuracy():
    from sklearn.metrics import accuracy_score, r2_score

    m = Lasso(alpha=0.05).fit(X, Y)
    sw = np.linspace(0.5, 2, len(Y))
    assert m.score(X, Y, sample_weight=sw) == pytest.approx(
        r2_score(Y, m.predict(X), sample_weight=sw), rel=1e-12)
    c = SparseLogisticRegression(alpha=0.01).fit(X, LABELS)
    assert c.score(X, LABELS) == accuracy_score(LABELS, c.predict(X))


def test_clone_pipeline_gridsearch():
    m = Lasso(alpha=0.2, penalty_factor=np.ones(6))
    c = clone(m)
    assert c is not m and c.get_params()["alpha"] == 0.2 and not hasattr(c, "coef_")
    pipe = make_pipeline(StandardScaler(), Lasso(alpha=0.05)).fit(X, Y)
    assert pipe.score(X, Y) > 0.5
    pipe.set_params(lasso__alpha=0.1)
    assert pipe.get_params()["lasso__alpha"] == 0.1
    grid = GridSearchCV(Lasso(), {"alpha": [0.01, 0.1, 1.0]}, cv=3).fit(X, Y)
    assert grid.best_params_["alpha"] in (0.01, 0.1, 1.0)
    assert isinstance(grid.best_estimator_, Lasso)
    cls = GridSearchCV(SparseLogisticRegression(), {"alpha": [0.01, 0.1]}, cv=3)
    assert set(cls.fit(X, LABELS).predict(X)) <= {"yes", "no"}
    assert "Lasso" in pipe._repr_html_()


def test_feature_names_and_counts_on_predict():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(X, columns=[f"g{j}" for j in range(6)])
    m = Lasso(alpha=0.05).fit(df, Y)
    assert m.n_features_in_ == 6 and list(m.feature_names_in_) == list(df.columns)
    assert m.feature_names_in_.dtype == object
    with pytest.warns(UserWarning, match="X does not have valid feature names, but Lasso "
                                         "was fitted with feature names"):
        m.predict(X)
    with pytest.raises(ValueError, match="Feature names must be in the same order"):
        m.predict(df[df.columns[::-1]])
    with pytest.raises(ValueError, match="Feature names unseen at fit time:\n- h0\n"):
        m.predict(df.rename(columns={"g0": "h0"}))
    # refit without names forgets them; predicting with names then warns
    m.fit(X, Y)
    assert not hasattr(m, "feature_names_in_")
    with pytest.raises(ValueError, match="X has 3 features, but Lasso is expecting 6 "
                                         "features as input."):
        m.predict(X[:, :3])
    with pytest.warns(UserWarning, match="X has feature names, but Lasso was fitted "
                                         "without feature names"):
        m.predict(df)
    with pytest.raises(TypeError, match="only supported if all input features have string"):
        Lasso().fit(pd.DataFrame(X, columns=["a", 1, 2, 3, 4, 5]), Y)
    Lasso().fit(pd.DataFrame(X), Y)  # integer column names: no names kept, no error


def test_dtypes_sparse_and_pandas_nullable():
    pd = pytest.importorskip("pandas")
    assert Lasso(alpha=0.05).fit(X.astype(np.float32), Y).coef_.dtype == np.float32
    ints = np.round(X * 10).astype(np.int64)
    np.testing.assert_allclose(Lasso(alpha=0.05).fit(ints, Y).coef_,
                               Lasso(alpha=0.05).fit(ints.astype(float), Y).coef_)
    for fmt in ("csr", "csc", "coo", "lil", "dok", "bsr", "dia"):
        Xs = sp.random(40, 6, density=0.5, format=fmt, random_state=0)
        dense = Lasso(alpha=0.01).fit(Xs.toarray(), Y).coef_
        np.testing.assert_allclose(Lasso(alpha=0.01).fit(Xs, Y).coef_, dense, atol=1e-8)
    nullable = pd.DataFrame({"a": pd.array([1, 2, 3, 4, 5, 6], dtype="Int64"),
                             "b": pd.array([0.5, 1.0, 0.0, 2.0, 1.5, 3.0], dtype="Float64")})
    m = Lasso(alpha=0.01).fit(nullable, np.arange(6.0))
    assert m.coef_.dtype == np.float64
    with pytest.raises(ValueError, match="NaN or inf in 1 rows"):
        missing = nullable.copy()
        missing.loc[2, "a"] = pd.NA  # a missing value becomes NaN, which is then rejected
        Lasso().fit(missing, np.arange(6.0))


@pytest.mark.parametrize("X_bad, match", [
    (np.zeros(10), "Expected 2D array, got 1D array"),
    (np.zeros((2, 3, 4)), "Found array with dim 3"),
    (np.zeros((5, 2), dtype=complex), "Complex data not supported"),
    (np.zeros((0, 3)), r"Found array with 0 sample\(s\) \(shape=\(0, 3\)\) while a minimum "
                       r"of 1 is required by Lasso\."),
])
def test_bad_X_messages(X_bad, match):
    with pytest.raises(ValueError, match=match):
        Lasso().fit(X_bad, np.zeros(len(X_bad)) if X_bad.ndim else 0.0)


def _corrupt(fmt, how):
    A = sp.random(40, 6, density=0.5, format=fmt, random_state=1, dtype=np.float64)
    A.indices, A.indptr = A.indices.copy(), A.indptr.copy()
    if how == "negative index":
        A.indices[3] = -2
    elif how == "index past the shape":
        A.indices[3] = A.shape[0 if fmt == "csc" else 1]
    elif how == "decreasing indptr":
        A.indptr[2] = A.indptr[3] + 1
    else:  # indptr past the stored entries
        A.indptr[-1] = A.indices.size + 5
    return A


@pytest.mark.parametrize("fmt", ["csc", "csr"])
@pytest.mark.parametrize("how", ["negative index", "index past the shape", "decreasing indptr",
                                 "indptr past the stored entries"])
@pytest.mark.parametrize("fit", [
    lambda A: Lasso(alpha=0.01).fit(A, Y),
    lambda A: LassoCV(cv=3, n_alphas=5).fit(A, Y),
    lambda A: sparsefit.path(A, Y, n_alphas=5),
    lambda A: SparseLogisticRegression(alpha=0.01).fit(A, LABELS),
    lambda A: Lasso(alpha=0.01).fit(np.abs(X), Y).predict(A),
], ids=["Lasso", "LassoCV", "path", "logistic", "predict"])
def test_corrupt_sparse_index_arrays_are_refused(fmt, how, fit):
    """The compiled kernels trust a sparse matrix's index arrays (no bounds checks, row
    indices read unsigned): a corrupt one must be refused, not read out of bounds."""
    with pytest.raises(ValueError, match=f"X is not a valid {fmt.upper()} matrix of shape"):
        fit(_corrupt(fmt, how))


def test_column_vector_y_warns_and_none_y_fails():
    with pytest.warns(DataConversionWarning, match="A column-vector y was passed"):
        Lasso(alpha=0.05).fit(X, Y[:, None])
    with pytest.raises(ValueError, match="requires y to be passed, but the target y is None"):
        Lasso().fit(X, None)
    with pytest.raises(ValueError, match=r"y should be a 1d array, got an array of shape"):
        Lasso().fit(X, np.c_[Y, Y])
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        SparseLogisticRegression().fit(X, Y)


def test_convergence_warning_is_public_and_a_user_warning():
    assert "ConvergenceWarning" in sparsefit.__all__
    assert issubclass(sparsefit.ConvergenceWarning, UserWarning)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Lasso(alpha=1e-4, max_iter=1, tol=1e-12).fit(X, Y)
    assert any(w.category is sparsefit.ConvergenceWarning for w in caught)
