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
from ._glm_cv import (
    SparseGammaRegressorCV,
    SparseGLMCV,
    SparseHuberRegressorCV,
    SparseLinearSVCCV,
    SparseLogisticRegressionCV,
    SparsePoissonRegressorCV,
)

__all__ = [
    "ElasticNet",
    "ElasticNetCV",
    "Lasso",
    "LassoCV",
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
    "glm_alpha_max",
    "glm_path",
]


def __getattr__(name):
    # glm_path lives in sparsefit._glm_path, which imports this package: load it lazily
    if name == "glm_path":
        from .._glm_path import glm_path

        return glm_path
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
