"""sparsefit: sparse, interpretable models through L1 regularization."""

from .linear_model import ElasticNet, Lasso

__version__ = "0.1.0"

__all__ = ["ElasticNet", "Lasso", "__version__"]
