"""Working-set coordinate descent with Anderson extrapolation and gap-safe screening.

The algorithm (certificate, screening, working set, inner coordinate descent, warm starts
along a grid of alphas) runs in one compiled call,
:func:`sparsefit._kernels.quadratic_path.solve_path_dense` (or ``_sparse``); see that
module for the details.  This module prepares its inputs once per problem
(:class:`QuadraticCD`), and :func:`solve_cd` is the fit at one alpha: a grid of length one.
"""

import warnings

import numpy as np

from .._kernels.quadratic_path import (
    EXTRA_COST,
    HALF,
    MAX_GRAM,
    NEWTON,
    POOL,
    REFRESH,
    REFRESH_SPARSE,
    STOP_DEVMAX,
    STOP_FDEV,
    STOP_NONE,
)
from ..exceptions import ConvergenceWarning
from ..penalties import WeightedElasticNet
from ._certificate import free_basis
from ._result import SolverResult

# largest dense design given a binary16 copy for the certificates' screening pass (128 MB)
HALF_MAX_ENTRIES = 2**26

__all__ = ["QuadraticCD", "solve_cd", "STOP_NONE", "STOP_FDEV", "STOP_DEVMAX"]


def stopping_scale(datafit, penalty, design):
    """``(criterion, scale)``: what the tolerance is relative to, for each certificate kind."""
    if penalty.needs_kkt_certificate:
        # no feasible dual point: compare KKT violations with the size of X^T y / n
        return "kkt", float(np.max(np.abs(design.rmatvec(datafit.y)))) / datafit.n_samples
    return "gap", datafit.null_value()


def warn_not_converged(res, solver):
    reached = res.gap if res.criterion == "gap" else res.kkt
    warnings.warn(
        f"{solver} did not converge: {res.criterion} {reached:.3e}"
        f" > tolerance {res.tol_abs:.3e} after {res.n_iter} iterations. Increase max_iter, "
        "loosen tol, or use solver='cd' (the most robust choice).",
        ConvergenceWarning,
        stacklevel=3,
    )


class Workspace:
    """Large buffers handed from one solver to the next (the folds of a cross-validation).

    A fold's Gram cache and binary16 copy of ``X`` are tens of MB; allocated afresh for
    every fold, they were returned to the system in between and every page touched again
    faulted (Toeplitz 500 x 5000 10-fold CV: 25,000-32,000 faults, 50-60 ms of system time
    per CV, as much as the float32 pass saved).  Only for solvers used one after the other:
    each :class:`QuadraticCD` built with a workspace takes over its buffers.
    """

    def __init__(self):
        self._bufs = {}
        self._have = None  # the last Gram cache's (have, n_slots)

    def take(self, key, shape, dtype, zeros=False):
        """A C-ordered array of ``shape`` over the buffer named ``key``: uninitialised, or
        all zero when ``zeros`` and the buffer is new (a new one is zeroed lazily)."""
        size = int(np.prod(shape))
        buf = self._bufs.get(key)
        if buf is None or buf.size < size or buf.dtype != dtype:
            buf = (np.zeros if zeros else np.empty)(size, dtype=dtype)
            self._bufs[key] = buf
        return buf[:size].reshape(shape)

    def gram(self, cap):
        """``(G, have)`` for a Gram cache of ``cap`` slots, ``have`` all False: the last
        cache's flags are cleared where it can have set them (slots it used)."""
        if self._have is not None:
            have, n_slots = self._have
            k = int(n_slots[0])
            have[:k, :k] = False
        return (self.take("gram", (cap, cap), np.float64),
                self.take("have", (cap, cap), np.bool_, zeros=True))

    def lend(self, have, n_slots):
        self._have = (have, n_slots)


