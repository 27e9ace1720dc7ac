"""sparsefit runs without scikit-learn (a test and benchmark reference only).

A subprocess in which every ``import sklearn`` / ``import sklearn.*`` fails imports every
sparsefit module and drives the public API end to end; it fails as soon as any runtime
module imports scikit-learn.  The block is a ``sys.meta_path`` finder installed before
sparsefit is imported, plus a ``sklearn`` package on ``PYTHONPATH`` that raises
``ImportError``, which also blocks the worker processes joblib starts for ``n_jobs``.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import sparsefit

ROOT = Path(__file__).resolve().parents[1]

BLOCKER = """
import importlib.abc
import sys


class BlockSklearn(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "sklearn" or name.startswith("sklearn."):
            raise ImportError(f"scikit-learn is blocked: {name!r} imported at runtime")
        return None


sys.meta_path.insert(0, BlockSklearn())
"""

SCRIPT = """
import importlib
import io
import pkgutil
import runpy
import sys
import warnings
from contextlib import redirect_stdout

import numpy as np
import scipy.sparse as sp

try:
    import sklearn  # noqa: F401
except ImportError:
    pass
else:
    raise SystemExit("the scikit-learn block does not work")

import sparsefit
from sparsefit import exceptions
from sparsefit.datasets import load_leukemia
from sparsefit.linear_model import glm_alpha_max
from sparsefit.model_selection import (
    GroupKFold, KFold, StratifiedGroupKFold, StratifiedKFold, make_folds)

# every module, not only those the calls below reach
for mod in pkgutil.walk_packages(sparsefit.__path__, "sparsefit."):
    importlib.import_module(mod.name)
for name in sparsefit.__all__:
    getattr(sparsefit, name)

warnings.simplefilter("ignore", sparsefit.ConvergenceWarning)
rng = np.random.default_rng(0)
n, p = 90, 12
X = rng.standard_normal((n, p))
w = np.r_[2.0, -1.5, 1.0, np.zeros(p - 3)]
y = X @ w + 0.3 * rng.standard_normal(n)
labels = np.where(X[:, 0] - X[:, 1] + 0.5 * rng.standard_normal(n) > 0, "up", "down")
three = np.array(["a", "b", "c"])[np.argmax(X[:, :3] + rng.gumbel(size=(n, 3)), axis=1)]
counts = rng.poisson(np.exp(0.3 * X[:, 0]))
positive = np.exp(0.2 * X[:, 0] + 0.1 * rng.standard_normal(n))
groups = np.arange(n) % 15
Xs = sp.csr_matrix(np.where(np.abs(X) > 1.0, X, 0.0))

def check_regressor(est, target, **fit):
    est.fit(X, target, **fit)
    assert est.predict(X).shape == (n,)
    assert np.isfinite(est.score(X, target))
    assert est.n_features_in_ == p
    return est

def check_classifier(est, target, **fit):
    est.fit(X, target, **fit)
    assert set(est.predict(X)) <= set(target)
    assert 0.0 <= est.score(X, target) <= 1.0
    if hasattr(est, "predict_proba"):
        np.testing.assert_allclose(est.predict_proba(X).sum(axis=1), 1.0)
    est.decision_function(X)
    return est

# single fits
m = check_regressor(sparsefit.Lasso(alpha=0.05), y)
assert m.score(X, y) > 0.8 and m.dual_gap_ >= 0
check_regressor(sparsefit.ElasticNet(alpha=0.05, l1_ratio=0.5), y, sample_weight=np.ones(n))
np.testing.assert_allclose(sparsefit.Lasso(alpha=0.05).fit(Xs, y).coef_,
                           sparsefit.Lasso(alpha=0.05).fit(Xs.toarray(), y).coef_, atol=1e-8)
check_classifier(sparsefit.SparseLogisticRegression(alpha=0.01), labels)
check_classifier(sparsefit.SparseLogisticRegression(alpha=0.01, multinomial="grouped"), three)
check_classifier(sparsefit.SparseLinearSVC(alpha=0.01), labels)
check_regressor(sparsefit.SparsePoissonRegressor(alpha=0.01), counts)
check_regressor(sparsefit.SparseGammaRegressor(alpha=0.01), positive)
check_regressor(sparsefit.SparseHuberRegressor(alpha=0.01), y)
check_regressor(sparsefit.SparseGLM("poisson", alpha=0.01), counts)

# cross-validated estimators: int cv (KFold / StratifiedKFold), groups, explicit splitters
cv = check_regressor(sparsefit.LassoCV(n_alphas=10, cv=5), y)
assert cv.mse_path_.shape[1] == 5 and cv.alpha_ > 0
print(cv.cv_path_.summary())
check_regressor(sparsefit.LassoCV(n_alphas=8, cv=3, selection="1se"), y, groups=groups)
check_regressor(sparsefit.LassoCV(n_alphas=8, cv=3, n_jobs=2), y)  # joblib workers too
check_regressor(sparsefit.ElasticNetCV(l1_ratio=[0.5, 1.0], n_alphas=8,
                                       cv=KFold(4, shuffle=True, random_state=0)), y)
check_classifier(sparsefit.SparseLogisticRegressionCV(n_alphas=8, cv=4, scoring="roc_auc"),
                 labels)
check_classifier(sparsefit.SparseLogisticRegressionCV(n_alphas=6, cv=3), three)
check_classifier(sparsefit.SparseLogisticRegressionCV(n_alphas=6, cv=3), labels,
                 groups=groups)
check_classifier(sparsefit.SparseLinearSVCCV(n_alphas=6, cv=3, scoring="accuracy"), labels)
check_regressor(sparsefit.SparsePoissonRegressorCV(n_alphas=6, cv=3), counts)
check_regressor(sparsefit.SparseGammaRegressorCV(n_alphas=6, cv=3), positive)
check_regressor(sparsefit.SparseHuberRegressorCV(n_alphas=6, cv=3), y)
check_regressor(sparsefit.SparseGLMCV(family="gaussian", n_alphas=6, cv=3), y)

# paths, their reports, and the functional CV
res = sparsefit.path(X, y, n_alphas=20)
assert isinstance(res, sparsefit.PathResult) and "Regularization path" in res.summary()
res.predict(X)
gres = sparsefit.glm_path(X, labels, "binomial", n_alphas=10)
print(gres.summary(), repr(gres))
sparsefit.glm_path(Xs, counts, "poisson", n_alphas=10)
assert sparsefit.alpha_grid(X, y, n_alphas=5).shape == (5,)
cvr = sparsefit.cross_validate_path(X, y, n_alphas=10, cv=np.arange(n) % 4)
print(cvr, repr(cvr))
sparsefit.cross_validate_glm_path(X, labels, "binomial", n_alphas=6, cv=3, scoring="roc_auc")
assert glm_alpha_max(X, labels, "binomial") > 0

# splitters without scikit-learn
for splitter, args in ((KFold(3), (X,)), (StratifiedKFold(3), (X, labels)),
                       (GroupKFold(3), (X, None, groups)),
                       (StratifiedGroupKFold(3), (X, labels, groups))):
    folds = list(splitter.split(*args))
    assert len(folds) == 3 and sum(te.size for _, te in folds) == n
assert len(make_folds([(np.arange(40, n), np.arange(40)),
                       (np.arange(40), np.arange(40, n))], X, y)) == 2

# the estimator contract
est = sparsefit.ElasticNet(alpha=0.1)
assert est.get_params()["alpha"] == 0.1 and est.set_params(l1_ratio=0.3) is est
assert repr(est) == "ElasticNet(alpha=0.1, l1_ratio=0.3)"
try:
    est.set_params(nope=1)
except ValueError as e:
    assert "Valid parameters are" in str(e)
else:
    raise AssertionError("set_params accepted an unknown parameter")
try:
    sparsefit.Lasso().predict(X)
except exceptions.NotFittedError as e:
    assert "not fitted yet" in str(e)
else:
    raise AssertionError("predict before fit did not raise")
try:
    m.predict(X[:, :3])
except ValueError as e:
    assert "X has 3 features, but Lasso is expecting 12 features as input." in str(e)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    sparsefit.Lasso(alpha=1e-5, max_iter=1, tol=1e-12).fit(X, y)
assert any(issubclass(c.category, sparsefit.ConvergenceWarning) for c in caught)

# pandas: feature names kept
try:
    import pandas as pd
except ImportError:
    pass
else:
    df = pd.DataFrame(X, columns=[f"gene{j}" for j in range(p)])
    fitted = sparsefit.Lasso(alpha=0.05).fit(df, pd.Series(y))
    assert list(fitted.feature_names_in_) == list(df.columns)

# the bundled data and the main job (examples/leukemia.py)
assert load_leukemia().X.shape == (72, 7129)
out = io.StringIO()
with redirect_stdout(out):
    runpy.run_path(sys.argv[1], run_name="__main__")
assert "Held-out accuracy" in out.getvalue(), out.getvalue()

loaded = sorted(m for m in sys.modules if m == "sklearn" or m.startswith("sklearn."))
assert not loaded, loaded
print("NO-SKLEARN OK")
"""


def test_runs_without_scikit_learn(tmp_path):
    stub = tmp_path / "blocked" / "sklearn"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text(
        'raise ImportError("scikit-learn is blocked: imported at runtime")\n')
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(BLOCKER) + textwrap.dedent(SCRIPT))
    src = str(Path(sparsefit.__file__).resolve().parents[1])
    path = [str(stub.parent), src] + [p for p in os.environ.get("PYTHONPATH", "").split(
        os.pathsep) if p]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    proc = subprocess.run([sys.executable, str(script), str(ROOT / "examples" / "leukemia.py")],
                          env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    assert "NO-SKLEARN OK" in proc.stdout
