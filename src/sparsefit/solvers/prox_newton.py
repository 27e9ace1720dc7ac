"""Proximal Newton with working sets, for smooth GLM datafits (logistic, Poisson, ...).

Minimises, for a datafit ``F`` of the linear predictor ``eta = X W + 1 b^T + offset``
(``W`` is ``p x K``, ``K = 1`` except for the multinomial) and the weighted, bounded
elastic-net penalty (or its row-grouped version, ``grouped=True``),

.. math:: F(X W + 1 b^\\top + o) + \\sum_j a_j |W_j| + \\frac{b_j}{2} W_j^2 .

Outer loop (one full gradient ``X^T g`` per iteration): certify the current point,
then grow a working set from the support and the largest KKT violations.  On the working
set, proximal Newton steps: the datafit is replaced by its quadratic model with a diagonal
(per sample, per class) Hessian, the model is minimised by coordinate descent in
:mod:`sparsefit._kernels.glm_cd` (intercepts included as exact coordinates), and a
backtracking (Armijo) line search on the true objective fixes the step.

Stopping: the duality gap ``<= tol * F(null)`` when the datafit has a closed-form
conjugate and the problem a feasible dual point (single output, every feature penalized
or fixed); otherwise the KKT violation ``<= tol * ||X^T g_null||_inf / n``, with
``g_null`` the gradient at the intercept-only model.  The intercept is optimised exactly
(1-D Newton) before each gap computation, so the dual point satisfies ``sum theta = 0``.

Engines: single-output datafits with a kernel spec (logistic, Poisson, Gamma, Huber,
squared hinge) run the whole solve, or a whole path, in one compiled call
(:func:`solve_grid_compiled`, :mod:`sparsefit._kernels.glm_newton`: same algorithm, with
certificates that skip provably inactive columns); the multinomial runs the Python loop
below, which ``engine="python"`` also selects for single-output data (the reference the
compiled solver is tested against).
"""

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .._kernels import glm_cd as gk
from .._kernels import glm_newton as gn
from .._kernels.sparse import csc_col_sq_norms
from ..exceptions import ConvergenceWarning
from ..penalties import WeightedElasticNet


@dataclass
class GLMResult:
    """Outcome of a proximal Newton solve.

    Attributes
    ----------
    coef : ndarray of shape (n_features, n_outputs)
    intercept : ndarray of shape (n_outputs,)
    primal : float
        Objective value reached.
    gap : float
        Duality gap at the solution (NaN when the certificate is the KKT violation).
    kkt : float
        Largest violation of the optimality conditions (features and intercepts).
    stop_crit : float
        Value of the stopping criterion (``gap`` or ``kkt``) compared with ``tol_abs``.
    criterion : str
        ``"gap"`` or ``"kkt"``.
    tol_abs : float
    n_iter : int
        Proximal Newton steps performed.
    converged : bool
    stalled : bool
        The last step found no decrease possible in floating point.
    """

    coef: np.ndarray
    intercept: np.ndarray
    primal: float
    gap: float
    kkt: float
    stop_crit: float
    criterion: str
    tol_abs: float
    n_iter: int
    converged: bool
    stalled: bool = False


def _separable_terms(w, corr, a, b, lo, hi):
    """``(kkt_violation, penalty_value, c, conj)`` of the separable penalty at ``w``.

    ``corr = -grad`` is also used as the (unscaled) dual correlation ``X^T theta``; ``c`` is
    its largest feasible rescaling and ``conj = sum_j g_j^*(c corr_j)``.  The single place
    this solver touches the penalty's certificate API.
    """
    pen = WeightedElasticNet(a, b, lo, hi)
    skip = np.zeros(w.shape[0], dtype=np.bool_)
    return pen.certificate_terms(w, np.ascontiguousarray(corr, dtype=np.float64),
                                 np.ascontiguousarray(corr, dtype=np.float64), skip)


