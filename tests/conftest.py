"""Shared problems and independent optimality checks (plain numpy, no sparsefit code)."""

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def load_shared(name):
    path = DATA / name
    if not path.exists():
        pytest.skip(f"shared dataset {path} is not available")
    with np.load(path, allow_pickle=False) as d:
        return {k: d[k] for k in d.files}


def enet_objective(X, y, w, b, alpha, l1_ratio=1.0, pf=None, sw=None, scale=None):
    """The documented objective, computed from scratch on the original scale."""
    n, p = X.shape
    sw = np.ones(n) if sw is None else np.asarray(sw, float) * n / np.sum(sw)
    pf = np.ones(p) if pf is None else np.asarray(pf, float)
    s = np.ones(p) if scale is None else scale
    r = y - np.asarray(X @ w).ravel() - b
    return (0.5 * np.sum(sw * r * r) / n
            + alpha * np.sum(pf * (l1_ratio * s * np.abs(w) + 0.5 * (1 - l1_ratio) * s**2 * w * w)))


def column_scale(X, sw=None):
    """Weighted 1/n standard deviation, centred with or without an intercept, as glmnet."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X, float)
    n = X.shape[0]
    sw = np.ones(n) if sw is None else np.asarray(sw, float) * n / np.sum(sw)
    mu = sw @ X / n
    return np.sqrt(sw @ (X - mu) ** 2 / n)


def kkt_violation(X, y, w, b, alpha, l1_ratio=1.0, pf=None, sw=None, scale=None,
                  lower=None, upper=None, fit_intercept=True):
    """Max violation of the optimality conditions, written independently of the package."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X, float)
    n, p = X.shape
    sw = np.ones(n) if sw is None else np.asarray(sw, float) * n / np.sum(sw)
    pf = np.ones(p) if pf is None else np.asarray(pf, float)
    s = np.ones(p) if scale is None else scale
    lo = np.full(p, -np.inf) if lower is None else np.broadcast_to(lower, (p,))
    hi = np.full(p, np.inf) if upper is None else np.broadcast_to(upper, (p,))
    r = y - X @ w - b
    grad = -(X.T @ (sw * r)) / n
    a = alpha * l1_ratio * pf * s
    g = grad + alpha * (1 - l1_ratio) * pf * s**2 * w
    viol = np.empty(p)
    for j in range(p):
        if w[j] > 0:
            v = g[j] + a[j]
            viol[j] = max(v, 0.0) if w[j] >= hi[j] - 1e-12 else abs(v)
        elif w[j] < 0:
            v = g[j] - a[j]
            viol[j] = max(-v, 0.0) if w[j] <= lo[j] + 1e-12 else abs(v)
        else:
            up = max(-g[j] - a[j], 0.0) if hi[j] > 0 else 0.0
            down = max(g[j] - a[j], 0.0) if lo[j] < 0 else 0.0
            viol[j] = max(up, down)
    out = float(viol.max(initial=0.0))
    if fit_intercept:
        out = max(out, abs(np.sum(sw * r)) / n)
    return out


@pytest.fixture(scope="session")
def riboflavin():
    d = load_shared("riboflavin.npz")
    return d["X"], d["y"]


@pytest.fixture(scope="session")
def diabetes():
    d = load_shared("lars_diabetes_x.npz")
    return d["X"], d["y"]


@pytest.fixture(scope="session")
def prostate():
    d = load_shared("esl_prostate.npz")
    return d["X"], d["y"]


@pytest.fixture(scope="session")
def california():
    """20,640 x 8: tall data, where the solver works through the working set's Gram matrix."""
    d = load_shared("california_housing.npz")
    return d["X"], d["y"]


@pytest.fixture(scope="session")
def reuters_small():
    """2,000 Reuters documents, log1p counts (CSC), target 'earn' in {0, 1}."""
    d = load_shared("reuters21578_modapte_bow.npz")
    X = sp.csr_matrix((d["X_data"], d["X_indices"], d["X_indptr"]), shape=tuple(d["X_shape"]))
    X = X[:2000]
    X = sp.csc_matrix(X[:, np.asarray((X != 0).sum(axis=0)).ravel() >= 5])
    X.data = np.log1p(X.data)
    return X, d["y_earn"][:2000].astype(float)


def make_regression(n=60, p=120, k=6, seed=0, rho=0.5, intercept=2.0):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, p))
    X = Z.copy()
    for j in range(1, p):  # AR(1) correlated columns with mixed scales and offsets
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * Z[:, j]
    X = X * rng.uniform(0.2, 5.0, p) + rng.uniform(-2, 2, p)
    w = np.zeros(p)
    w[rng.choice(p, k, replace=False)] = rng.choice([-2.0, 1.0, 3.0], k)
    y = X @ w + intercept + rng.standard_normal(n)
    return X, y
