"""Datafits: the loss part of the objective, one file per loss."""

from .gamma import Gamma
from .huber import Huber
from .logistic import Logistic
from .multinomial import Multinomial
from .poisson import Poisson
from .quadratic import Quadratic
from .squared_hinge import SquaredHinge

__all__ = ["Gamma", "Huber", "Logistic", "Multinomial", "Poisson", "Quadratic", "SquaredHinge"]
