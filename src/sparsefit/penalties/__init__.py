"""Penalties: value, proximal data for the kernels, subdifferential distance, conjugate."""

from .elastic_net import WeightedElasticNet

__all__ = ["WeightedElasticNet"]
