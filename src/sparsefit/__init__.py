"""sparsefit: sparse, interpretable models through L1 regularization."""

from .linear_model import (
    ElasticNet,
    ElasticNetCV,
    Lasso,
    LassoCV,
    SparseGammaRegressor,
    SparseGLM,
    SparseHuberRegressor,
    SparseLinearSVC,
    SparseLogisticRegression,
    SparsePoissonRegressor,
)
from .model_selection import CVResult, cross_validate_path
from .path import PathResult, alpha_grid, path

__version__ = "0.1.0"

__all__ = [
    "CVResult",
    "ElasticNet",
    "ElasticNetCV",
    "Lasso",
    "LassoCV",
    "PathResult",
    "SparseGLM",
    "SparseGammaRegressor",
    "SparseHuberRegressor",
    "SparseLinearSVC",
    "SparseLogisticRegression",
    "SparsePoissonRegressor",
    "__version__",
    "alpha_grid",
    "cross_validate_path",
    "path",
]