class QuadraticCD:
    """Coordinate descent prepared for one quadratic problem and a family of penalties.

    The penalty at ``alpha`` has weights ``alpha * a1`` (L1) and ``alpha * b1`` (L2) on the
    box ``[lower, upper]``; which features are free, and whether the certificate is a gap or a
    KKT violation, do not depend on ``alpha``.  The instance keeps the warm-start state
    (coefficients, residual, ``X^T r / n``) between calls to :meth:`run`.

    ``ws_growth``: the working set is the support times this, at least ``p0``.  Along a path
    1.25 (the active set lets violators inside the working set join cheaply, so a smaller
    set pays: 10-fold LassoCV Toeplitz 500 x 5000 -5-7%, Reuters "earn" -3-7%, riboflavin
    unchanged, leukemia +2-3% against 1.5; 1.1 was slower); :func:`solve_cd` keeps 1.5 for
    single fits, where it was measured.
    ``max_gram`` (size of the Gram cache), ``refresh`` (when a certificate recomputes every
    correlation rather than bounding them; None: ``REFRESH``, or ``REFRESH_SPARSE`` on
    sparse designs), ``half`` (when it takes a half-precision pass instead; 0 never),
    ``extra_cost`` (how many correlations a new alpha computes at once to certify the last
    solution, see ``EXTRA_COST``), ``newton`` (how eagerly the Gram solver replaces
    epochs by an exact solve on the current face; 0 never) and ``pool`` (in ``[0, 1]``: how
    far below its limit a zero feature of a dense design must be to wait outside the
    solver's loops along a grid, see ``quadratic_path._solve_path``; 0 never; not on
    single fits) only change speed, never the certified result; tests set them to
    extremes to exercise every branch.
    The half-precision pass needs a binary16 copy of a dense float64 design (a quarter of
    its memory, made on first use), so it is off beyond ``HALF_MAX_ENTRIES`` entries.
    """

    def __init__(self, datafit, design, a1, b1, lower, upper, *, p0=10, n_acc=5,
                 screening=True, ws_growth=1.25, inner_ratio=0.3, max_gram=MAX_GRAM,
                 refresh=None, newton=NEWTON, half=HALF, extra_cost=EXTRA_COST,
                 pool=POOL, workspace=None):
        self.datafit, self.design = datafit, design
        pen1 = WeightedElasticNet(np.asarray(a1, np.float64), np.asarray(b1, np.float64),
                                  np.asarray(lower, np.float64), np.asarray(upper, np.float64))
        self.a1, self.b1, self.lower, self.upper = pen1.a, pen1.b, pen1.lower, pen1.upper
        self.criterion, self.scale = stopping_scale(datafit, pen1, design)
        self.lips = np.asarray(datafit.lipschitz(design.col_sq_norms), dtype=np.float64)
        self.zero = self.lips == 0
        self.free = pen1.free & ~self.zero
        self.Q = free_basis(design, self.free)
        self.movable = ~self.zero & ~((self.lower == 0) & (self.upper == 0))
        self.norms = np.asarray(design.col_norms, dtype=np.float64)
        if refresh is None:
            refresh = REFRESH_SPARSE if design.is_sparse else REFRESH
        if (design.is_sparse or design.dtype != np.float64
                or design.n_samples * design.n_features > HALF_MAX_ENTRIES):
            half = 0.0
        shape = (design.n_features, design.n_samples) if half > 0 else (0, 0)
        self.half_copy = (np.empty(shape, np.uint16) if workspace is None
                          else workspace.take("half", shape, np.uint16))
        # the rows (CSR) of the Gram cache's first slots' features, for its fill on sparse
        # data (see quadratic_path._row_route); none until prefill_gram.  They belong to
        # this solver's cache, whose slots they name: the kernel gets them appended to the
        # design tuple (always, so that one tuple type is compiled)
        self.rows = self._no_rows = (np.zeros(0, dtype=np.int64), np.empty(0, dtype=np.int32),
                                     np.empty(0), np.zeros(2, dtype=np.int64))
        if not 0.0 <= pool <= 1.0:  # (beyond 1 a pooled feature could pass its limit)
            raise ValueError(f"pool must be in [0, 1], got {pool!r}")
        self.options = (int(p0), float(ws_growth), float(inner_ratio), int(n_acc),
                        bool(screening), int(max_gram), float(refresh), float(newton),
                        float(half), float(extra_cost), float(pool))
        self.y = np.asarray(datafit.y, dtype=design.dtype)
        # the working sets of a path use at most ~2.5 n_samples distinct features (riboflavin,
        # leukemia: 100-150 on ~57 rows; Toeplitz 500 x 5000: ~640 on 400): a cache of
        # 4 n_samples (1500 at least) leaves room, and a fold's first touches of the block
        # then span fewer pages (riboflavin LassoCV ~4% faster than with 3000)
        cap = min(design.n_features, int(max_gram), max(1500, 4 * design.n_samples))
        # Gram cache of the working-set columns (see quadratic_path._gram_cd), kept across
        # runs: (slot_of, G, have, xty, [n_slots, call], stamp); np.empty/np.zeros pages are
        # touched lazily
        # and the active-set factor kept between inner solves (see gram_cd.active_set):
        # faces beyond ~n_samples are singular for the lasso, so its size is capped there
        h = min(cap, 1024, design.n_samples + 64)
        if workspace is None:
            G, have = np.empty((cap, cap)), np.zeros((cap, cap), dtype=bool)
        else:
            G, have = workspace.gram(cap)
        n_slots = np.zeros(2, dtype=np.int64)
        if workspace is not None:
            workspace.lend(have, n_slots)
        self.gram = (np.full(design.n_features, -1, dtype=np.int64), G, have, np.empty(cap),
                     n_slots, np.full(cap, -1, dtype=np.int64),
                     (np.empty((h, h)), np.empty(h, dtype=np.int64),
                      np.zeros(2, dtype=np.int64), np.full(cap, -1, dtype=np.int64)))
        self.start()

    def start(self, w0=None, corr0=None, resid0=None):
        """Set the warm start.  ``corr0 = X^T (y - X w0) / n`` and ``resid0 = y - X w0`` are
        trusted when given (a stale one would void the certificate); both are ignored when
        ``w0`` had to be changed (clipped to the bounds, or nonzero on a zero column)."""
        design, p = self.design, self.design.n_features
        w = np.zeros(p, dtype=design.dtype) if w0 is None else np.array(w0, dtype=design.dtype)
        w[self.zero] = 0.0
        w = np.clip(w, self.lower, self.upper).astype(design.dtype)
        unchanged = w0 is not None and np.array_equal(w, w0)
        self.w = w
        self.state = np.zeros(1, dtype=design.dtype)
        if resid0 is not None and unchanged:
            self.r = np.array(resid0, dtype=design.dtype)
        else:
            self.r = (self.y - design.matvec(w) if np.any(w) else self.y).astype(design.dtype)
        self.corr = np.zeros(p)
        self.known = np.zeros(p, dtype=bool)
        if corr0 is not None and unchanged:
            self.corr[:] = corr0
            self.known[:] = ~self.zero

    def run(self, alphas, tol, max_iter, *, refine_tol=None, early_stop=False,
            min_alphas=5, fdev=1e-5, devmax=0.999, coefs=None):
        """Solve at each alpha of the decreasing grid ``alphas`` from the current state.

        ``tol`` is relative (times the null objective for gaps, ``||X^T y||_inf / n`` for
        KKT violations); ``max_iter`` is the epoch budget per alpha.  With ``early_stop``,
        glmnet's deviance rules end the grid early (the deciding solutions refined to
        ``refine_tol`` first).  Returns a dict of per-alpha arrays (``coefs`` is
        ``(n_features, n_solved)``) plus ``stop`` (a ``STOP_*`` code).  ``coefs``: an
        ``(n_features, len(alphas))`` array of the design's dtype the coefficients are
        written to (a cross-validation fold's reused buffer, see ``Workspace``), else new.
        """
        design = self.design
        alphas = np.ascontiguousarray(alphas, dtype=np.float64)
        m, p = alphas.shape[0], design.n_features
        if coefs is None:
            coefs = np.empty((p, m), dtype=design.dtype, order="F")
        elif coefs.shape != (p, m) or coefs.dtype != design.dtype:
            raise ValueError(f"coefs must be a {(p, m)} array of {design.dtype}")
        out = dict(coefs=coefs, gaps=np.empty(m),
                   kkts=np.empty(m), primals=np.empty(m), n_iter=np.zeros(m, dtype=np.int64),
                   converged=np.zeros(m, dtype=bool), devs=np.empty(m))
        tol_abs = tol * self.scale
        # refining below what the dtype can certify only burns the epoch budget (float32:
        # a gap of 1e-9 of the null objective is under its round-off)
        floor = 50 * float(np.finfo(design.dtype).eps)
        refine_abs = tol_abs if refine_tol is None else max(refine_tol, floor) * self.scale
        (p0, ws_growth, inner_ratio, n_acc, screening, max_gram, refresh, newton,
         half, extra_cost, pool) = self.options
        D = design.kernel_data + self.rows if design.is_sparse else design.kernel_data
        n_done, stop = design.path_kernel(
            D, self.y, design.v.astype(design.dtype), alphas, self.a1,
            self.b1, self.lower, self.upper, self.lips, self.norms, self.zero, self.free,
            self.Q, self.movable, tol_abs, refine_abs, int(max_iter), p0, ws_growth,
            inner_ratio, n_acc, self.criterion == "gap", screening, self.gram, refresh, newton,
            half, extra_cost, self.half_copy, pool if m > 1 else 0.0, bool(early_stop),
            int(min_alphas), float(fdev), float(devmax), self.w, self.r, self.state, self.corr,
            self.known, out["coefs"], out["gaps"], out["kkts"], out["primals"], out["n_iter"],
            out["converged"], out["devs"])
        out = {k: v[:, :n_done] if k == "coefs" else v[:n_done] for k, v in out.items()}
        out["stop"], out["tol_abs"] = int(stop), tol_abs
        return out

    def gram_features(self):
        """The features whose Gram entries are cached, in cache order."""
        slot_of = self.gram[0]
        feats = np.flatnonzero(slot_of >= 0)
        return feats[np.argsort(slot_of[feats], kind="stable")]

    def prefill_gram(self, features, G, rows=None):
        """Start the Gram cache from ``G = X_c[:, F]^T X_c[:, F]`` for ``F = features``.

        ``F``: distinct features in the order of ``G``'s rows.  The entries are trusted by
        the solver, so they must be this design's (up to round-off); ``X_c[:, F]^T y`` is
        computed here, exactly.  The cache's previous content is dropped; features beyond
        its capacity, or with a zero column, are left out.  ``rows`` (sparse designs):
        ``(rb, rpos, rval, pos, n_pos)``, the design's rows over a set of
        ``n_pos`` columns that holds ``F`` at positions ``pos``, as
        :meth:`sparsefit.model_selection._shared_gram.SharedGram.fold` gives them (see
        :func:`sparsefit._kernels.quadratic_path._row_route`), trusted like ``G``; the
        features entering the cache later fill their entries with ``F`` through them.
        """
        slot_of, Gc, have, xt, n_slots, stamp = self.gram[:6]
        features = np.asarray(features, dtype=np.int64)
        keep = np.flatnonzero(~self.zero[features])[: Gc.shape[0]]
        f = keep.shape[0]
        feats = np.ascontiguousarray(features[keep])
        xty = np.zeros(self.design.n_features)
        self.design.corr_cols_kernel(self.design.kernel_data, self.y,
                                     np.zeros(1, dtype=self.design.dtype), feats, 1.0, xty)
        n_old = int(n_slots[0])
        slot_of[:] = -1
        have[:n_old, :n_old] = False  # entries beyond the used slots were never set
        slot_of[feats] = np.arange(f)
        Gc[:f, :f] = G if f == G.shape[0] else G[np.ix_(keep, keep)]
        have[:f, :f] = True
        xt[:f] = xty[feats]
        n_slots[0] = f
        stamp[:f] = n_slots[1]  # all pairs known, as after a Gram inner solve
        self.gram[6][2][0] = 0  # no kept active-set factor: slots were renumbered
        self.rows = self._no_rows  # any earlier rows name the old slots
        if self.design.is_sparse and rows is not None:
            rb, rpos, rval, pos, n_pos = rows
            # meta: slots with rows, positions in all, then each slot's position
            meta = np.concatenate([[f, n_pos], pos[keep]]).astype(np.int64)
            self.rows = (rb, rpos, rval, meta)

    def residual(self):
        """The full centred residual ``y - X_c w`` of the current state."""
        return self.design.full_residual(self.r, self.state)

    def corr_if_complete(self):
        """``X^T r / n`` of the current state when known for every feature, else None."""
        return self.corr.copy() if np.all(self.known | self.zero) else None