class _Problem:
    """Objective pieces shared by the loops below (no state beyond the inputs)."""

    def __init__(self, datafit, penalty, X, offset, fit_intercept, grouped):
        self.df, self.pen, self.X = datafit, penalty, X
        self.n, self.p = X.shape
        self.K = datafit.n_outputs
        self.offset = np.zeros(self.n) if offset is None else np.asarray(offset, float)
        self.fit_intercept, self.grouped = fit_intercept, grouped
        self.D = design_tuple(X)
        self.solve_model = gk.solve_model_sparse if sp.issparse(X) else gk.solve_model_dense

    def shaped(self, a):
        return a.reshape(self.n, self.K) if self.K == 1 else a

    def flat(self, eta):
        return eta[:, 0] if self.K == 1 else eta

    def eta(self, W, b):
        return np.asarray(self.X @ W, dtype=np.float64) + b + self.offset[:, None]

    def loss(self, eta):
        return self.df.value(self.flat(eta))

    def grad_hess(self, eta):
        g, h = self.df.grad_hess(self.flat(eta))
        return (np.asfortranarray(self.shaped(g), dtype=np.float64),
                np.asfortranarray(self.shaped(h), dtype=np.float64))

    def pen_value(self, W):
        a, b = self.pen.a, self.pen.b
        if self.grouped:
            return float(a @ np.linalg.norm(W, axis=1) + 0.5 * b @ np.sum(W * W, axis=1))
        return float(a @ np.abs(W).sum(axis=1) + 0.5 * b @ np.sum(W * W, axis=1))

    def pen_diff(self, W_old, W_new, rows):
        """``P(W_new) - P(W_old)`` on ``rows``, summed term by term (no cancellation)."""
        a, b = self.pen.a[rows], self.pen.b[rows]
        if self.grouped:
            dn = np.linalg.norm(W_new, axis=1) - np.linalg.norm(W_old, axis=1)
        else:
            dn = (np.abs(W_new) - np.abs(W_old)).sum(axis=1)
        dq = ((W_new - W_old) * (W_new + W_old)).sum(axis=1)
        return float(a @ dn + 0.5 * b @ dq)

    def kkt(self, W, corr, rows=None):
        """Per-feature KKT violation given ``corr = -X^T g / n`` (``rows`` subsets W)."""
        pen = self.pen
        a, b = pen.a, pen.b
        if rows is not None:
            a, b = a[rows], b[rows]
        if self.grouped:
            wn = np.linalg.norm(W, axis=1)
            out = np.maximum(np.linalg.norm(corr, axis=1) - a, 0.0)
            nz = wn > 0
            if np.any(nz):
                r = -corr[nz] + b[nz, None] * W[nz] + a[nz, None] * W[nz] / wn[nz, None]
                out[nz] = np.linalg.norm(r, axis=1)
            return out
        lo, hi = pen.lower, pen.upper
        if rows is not None:
            lo, hi = lo[rows], hi[rows]
        out = np.zeros(W.shape[0])
        for k in range(self.K):
            out = np.maximum(out, _separable_terms(W[:, k], corr[:, k], a, b, lo, hi)[0])
        return out

    def polish_intercept(self, W, b, base=None, max_steps=60):
        """Newton on the intercepts alone (diagonal Hessian, backtracking); returns ``b``."""
        if base is None:
            base = self.eta(W, np.zeros(self.K))
        b = np.array(b, dtype=np.float64)
        f = self.loss(base + b)
        for _ in range(max_steps):
            g, h = self.grad_hess(base + b)
            gs, hs = g.sum(axis=0), h.sum(axis=0)
            d = np.where(hs > 0, -gs / np.where(hs > 0, hs, 1.0), 0.0)
            slope = float(gs @ d) / self.n
            if slope >= 0 or not np.all(np.isfinite(d)):
                break
            t = 1.0
            while True:
                f_new = self.loss(base + b + t * d)
                if f_new <= f + 1e-4 * t * slope or t < 1e-12:
                    break
                t *= 0.5
            if f_new > f:
                break
            b = b + t * d
            done = np.max(np.abs(t * d)) <= 1e-14 * (1.0 + np.max(np.abs(b)))
            f = f_new
            if done:
                break
        return b

    def polish_intercept_full(self, W, b, base=None, max_steps=60, gh=None):
        """Exact 1-D Newton on the intercepts; returns ``(b, eta, g, h)`` at the result.

        ``eta = base + b`` and ``g, h = grad_hess(eta)`` there, so the caller needs no
        further datafit evaluation.  ``gh``: the gradient and Hessian at ``base + b`` when
        the caller already has them.  Each class's intercept is a 1-D convex problem; the
        Newton step is safeguarded by halving until the intercept gradient shrinks (only
        derivative evaluations, no objective values), and the iteration stops when the
        Newton step is at the floating-point floor, as the former line search did.
        """
        if base is None:
            base = self.eta(W, np.zeros(self.K))
        if self.K != 1:  # coupled intercepts (softmax): the line search on the objective
            b = self.polish_intercept(W, b, base, max_steps)
            eta = base + b
            return (b, eta) + self.grad_hess(eta)
        b0 = float(np.asarray(b, dtype=np.float64).reshape(-1)[0])
        eta = base + b0
        g, h = self.grad_hess(eta) if gh is None else gh
        gs, hs = float(g.sum()), float(h.sum())
        for _ in range(max_steps):
            d = -gs / hs if hs > 0 else 0.0
            if not (np.isfinite(d) and gs * d < 0):
                break
            if abs(d) <= 1e-14 * (1.0 + abs(b0)):
                break  # at the floating-point floor: the intercept is optimal
            t = 1.0
            while True:
                b_new = b0 + t * d
                eta_new = base + b_new
                g_new, h_new = self.grad_hess(eta_new)
                gs_new = float(g_new.sum())
                # convex in the intercept: the gradient shrinks toward the minimiser
                if abs(gs_new) <= abs(gs) or t < 1e-12:
                    break
                t *= 0.5
            if not abs(gs_new) <= abs(gs):
                break
            b0, eta, g, h, gs, hs = b_new, eta_new, g_new, h_new, gs_new, float(h_new.sum())
            if abs(t * d) <= 1e-14 * (1.0 + abs(b0)):
                break
        return np.array([b0]), eta, g, h


