"""Estimators users import; each only combines a datafit, a penalty and a solver."""

from ._coordinate import ElasticNet, Lasso

__all__ = ["ElasticNet", "Lasso"]
