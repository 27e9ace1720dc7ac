"""What every solver returns."""

from dataclasses import dataclass

import numpy as np


@dataclass
class SolverResult:
    """Outcome of one solve.

    Attributes
    ----------
    coef : ndarray of shape (n_features,)
    primal : float
        Objective value reached.
    gap : float
        Duality gap at ``coef`` (an upper bound on ``primal - optimum``).
    kkt : float
        Largest violation of the optimality conditions over the features.
    n_iter : int
        Epochs (coordinate descent) or iterations (gradient methods) performed.
    converged : bool
        Whether the stopping criterion ``criterion <= tol_abs`` was met.
    criterion : str
        ``"gap"``, or ``"kkt"`` when no feasible dual point is available (see
        :attr:`sparsefit.penalties.WeightedElasticNet.needs_kkt_certificate`).
    tol_abs : float
        Absolute tolerance the criterion was compared with.
    corr : ndarray of shape (n_features,) or None
        ``X^T r / n`` at ``coef`` (minus the datafit gradient), when the solver computed it;
        a path passes it to the next solve, which then starts without a full pass.
    resid : ndarray of shape (n_samples,) or None
        The centred residual ``y - X coef`` (coordinate descent only).
    """

    coef: np.ndarray
    primal: float
    gap: float
    kkt: float
    n_iter: int
    converged: bool
    criterion: str
    tol_abs: float
    corr: np.ndarray | None = None
    resid: np.ndarray | None = None