def design_tuple(X):
    """The design tuple of :mod:`sparsefit._kernels.glm_cd` (Fortran ndarray or sorted CSC)."""
    if sp.issparse(X):
        return (X.data, X.indices, X.indptr)
    return (X,)


def column_norms(X):
    """``||x_j||_2`` of every column, in float64, without a temporary copy of ``X``."""
    if sp.issparse(X):
        return np.sqrt(csc_col_sq_norms(X.data, X.indptr))
    return np.sqrt(np.einsum("ij,ij->j", X, X, dtype=np.float64))


def uses_compiled(datafit, grouped=False):
    """True when the compiled solver (:mod:`sparsefit._kernels.glm_newton`) handles the model:
    a single-output datafit with a kernel spec and a separable penalty."""
    return getattr(datafit, "code", None) is not None and datafit.n_outputs == 1 and not grouped


@dataclass
class GLMGridResult:
    """Per-alpha outcome of :func:`solve_grid_compiled` (first ``n_fitted`` alphas)."""

    coefs: np.ndarray  # (p, n_fitted), Fortran order: a view of the kernel's output
    intercepts: np.ndarray
    gaps: np.ndarray
    kkts: np.ndarray
    stop_crits: np.ndarray
    tol_abs: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray
    deviance_ratios: np.ndarray
    primals: np.ndarray
    stalled: np.ndarray
    criterion: str
    status: int  # 0 every alpha fitted, 1 stopped early, 2 non-finite at the last one
    work: dict  # counts: full passes over X, entries read by partial passes, CD epochs, ...


