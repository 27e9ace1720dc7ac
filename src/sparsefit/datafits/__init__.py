"""Datafits: the loss part of the objective, one file per loss."""

from .quadratic import Quadratic

__all__ = ["Quadratic"]
