"""Choosing alpha: cross-validation along paths, with folds drawn once."""

from ._cv import SCORINGS, CVResult, cross_validate_path, cross_validate_paths
from ._split import make_folds

__all__ = ["SCORINGS", "CVResult", "cross_validate_path", "cross_validate_paths", "make_folds"]