def solve_grid_compiled(datafit, X, a1, b1, lower, upper, alphas, *, offset=None,
                        fit_intercept=True, w0=None, b0=None, tol=1e-4, refine_tol=None,
                        max_iter=1000, max_epochs=1000, p0=10, stop_rule=gn.STOP_NONE,
                        devmax=0.999, fdev=1e-5, n_back=5, col_norms=None):
    """Warm-started proximal Newton solves along ``alphas`` in one compiled call.

    The penalty at ``alpha`` has weights ``alpha * a1``, ``alpha * b1``; a single fit is
    ``alphas = [1.0]``.  Stopping, certificates and the warm start are those of
    :func:`solve_prox_newton`; ``stop_rule`` selects glmnet's early stop of the path (see
    :mod:`sparsefit._kernels.glm_newton`), confirmed at ``refine_tol``.
    """
    n, p = X.shape
    alphas = np.ascontiguousarray(alphas, dtype=np.float64)
    a1, b1, lower, upper = (np.ascontiguousarray(v, dtype=np.float64)
                            for v in (a1, b1, lower, upper))
    offset = np.zeros(n) if offset is None else np.ascontiguousarray(offset, dtype=np.float64)
    movable = ~((lower == 0) & (upper == 0))
    unpenalized = (a1 == 0) & (b1 == 0) & movable
    use_gap = bool(datafit.has_conjugate and not np.any(unpenalized))
    b_start = 0.0
    if fit_intercept:
        b_start = float(np.asarray(datafit.link_init(), dtype=np.float64).reshape(-1)[0])
        b_start -= float(np.average(offset, weights=datafit.sw))
    w = np.zeros(p) if w0 is None else np.array(w0, dtype=np.float64).reshape(p)
    if b0 is not None:
        b, b_given = float(np.asarray(b0, dtype=np.float64).reshape(-1)[0]), True
    elif w0 is not None:
        b, b_given = b_start, True
    else:
        b, b_given = 0.0, False
    m = alphas.shape[0]
    out_w = np.zeros((m, p))  # one contiguous row per alpha
    out_b = np.zeros(m)
    info = np.zeros((m, 9))
    fam, aux, prm = datafit.kernel
    df = (fam, datafit.y, aux, prm, float(datafit.hess_floor), datafit.sw, offset)
    nrm = column_norms(X) if col_norms is None else col_norms
    kernel = gn.glm_path_sparse if sp.issparse(X) else gn.glm_path_dense
    refine = tol if refine_tol is None else refine_tol
    ist = np.zeros(gn.N_STATE, dtype=np.int64)
    k, status = kernel(design_tuple(X), nrm, df, a1, b1, lower, upper, alphas,
                       bool(fit_intercept), use_gap, b_start, w, b, b_given, float(tol),
                       float(refine), int(max_iter), int(max_epochs), int(p0), int(stop_rule),
                       float(devmax), float(fdev), int(n_back), out_w, out_b, info, ist)
    info = info[:k]
    return GLMGridResult(
        coefs=out_w[:k].T, intercepts=out_b[:k], gaps=info[:, 0], kkts=info[:, 1],
        stop_crits=info[:, 2], tol_abs=info[:, 3], n_iter=info[:, 4].astype(np.int64),
        converged=info[:, 5] > 0, deviance_ratios=info[:, 6], primals=info[:, 7],
        stalled=info[:, 8] > 0, criterion="gap" if use_gap else "kkt", status=int(status),
        work={name: int(ist[i]) for name, i in (
            ("full_passes", gn.N_FULL), ("partial_pass_entries", gn.N_COLS),
            ("cd_epochs", gn.N_EPOCHS), ("datafit_evals", gn.N_EVALS),
            ("cd_entries", gn.N_CD_WORK), ("certificates", gn.N_CERTS),
            ("loss_evals", gn.N_LOSSES))})


def _warn_not_converged(res, warn):
    if warn and not res.converged:
        warnings.warn(
            f"Proximal Newton did not converge: {res.criterion} {res.stop_crit:.3e} > "
            f"tolerance {res.tol_abs:.3e} after {res.n_iter} Newton steps"
            + (" (no further decrease possible in floating point)" if res.stalled else "")
            + ". Increase max_iter, loosen tol, or increase alpha (tiny alpha on separable "
            "data makes coefficients grow without bound).",
            ConvergenceWarning, stacklevel=4,
        )
    return res


