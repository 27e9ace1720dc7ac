"""Choosing alpha: cross-validation along paths, with folds drawn once."""

from ._cv import SCORINGS, CVResult, cross_validate_path, cross_validate_paths
from ._glm_cv import cross_validate_glm_path, cross_validate_glm_paths, glm_scorings
from ._split import GroupKFold, KFold, StratifiedGroupKFold, StratifiedKFold, make_folds

__all__ = [
    "SCORINGS",
    "CVResult",
    "GroupKFold",
    "KFold",
    "StratifiedGroupKFold",
    "StratifiedKFold",
    "cross_validate_glm_path",
    "cross_validate_glm_paths",
    "cross_validate_path",
    "cross_validate_paths",
    "glm_scorings",
    "make_folds",
]
