"""sparsefit: sparse, interpretable models through L1 regularization."""

from ._glm_path import glm_path
from .exceptions import ConvergenceWarning
from .linear_model import (
    ElasticNet,
    ElasticNetCV,
    Lasso,
    LassoCV,
    SparseGammaRegressor,
    SparseGammaRegressorCV,
    SparseGLM,
    SparseGLMCV,
    SparseHuberRegressor,
    SparseHuberRegressorCV,
    SparseLinearSVC,
    SparseLinearSVCCV,
    SparseLogisticRegression,
    SparseLogisticRegressionCV,
    SparsePoissonRegressor,
    SparsePoissonRegressorCV,
)
from .model_selection import CVResult, cross_validate_glm_path, cross_validate_path
from .path import PathResult, alpha_grid, path

__version__ = "0.1.0"

__all__ = [
    "CVResult",
    "ConvergenceWarning",
    "ElasticNet",
    "ElasticNetCV",
    "Lasso",
    "LassoCV",
    "PathResult",
    "SparseGLM",
    "SparseGLMCV",
    "SparseGammaRegressor",
    "SparseGammaRegressorCV",
    "SparseHuberRegressor",
    "SparseHuberRegressorCV",
    "SparseLinearSVC",
    "SparseLinearSVCCV",
    "SparseLogisticRegression",
    "SparseLogisticRegressionCV",
    "SparsePoissonRegressor",
    "SparsePoissonRegressorCV",
    "__version__",
    "alpha_grid",
    "cross_validate_glm_path",
    "cross_validate_path",
    "glm_path",
    "path",
]