def _kkt_scale(prob, b_null):
    eta = prob.eta(np.zeros((prob.p, prob.K)), b_null)
    g, _ = prob.grad_hess(eta)
    corr = np.asarray(prob.X.T @ g) / prob.n
    free = np.isposinf(prob.pen.upper) | np.isneginf(prob.pen.lower)
    val = float(np.abs(corr[free]).max(initial=0.0))
    return val if val > 0 else 1.0


def solve_prox_newton(datafit, penalty, X, *, offset=None, fit_intercept=True, grouped=False,
                      w0=None, b0=None, tol=1e-4, max_iter=1000, p0=10, max_epochs=1000,
                      warn=True, cache=None, engine="auto", col_norms=None):
    """Minimise ``datafit + penalty`` by working-set proximal Newton.

    Parameters
    ----------
    datafit : GLM datafit (see :mod:`sparsefit.datafits._base`)
    penalty : WeightedElasticNet
        Bounds must be infinite when ``grouped``.
    X : ndarray (Fortran order) or CSC matrix with sorted indices, float32/float64
    offset : ndarray of shape (n_samples,), optional
        Added to the linear predictor.
    w0, b0 : warm start (coef ``(p, K)`` or ``(p,)``; intercept ``(K,)`` or scalar)
    tol : float
        Relative tolerance (see module docstring).
    max_iter : int
        Budget of proximal Newton steps.
    cache : dict, optional
        Quantities that depend only on ``datafit``, ``X``, ``offset``, ``fit_intercept``
        and the penalty's bounds (the null intercept, its loss, the KKT scale), kept
        between the solves of a path.  The caller must pass a fresh dict for other data
        (only used by the Python engine).
    engine : {"auto", "python"}
        ``"auto"``: the compiled solver of :mod:`sparsefit._kernels.glm_newton` for
        single-output datafits (:func:`uses_compiled`), this module's Python loop
        otherwise; ``"python"`` forces the Python loop (the reference implementation).
    col_norms : ndarray of shape (n_features,), optional
        ``||x_j||_2`` when the caller has them (the compiled solver needs them).

    Returns
    -------
    GLMResult
    """
    if engine == "auto" and uses_compiled(datafit, grouped):
        r = solve_grid_compiled(datafit, X, penalty.a, penalty.b, penalty.lower, penalty.upper,
                                [1.0], offset=offset, fit_intercept=fit_intercept, w0=w0, b0=b0,
                                tol=tol, max_iter=max_iter, max_epochs=max_epochs, p0=p0,
                                col_norms=col_norms)
        res = GLMResult(coef=r.coefs.copy(), intercept=r.intercepts.copy(),
                        primal=float(r.primals[0]), gap=float(r.gaps[0]), kkt=float(r.kkts[0]),
                        stop_crit=float(r.stop_crits[0]), criterion=r.criterion,
                        tol_abs=float(r.tol_abs[0]), n_iter=int(r.n_iter[0]),
                        converged=bool(r.converged[0]), stalled=bool(r.stalled[0]))
        return _warn_not_converged(res, warn)
    prob = _Problem(datafit, penalty, X, offset, fit_intercept, grouped)
    n, p, K = prob.n, prob.p, prob.K
    lo, hi = penalty.lower, penalty.upper
    movable = ~((lo == 0) & (hi == 0))
    zero_b = np.zeros(K)
    if cache is None:
        cache = {}
    if fit_intercept:
        if "b_null" not in cache:
            b_start = np.asarray(datafit.link_init(), dtype=np.float64).reshape(-1) * np.ones(K)
            b_start = b_start - float(np.average(prob.offset, weights=datafit.sw))
            cache["b_start"] = b_start
            cache["b_null"] = prob.polish_intercept_full(
                np.zeros((p, K)), b_start, base=prob.offset[:, None] + np.zeros((n, K)))[0]
        b_start, b_null = cache["b_start"], cache["b_null"]
    else:
        b_null = zero_b
    free = (penalty.a == 0) & (penalty.b == 0) & movable
    use_gap = (datafit.has_conjugate and K == 1 and not grouped and not np.any(free)
               and not penalty.needs_kkt_certificate)
    if use_gap:
        if "null_loss" not in cache:
            cache["null_loss"] = prob.loss(prob.eta(np.zeros((p, K)), b_null))
        tol_abs = tol * cache["null_loss"]
    else:
        key = ("kkt_scale", (np.isposinf(hi) | np.isneginf(lo)).tobytes())
        if key not in cache:
            cache[key] = _kkt_scale(prob, b_null)
        tol_abs = tol * cache[key]

    W = np.zeros((p, K)) if w0 is None else np.array(w0, dtype=np.float64).reshape(p, K)
    W = np.clip(W, lo[:, None], hi[:, None]) if not grouped else W
    W[~movable] = 0.0
    if not fit_intercept:
        b = zero_b
    elif b0 is not None:
        b = np.asarray(b0, dtype=np.float64).reshape(-1) * np.ones(K)
    else:
        b = (b_null if w0 is None else b_start).copy()
    eta = prob.eta(W, b)
    gh = None  # gradient and Hessian at eta, when known
    n_iter, tol_in, stalled = 0, np.inf, False
    while True:
        if use_gap and fit_intercept:
            b, eta, g, h = prob.polish_intercept_full(W, b, base=eta - b, gh=gh)
        elif gh is None:
            g, h = prob.grad_hess(eta)
        else:
            g, h = gh
        corr = -np.asarray(X.T @ g, dtype=np.float64) / n
        if use_gap:  # single output, separable: one certificate pass gives both
            terms = _separable_terms(W[:, 0], corr[:, 0], penalty.a, penalty.b, lo, hi)
            viol = np.maximum(np.zeros(p), terms[0])
        else:
            viol = prob.kkt(W, corr)
        viol[~movable] = 0.0
        icpt = float(np.abs(g.sum(axis=0)).max()) / n if fit_intercept else 0.0
        kkt = max(float(viol.max(initial=0.0)), icpt)
        primal = prob.loss(eta) + prob.pen_value(W)
        gap = np.nan
        if use_gap:
            u = datafit.raw_grad(eta[:, 0])
            _, _, c, conj = terms
            dual = (-datafit.conjugate(c * u)
                    + c * float(np.dot(datafit.sw * u, prob.offset)) / n - conj)
            gap = primal - dual
        stop_crit = gap if use_gap else kkt
        converged = stop_crit <= tol_abs
        if converged or n_iter >= max_iter or stalled:
            break
        support = np.any(W != 0, axis=1)
        n_movable = int(movable.sum())
        if n_movable == 0 and not fit_intercept:
            break
        ws_size = min(n_movable, max(p0, 2 * int(support.sum())))
        score = np.where(support, np.inf, viol)
        score[~movable] = -1.0
        if ws_size < p:
            ws = np.argpartition(-score, ws_size - 1)[:ws_size] if ws_size > 0 else []
        else:
            ws = np.arange(p)
        ws = np.sort(np.asarray(ws, dtype=np.int64))
        ws = ws[score[ws] >= 0]
        tol_in = min(0.3 * kkt, 0.5 * tol_in) if np.isfinite(tol_in) else 0.3 * kkt
        ws_kkt = kkt
        Xws = X[:, ws]
        while n_iter < max_iter:
            n_iter += 1
            step = _newton_step(prob, W, b, eta, g, h, ws, Xws, 0.3 * ws_kkt, max_epochs)
            if step is None:
                stalled = True
                break
            W, b, eta, g, h = step  # gradient and Hessian at the new point, from the search
            gh = (g, h)
            corr_ws = -np.asarray(Xws.T @ g, dtype=np.float64) / n
            if corr_ws.ndim == 1:
                corr_ws = corr_ws[:, None]
            v = prob.kkt(W[ws], corr_ws, rows=ws)
            v[~movable[ws]] = 0.0
            ws_kkt = max(float(v.max(initial=0.0)),
                         float(np.abs(g.sum(axis=0)).max()) / n if fit_intercept else 0.0)
            if ws_kkt <= tol_in:
                break
    res = GLMResult(coef=W, intercept=b, primal=primal, gap=gap, kkt=kkt, stop_crit=stop_crit,
                    criterion="gap" if use_gap else "kkt", tol_abs=tol_abs, n_iter=n_iter,
                    converged=bool(converged), stalled=stalled)
    return _warn_not_converged(res, warn)

