"""Solvers: Python orchestration (working sets, screening, stopping) over the kernels."""

from ._result import SolverResult
from .cd import solve_cd
from .prox_grad import solve_prox_grad
from .subgradient import solve_subgradient

SOLVERS = {
    "cd": solve_cd,
    "fista": lambda *args, **kw: solve_prox_grad(*args, accelerated=True, **kw),
    "ista": lambda *args, **kw: solve_prox_grad(*args, accelerated=False, **kw),
    "subgradient": solve_subgradient,
}

__all__ = ["SOLVERS", "SolverResult", "solve_cd", "solve_prox_grad", "solve_subgradient"]