def solve_cd(datafit, penalty, design, w0=None, tol=1e-4, max_iter=10_000, p0=10, n_acc=5,
             screening=True, warn=True, ws_growth=1.5, inner_ratio=0.3, corr0=None,
             resid0=None):
    """Minimise ``datafit + penalty`` by working-set coordinate descent.

    Stops when the duality gap is at most ``tol`` times the null objective (or the KKT
    violation at most ``tol`` times ``||X^T y||_inf / n`` when no dual point exists).
    ``max_iter`` bounds the number of coordinate-descent epochs; the reported ``n_iter``
    counts those epochs plus the passes over ``X`` that computed certificates.
    ``corr0 = X^T (y - X w0) / n`` and ``resid0 = y - X w0`` may be given with ``w0`` to
    save the first pass and a product with ``X``; both are trusted.
    """
    cd = QuadraticCD(datafit, design, penalty.a, penalty.b, penalty.lower, penalty.upper,
                     p0=p0, n_acc=n_acc, screening=screening, ws_growth=ws_growth,
                     inner_ratio=inner_ratio)
    cd.start(w0, corr0, resid0)
    out = cd.run(np.ones(1), tol, max_iter)
    res = SolverResult(
        coef=out["coefs"][:, 0].copy(), primal=float(out["primals"][0]),
        gap=float(out["gaps"][0]), kkt=float(out["kkts"][0]), n_iter=int(out["n_iter"][0]),
        converged=bool(out["converged"][0]), criterion=cd.criterion, tol_abs=out["tol_abs"],
        corr=cd.corr_if_complete(), resid=cd.residual(),
    )
    if warn and not res.converged:
        warn_not_converged(res, "Coordinate descent")
    return res
