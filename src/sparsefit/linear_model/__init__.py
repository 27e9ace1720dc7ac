"""Estimators users import; each only combines a datafit, a penalty and a solver."""

from ._coordinate import ElasticNet, Lasso
from ._cv import ElasticNetCV, LassoCV
from ._glm import (
    SparseGammaRegressor,
    SparseGLM,
    SparseHuberRegressor,
    SparseLinearSVC,
    SparseLogisticRegression,
    SparsePoissonRegressor,
    glm_alpha_max,
)

__all__ = [
    "ElasticNet",
    "ElasticNetCV",
    "Lasso",
    "LassoCV",
    "SparseGLM",
    "SparseGammaRegressor",
    "SparseHuberRegressor",
    "SparseLinearSVC",
    "SparseLogisticRegression",
    "SparsePoissonRegressor",
    "glm_alpha_max",
]
