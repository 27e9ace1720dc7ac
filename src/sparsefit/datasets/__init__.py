"""Small real datasets bundled with sparsefit."""

from ._leukemia import load_leukemia

__all__ = ["load_leukemia"]
