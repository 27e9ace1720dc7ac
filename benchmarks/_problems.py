"""Lasso benchmark problems: design matrices, targets and regularisation levels."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

# the shared data folder sits beside the repository: <repo>/../shared/data
DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"


@dataclass
class Problem:
    """One lasso instance: min_w 1/(2n) ||y - X w||^2 + alpha ||w||_1."""

    name: str
    X: np.ndarray | sp.csc_matrix
    y: np.ndarray
    alpha: float
    alpha_ratio: float  # alpha / alpha_max

    @property
    def shape(self) -> tuple[int, int]:
        return self.X.shape

    @property
    def is_sparse(self) -> bool:
        return sp.issparse(self.X)


def alpha_max(X, y) -> float:
    """Smallest alpha for which w = 0 solves the lasso."""
    return float(np.max(np.abs(X.T @ y)) / X.shape[0])


def objective(X, y, w, alpha) -> float:
    """Lasso objective, recomputed in numpy from coefficients only."""
    r = y - X @ w
    return float(r @ r / (2 * X.shape[0]) + alpha * np.abs(w).sum())


def _load(name: str):
    return np.load(DATA_DIR / name, allow_pickle=False)


def _standardize(X: np.ndarray) -> np.ndarray:
    """Centre columns and scale them to unit (1/n) standard deviation; drop constant ones."""
    X = X - X.mean(axis=0)
    std = X.std(axis=0)
    keep = std > 1e-12 * max(1.0, std.max())
    return np.ascontiguousarray(X[:, keep] / std[keep])


def riboflavin():
    d = _load("riboflavin.npz")
    X = np.asfortranarray(d["X"] - d["X"].mean(axis=0))
    y = d["y"] - d["y"].mean()
    return X, y


def leukemia():
    d = _load("leukemia_golub.npz")
    X = np.asfortranarray(_standardize(d["X"].astype(np.float64)))
    y = 2.0 * d["y"].astype(np.float64) - 1.0  # ALL -> -1, AML -> +1
    return X, y - y.mean()


def reuters_earn():
    d = _load("reuters21578_modapte_bow.npz")
    X = sp.csr_matrix(
        (d["X_data"], d["X_indices"], d["X_indptr"]), shape=tuple(d["X_shape"])
    ).tocsc()
    X.data = np.log1p(X.data)
    X.eliminate_zeros()
    keep = np.diff(X.indptr) > 0  # drop all-zero columns
    X = X[:, keep]
    X.sort_indices()
    y = 2.0 * d["y_earn"].astype(np.float64) - 1.0
    return X, y


def toeplitz_synthetic(n=500, p=5000, rho=0.6, n_nonzero=50, snr=3.0, seed=0):
    """Gaussian rows with corr(x_j, x_k) = rho^|j-k| (an AR(1) across columns).

    SNR is ||X w|| / ||noise||. Columns are standardised before y is formed, y is centred.
    """
    rng = np.random.default_rng(seed)
    E = rng.standard_normal((n, p))
    X = np.empty((n, p))
    X[:, 0] = E[:, 0]
    s = np.sqrt(1 - rho**2)
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + s * E[:, j]
    X = np.asfortranarray(_standardize(X))
    w = np.zeros(p)
    support = rng.choice(p, n_nonzero, replace=False)
    w[support] = rng.choice([-1.0, 1.0], n_nonzero)
    Xw = X @ w
    noise = rng.standard_normal(n)
    noise *= np.linalg.norm(Xw) / (snr * np.linalg.norm(noise))
    y = Xw + noise
    return X, y - y.mean()


DATASETS = {
    "riboflavin": riboflavin,
    "leukemia": leukemia,
    "reuters_earn": reuters_earn,
    "toeplitz": toeplitz_synthetic,
}
RATIOS = (10, 100)


def make_problems(names=None, ratios=RATIOS) -> list[Problem]:
    """Problems named ``<dataset>/<ratio>`` with alpha = alpha_max / ratio."""
    problems = []
    for name in names or DATASETS:
        X, y = DATASETS[name]()
        amax = alpha_max(X, y)
        for r in ratios:
            problems.append(Problem(f"{name} a_max/{r}", X, y, amax / r, 1.0 / r))
    return problems