def _newton_step(prob, W, b, eta, g, h, ws, Xws, tol_cd, max_epochs):
    """One proximal Newton step on the working set; ``None`` when no decrease is possible."""
    n, K = prob.n, prob.K
    pen = prob.pen
    Wn = np.ascontiguousarray(W, dtype=np.float64).copy()
    if getattr(prob.df, "full_hessian", False):
        # exact Newton model of the softmax loss (cross-class Hessian terms included)
        P = prob.df.probabilities(eta)
        sP = np.asfortranarray(prob.df.sw[:, None] * P)
        d0 = np.zeros(K)
        gk.multinomial_cd(prob.D, Wn, d0, np.array(g, order="F"), sP, np.asfortranarray(P),
                            ws, pen.a, pen.b, pen.lower, pen.upper, 1.0 / n,
                            prob.fit_intercept, prob.grouped, tol_cd, max_epochs)
    else:  # single output (the reference implementation of sparsefit._kernels.glm_newton)
        h1, g1 = np.ascontiguousarray(h[:, 0]), np.ascontiguousarray(g[:, 0])
        hs = float(h1.sum())
        d0_init = -float(g1.sum()) / hs if prob.fit_intercept and hs > 0 else 0.0
        w1 = np.ascontiguousarray(Wn[:, 0])
        m = max(len(ws), 1)
        c = prob.solve_model(prob.D, w1, g1, h1, d0_init, ws, pen.a, pen.b, pen.lower,
                             pen.upper, 1.0 / n, prob.fit_intercept, tol_cd, max_epochs, 1, 1,
                             np.empty(n), np.empty(m), np.empty(m), np.empty(n, np.int64),
                             np.empty(m), np.empty(m))[2]
        Wn[:, 0] = w1
        d0 = np.array([d0_init - c if prob.fit_intercept else 0.0])
    dW = Wn[ws] - W[ws]
    deta = np.asarray(Xws @ dW, dtype=np.float64).reshape(n, K) + d0
    dpen = prob.pen_diff(W[ws], Wn[ws], ws)
    delta = float(np.sum(g * deta)) / n + dpen
    if not delta < 0:  # the model predicts no decrease: at the floating-point floor
        return None
    f_old = None
    W_try = W.copy()
    t = 1.0
    for _ in range(40):
        eta_t = eta + t * deta
        g_t, h_t = prob.grad_hess(eta_t)
        # psi(s) = F(eta + s deta) + (1 - s) P(W) + s P(Wn) is convex and bounds the true
        # objective along the segment from above; psi'(t) <= 0 means psi(t) <= psi(0), a
        # test free of the cancellation that makes value comparisons fail near the optimum
        slope = float(np.sum(g_t * deta)) / n + dpen
        ok = slope <= 0.0
        if not ok:
            if f_old is None:
                f_old = prob.loss(eta) + prob.pen_value(W)
            W_try[ws] = W[ws] + t * dW
            ok = prob.loss(eta_t) + prob.pen_value(W_try) <= f_old + 1e-4 * t * delta
        if ok:
            W_try[ws] = W[ws] + t * dW
            return W_try, b + t * d0, eta_t, g_t, h_t
        t *= 0.5
    return None

