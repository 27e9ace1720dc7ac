"""Per-sample losses of the single-output GLM datafits, selected by an integer family code.

Every function takes ``(fam, y_i, aux_i, prm, eta_i)``: ``fam`` one of the codes below,
``aux_i`` a per-sample constant of the family (Poisson ``y log y - y``, Gamma ``log y``;
unused otherwise) and ``prm`` its scalar parameter (the Huber threshold).  The
datafit classes of :mod:`sparsefit.datafits` and the proximal Newton kernels both call
these, so the loss the solver minimises is the one the datafit reports.  (An integer code
rather than a function argument: jitted functions passed as arguments defeat numba's
on-disk cache.)
"""

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

LOGISTIC, POISSON, GAMMA, HUBER, SQUARED_HINGE = 0, 1, 2, 3, 4
EXP_MAX = 700.0  # exp(700) ~ 1e304: beyond it the Poisson / Gamma loss is +inf


@njit(cache=True, inline="always")
def _xlogx(x):
    return x * np.log(x) if x > 0.0 else 0.0


@intrinsic
def _bits_to_float(typingctx, v):
    """The float64 whose bit pattern is the int64 ``v`` (free: a register reinterpretation)."""
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return sig, codegen


_LN2_HI = 6.93147180369123816490e-01  # ln 2 split so that k * _LN2_HI is exact for k < 2^21
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e+00


@njit(cache=True, inline="always")
def exp_neg(x):
    """``e^-x`` for ``x >= 0`` or NaN (0 beyond ``x = 708.8``, where it is below 2^-1022;
    NaN for NaN).

    Inline and free of calls, so a loop over samples stays in registers (libm's ``exp`` is
    a call per sample: 3 ns there against under 1): ``x = k ln 2 + r`` with ``|r| <= ln 2 / 2``
    (Cody-Waite: ln 2 in two parts), ``e^-r`` by its Taylor polynomial to degree 13
    (truncation below 2e-16 relative) and ``2^-k`` built from its exponent bits.  Within
    about 1 ulp of the correctly rounded value (tests/test_glm_compiled.py).
    """
    xc = x if x <= 746.0 else 746.0  # no integer overflow below (NaN: restored at the end)
    k = np.int64(xc * _INV_LN2 + 0.5)
    r = k * _LN2_LO - (xc - k * _LN2_HI)  # -x + k ln 2, in [-ln 2 / 2, ln 2 / 2]
    p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (
        1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0 + r * (1.0 / 40320.0 + r * (
            1.0 / 362880.0 + r * (1.0 / 3628800.0 + r * (1.0 / 39916800.0 + r * (
                1.0 / 479001600.0 + r * (1.0 / 6227020800.0)))))))))))))
    res = 0.0 if k > 1022 else p * _bits_to_float((1023 - min(k, 1022)) << 52)
    return res if x == x else x


@intrinsic
def _float_to_bits(typingctx, v):
    """The int64 with the bit pattern of the float64 ``v`` (the inverse of
    :func:`_bits_to_float`)."""
    sig = types.int64(types.float64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))
    return sig, codegen


_LG1 = 6.666666666666735130e-01  # log((1 + s) / (1 - s)) = 2 s + s^3 (Lg1 + ...)
_LG2 = 3.999999999940941908e-01
_LG3 = 2.857142874366239149e-01
_LG4 = 2.222219843214978396e-01
_LG5 = 1.818357216161805012e-01
_LG6 = 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01


@njit(cache=True, inline="always")
def log1p_inline(x):
    """``log(1 + x)`` (``-inf`` at -1, NaN below it or for NaN, ``inf`` at ``inf``).

    fdlibm's / musl's ``log1p`` with its branches turned into selects, so a loop over
    samples that calls it vectorises (as :func:`exp_neg`): ``1 + x = 2^k (1 + f)`` with
    ``1 + f`` in ``[sqrt(2)/2, sqrt(2))`` (``f = x``, ``k = 0`` there, else from the bits
    of the rounded ``u = 1 + x`` with the correction ``c ~ (x - (u - 1)) / u``),
    ``log(1 + f) = 2 atanh(s)``, ``s = f / (2 + f)``, by its minimax polynomial.  Within
    1 ulp of the correctly rounded value (tests/test_glm_compiled.py).
    """
    u = 1.0 + x
    hu = (_float_to_bits(u) >> 32) + (0x3ff00000 - 0x3fe6a09e)
    k = (hu >> 20) - 0x3ff
    c = ((1.0 - (u - x)) if k >= 2 else (x - (u - 1.0))) / u
    low = _float_to_bits(u) & 0xffffffff
    f = _bits_to_float((((hu & 0x000fffff) + 0x3fe6a09e) << 32) | low) - 1.0
    f = x if k == 0 else f
    c = 0.0 if k == 0 else c
    hfsq = 0.5 * f * f
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    r = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7))) + w * (_LG2 + w * (_LG4 + w * _LG6))
    dk = float(k)
    res = s * (hfsq + r) + (dk * _LN2_LO + c) - hfsq + f + dk * _LN2_HI
    ok = (x > -1.0) & (x < np.inf)
    return res if ok else (-np.inf if x == -1.0 else (x if x == np.inf else np.nan))


@njit(cache=True, inline="always")
def _logistic_deriv(y, eta, e):
    """``(p - y, p (1 - p))`` with ``p = 1 / (1 + e^-eta)`` from ``e = e^{-|eta|}``.

    The sign of ``eta`` selects the numerator (a select, not a branch: random signs made
    the branchy form mispredict on half the samples, 1.5x slower per sample).
    """
    p = (1.0 if eta >= 0.0 else e) / (1.0 + e)
    return p - y, p * (1.0 - p)


@njit(cache=True, inline="always")
def loss_i(fam, y, aux, prm, eta):
    """``l(y, eta)``; ``+inf`` where the loss overflows."""
    if fam == LOGISTIC:  # log(1 + e^eta) - y eta, without overflow
        return max(eta, 0.0) + np.log1p(np.exp(-abs(eta))) - y * eta
    if fam == POISSON:
        if eta > EXP_MAX:
            return np.inf
        return np.exp(eta) - y * eta + aux
    if fam == GAMMA:
        if -eta > EXP_MAX:
            return np.inf
        return eta + y * np.exp(-eta) - aux - 1.0
    if fam == HUBER:
        r = abs(y - eta)
        if r <= prm:  # also the whole range when prm = inf (least squares)
            return 0.5 * r * r
        return prm * r - 0.5 * prm * prm
    m = max(1.0 - y * eta, 0.0)  # squared hinge
    return m * m


@njit(cache=True, inline="always")
def deriv_i(fam, y, prm, eta):
    """``(l'(y, eta), l''(y, eta))`` (unweighted, no Hessian floor)."""
    if fam == LOGISTIC:
        return _logistic_deriv(y, eta, np.exp(-abs(eta)))
    if fam == POISSON:
        mu = np.exp(min(eta, EXP_MAX))
        return mu - y, mu
    if fam == GAMMA:
        ye = y * np.exp(min(-eta, EXP_MAX))
        return 1.0 - ye, ye
    if fam == HUBER:
        r = y - eta
        if r > prm:
            return -prm, 0.0
        if r < -prm:
            return prm, 0.0
        return -r, 1.0
    m = max(1.0 - y * eta, 0.0)  # squared hinge
    return -2.0 * y * m, 2.0 if m > 0.0 else 0.0


@njit(cache=True, inline="always")
def value_deriv_i(fam, y, aux, prm, eta):
    """``(l, l', l'')`` at ``eta`` sharing one exponential (as :func:`loss_i`, :func:`deriv_i`)."""
    if fam == LOGISTIC:
        e = np.exp(-abs(eta))
        d1, d2 = _logistic_deriv(y, eta, e)
        return max(eta, 0.0) + np.log1p(e) - y * eta, d1, d2
    if fam == POISSON:
        mu = np.exp(min(eta, EXP_MAX))
        loss = np.inf if eta > EXP_MAX else mu - y * eta + aux
        return loss, mu - y, mu
    if fam == GAMMA:
        ye = y * np.exp(min(-eta, EXP_MAX))
        loss = np.inf if -eta > EXP_MAX else eta + ye - aux - 1.0
        return loss, 1.0 - ye, ye
    d1, d2 = deriv_i(fam, y, prm, eta)
    return loss_i(fam, y, aux, prm, eta), d1, d2


@njit(cache=True, inline="always")
def conj_i(fam, y, aux, prm, u):
    """Fenchel conjugate ``l^*(u)`` on its domain (``u`` is projected onto it)."""
    if fam == LOGISTIC:  # binary entropy of v = u + y in [0, 1]
        v = min(max(u + y, 0.0), 1.0)
        return _xlogx(v) + _xlogx(1.0 - v)
    if fam == POISSON:
        v = max(u + y, 0.0)
        return _xlogx(v) - v - aux
    if fam == GAMMA:
        v = min(u, 1.0)
        return _xlogx(1.0 - v) + v * aux + v
    if fam == HUBER:
        v = min(max(u, -prm), prm)
        return v * y + 0.5 * v * v
    yu = min(y * u, 0.0)  # squared hinge
    return yu + 0.25 * yu * yu


@njit(cache=True)
def per_sample(conjugate, fam, y, aux, prm, v, out):
    """``out[i] = l(y_i, v_i)``, or ``l^*(v_i)`` when ``conjugate``; returns ``out``."""
    for i in range(v.shape[0]):
        if conjugate:
            out[i] = conj_i(fam, y[i], aux[i], prm, v[i])
        else:
            out[i] = loss_i(fam, y[i], aux[i], prm, v[i])
    return out


@njit(cache=True)
def derivatives(fam, y, prm, eta, g, h):
    """``g[i], h[i] = l'(y_i, eta_i), l''(y_i, eta_i)`` in place."""
    for i in range(eta.shape[0]):
        g[i], h[i] = deriv_i(fam, y[i], prm, eta[i])


@njit(cache=True)
def mean_loss(fam, y, aux, prm, sw, eta):
    """``(1/n) sum_i s_i l(y_i, eta_i)``; ``+inf`` if that is not finite."""
    s = 0.0
    for i in range(eta.shape[0]):
        if sw[i] != 0.0:
            s += sw[i] * loss_i(fam, y[i], aux[i], prm, eta[i])
    s /= eta.shape[0]
    return s if np.isfinite(s) else np.inf


@njit(cache=True)
def grad_hess(fam, y, prm, hfloor, sw, eta, g, h):
    """Weighted ``g = s l'`` and ``h = s max(l'', hfloor)`` in place."""
    for i in range(eta.shape[0]):
        d1, d2 = deriv_i(fam, y[i], prm, eta[i])
        g[i] = sw[i] * d1
        h[i] = sw[i] * max(d2, hfloor)


@njit(cache=True)
def loss_grad_hess(fam, y, aux, prm, hfloor, sw, eta, g, h):
    """:func:`grad_hess` in place, returning :func:`mean_loss` (one pass, shared exponential)."""
    s = 0.0
    for i in range(eta.shape[0]):
        v, d1, d2 = value_deriv_i(fam, y[i], aux[i], prm, eta[i])
        g[i] = sw[i] * d1
        h[i] = sw[i] * max(d2, hfloor)
        if sw[i] != 0.0:
            s += sw[i] * v
    s /= eta.shape[0]
    return s if np.isfinite(s) else np.inf


@njit(cache=True, inline="always")
def _deriv_cache(fam, y, prm, eta):
    """``(l', l'', e^-|eta|)``, the exponential for the logistic loss only (else 0)."""
    if fam == LOGISTIC:
        e = np.exp(-abs(eta))
        d1, d2 = _logistic_deriv(y, eta, e)
        return d1, d2, e
    d1, d2 = deriv_i(fam, y, prm, eta)
    return d1, d2, 0.0


@njit(cache=True, error_model="numpy")
def _logistic_fill(y, sw, hfloor, x, g, h, ec, h3):
    """:func:`grad_hess_cache` of the logistic loss at ``x``, plus ``h3[i] = s_i l3_i``
    (as :func:`_third`) when ``h3`` is not empty.

    No reduction, no call (:func:`exp_neg` is inline) and no zero-division check (numpy's
    error model; ``1 + e >= 1``): the loop vectorises, 4x faster per sample than one that
    calls libm's ``exp``.
    """
    third = h3.shape[0] > 0
    for i in range(x.shape[0]):
        xi = x[i]
        e = exp_neg(abs(xi))
        ec[i] = e
        p = (1.0 if xi >= 0.0 else e) / (1.0 + e)
        d2 = p * (1.0 - p)
        g[i] = sw[i] * (p - y[i])
        h[i] = sw[i] * max(d2, hfloor)
        if third:
            h3[i] = sw[i] * d2 * (1.0 - 2.0 * p)


@njit(cache=True)
def grad_hess_cache(fam, y, prm, hfloor, sw, eta, g, h, ec):
    """:func:`grad_hess`, and for the logistic loss ``ec[i] = e^-|eta_i|`` (the
    exponential the loss and a shifted intercept reuse, see :func:`shift_point`)."""
    if fam == LOGISTIC:
        _logistic_fill(y, sw, hfloor, eta, g, h, ec, np.empty(0))
        return
    for i in range(eta.shape[0]):
        d1, d2, ec[i] = _deriv_cache(fam, y[i], prm, eta[i])
        g[i] = sw[i] * d1
        h[i] = sw[i] * max(d2, hfloor)


@njit(cache=True, inline="always")
def _third(fam, y, d1, d2):
    """Unweighted third derivative from ``l' = d1``, ``l'' = d2``: ``p (1 - p) (1 - 2 p)``
    for the logistic loss (``p = d1 + y``); 0 for the other families (their intercept
    polish takes Newton steps, see ``sparsefit._kernels.glm_newton.polish_intercept``)."""
    if fam == LOGISTIC:
        return d2 * (1.0 - 2.0 * (d1 + y))
    return 0.0


@njit(cache=True)
def trial_point(fam, y, prm, hfloor, sw, eta, deta, t, et, g, h, ec, scr):
    """At ``et = eta + t deta``: :func:`grad_hess_cache` into ``g, h, ec``; returns
    ``(sum_i g_i deta_i, sum_i g_i, sum_i h_i, sum_i s_i l3_i)``, the last three the
    intercept's derivatives there (for its polish; ``l3`` as :func:`_third`).

    One pass without the loss (the line search of a Newton step decides on this slope;
    the loss, a logarithm per sample, is evaluated only where it is needed).  ``scr`` is
    workspace of the samples' length (the logistic loss: vectorised derivatives first, the
    sums after).
    """
    slope = 0.0
    gs = 0.0
    hs = 0.0
    h3 = 0.0
    if fam == LOGISTIC:
        for i in range(eta.shape[0]):
            et[i] = eta[i] + t * deta[i]
        _logistic_fill(y, sw, hfloor, et, g, h, ec, scr)
        for i in range(eta.shape[0]):
            slope += g[i] * deta[i]
            gs += g[i]
            hs += h[i]
            h3 += scr[i]
        return slope, gs, hs, h3
    for i in range(eta.shape[0]):
        x = eta[i] + t * deta[i]
        et[i] = x
        d1, d2, ec[i] = _deriv_cache(fam, y[i], prm, x)
        g[i] = sw[i] * d1
        h[i] = sw[i] * max(d2, hfloor)
        slope += g[i] * deta[i]
        gs += g[i]
        hs += h[i]
        h3 += sw[i] * _third(fam, y[i], d1, d2)
    return slope, gs, hs, h3


@njit(cache=True, error_model="numpy")
def _shift_fill(y, sw, hfloor, eta, delta, et, g, h, ect):
    """``et = eta + delta`` and the logistic ``g, h, ect`` there (:func:`_logistic_fill`
    without the third derivative): no reduction, so the loop vectorises."""
    for i in range(eta.shape[0]):
        x = eta[i] + delta
        et[i] = x
        e = exp_neg(abs(x))
        ect[i] = e
        p = (1.0 if x >= 0.0 else e) / (1.0 + e)
        g[i] = sw[i] * (p - y[i])
        h[i] = sw[i] * max(p * (1.0 - p), hfloor)


@njit(cache=True)
def shift_point(y, sw, hfloor, eta, ec, delta, et, g, h, ect):
    """Logistic derivatives at ``et = eta + delta`` (one shift for all samples, the
    intercept's); returns the intercept's derivatives there, ``(sum_i g_i, sum_i h_i,
    sum_i s_i l3_i)`` (``l3`` as :func:`_third`).  Fills ``et, g, h`` and ``ect`` (the
    cache ``e^-|et|``; ``ec``, the cache at ``eta``, is not read).

    The exponential is recomputed per sample (:func:`exp_neg`, inline) in a loop without
    reductions, which vectorises; the sums follow in a second pass (``p`` again from
    ``ect``).  Scaling the cached ``ec`` by ``e^-/+delta`` instead saved a libm call per
    sample but branched on the sign and kept the loop scalar: 101 -> 30 us per 11612
    samples.
    """
    _shift_fill(y, sw, hfloor, eta, delta, et, g, h, ect)
    gs = 0.0
    hs = 0.0
    h3 = 0.0
    for i in range(eta.shape[0]):
        e = ect[i]
        p = (1.0 if et[i] >= 0.0 else e) / (1.0 + e)
        gs += g[i]
        hs += h[i]
        h3 += sw[i] * (p * (1.0 - p)) * (1.0 - 2.0 * p)
    return gs, hs, h3


@njit(cache=True)
def intercept_sums(fam, y, sw, g, h):
    """``(sum_i g_i, sum_i h_i, sum_i s_i l3_i)`` from the weighted derivatives ``g, h``,
    as :func:`shift_point` returns them (``l3`` as :func:`_third`, from the unweighted
    ``l' = g_i / s_i`` and ``l''`` without the Hessian floor)."""
    gs = 0.0
    hs = 0.0
    h3 = 0.0
    for i in range(g.shape[0]):
        gs += g[i]
        hs += h[i]
        if fam == LOGISTIC and sw[i] != 0.0:
            p = g[i] / sw[i] + y[i]
            h3 += sw[i] * p * (1.0 - p) * (1.0 - 2.0 * p)
    return gs, hs, h3


@njit(cache=True, error_model="numpy")
def _logistic_terms(y, eta, ec, out):
    """``out[i] = l(y_i, eta_i)`` of the logistic loss from ``ec = e^-|eta|`` (inline
    :func:`log1p_inline`, no reduction: the loop vectorises)."""
    for i in range(eta.shape[0]):
        x = eta[i]
        out[i] = max(x, 0.0) + log1p_inline(ec[i]) - y[i] * x


@njit(cache=True)
def logistic_mean_loss(y, sw, eta, ec, scr):
    """:func:`mean_loss` of the logistic loss from the cached ``ec = e^-|eta|``; ``scr`` is
    workspace of the samples' length (the per-sample losses, vectorised, then their sum)."""
    _logistic_terms(y, eta, ec, scr)
    s = 0.0
    for i in range(eta.shape[0]):
        if sw[i] != 0.0:
            s += sw[i] * scr[i]
    s /= eta.shape[0]
    return s if np.isfinite(s) else np.inf


@njit(cache=True)
def dual_value(fam, y, aux, prm, sw, g, offset, c):
    """``-(1/n) sum_i s_i (l^*(c u_i) - c u_i o_i)`` with ``u_i = g_i / s_i = l'(y_i, eta_i)``.

    The datafit part of the dual objective at the rescaled dual point ``c u``, from the
    weighted gradient ``g``; ``-inf`` when the conjugate sum is not finite.
    """
    s = 0.0
    so = 0.0
    for i in range(g.shape[0]):
        if sw[i] == 0.0:
            continue
        u = g[i] / sw[i]
        s += sw[i] * conj_i(fam, y[i], aux[i], prm, c * u)
        so += g[i] * offset[i]
    n = g.shape[0]
    s /= n
    if not np.isfinite(s):
        return -np.inf
    return -s + c * so / n


@njit(cache=True)
def curvature_excess(h, deta, t):
    """``sum_i h_i (e^tau_i - 1 - tau_i)`` with ``tau_i = t |deta_i|``.

    For a loss whose third derivative is bounded by its second, ``|l'''| <= l''`` (the
    logistic loss), ``l''(x + s) <= l''(x) e^|s|``; integrated twice along the segment this
    bounds ``n F(eta + t deta) - n F(eta) - t sum_i g_i deta_i`` from above (``h`` the
    weighted Hessian at ``eta``).  One exponential per sample and no logarithm: the line
    search's sufficient-decrease test without the loss.  Rounded up (below ``tau = 1e-3``
    a series truncated above).
    """
    s = 0.0
    for i in range(h.shape[0]):
        tau = t * abs(deta[i])
        if tau < 1e-3:
            e = 0.5 * tau * tau * (1.0 + tau)
        else:
            # expm1: exp(tau) - 1 would lose ~1e-16 absolute to cancellation, up to 2e-10
            # of the excess at tau = 1e-3, more than the margin; expm1's error relative to
            # the excess is at most ~2e-16 / tau
            e = (np.expm1(tau) - tau) * (1.0 + 1e-12)
        s += h[i] * e
    return s


@njit(cache=True)
def curvature_excess_bound(q2, dmax, t):
    """An upper bound of :func:`curvature_excess` without a pass over the samples.

    ``q2 = sum_i h_i deta_i^2`` and ``dmax = max_i |deta_i|``: for ``0 <= s < 3``,
    ``e^s - 1 - s = sum_{k >= 2} s^k / k! <= s^2 / 2 * sum_{k >= 0} (s / 3)^k
    = s^2 / (2 (1 - s / 3))`` (as ``2 / k! <= 3^(2 - k)``), and ``1 / (1 - s / 3)`` grows
    with ``s``, so the excess is at most ``t^2 q2 / (2 (1 - t dmax / 3))``; ``inf`` where
    ``t dmax >= 3``.  Within a factor ``1 + t dmax / 3`` of the exact sum, which a Newton
    step's small moves make tight.  Rounded up (``q2`` is a sum of non-negative terms).
    """
    s = t * dmax
    if not s < 3.0:
        return np.inf
    return t * t * q2 / (2.0 * (1.0 - s / 3.0)) * (1.0 + 1e-10)


@njit(cache=True, error_model="numpy")
def _loss_entropy_terms(y, eta, ec, c, s1, s2):
    """Per sample, the logistic loss ``s1[i]`` and the binary entropy ``s2[i]`` of
    :func:`logistic_loss_dual` (``0 < c < 1``)."""
    logc = np.log(c)
    omc = 1.0 - c
    for i in range(eta.shape[0]):
        x = eta[i]
        e = ec[i]
        lg = log1p_inline(e)
        s1[i] = max(x, 0.0) + lg - y[i] * x
        z = x - 2.0 * y[i] * x
        pos = z >= 0.0
        q = c * (1.0 if pos else e) / (1.0 + e)
        r = omc * e if not pos else (omc / e if e > 0.0 else np.inf)
        series = r * (1.0 - r * (0.5 - r * (1.0 / 3.0 - 0.25 * r))) - (lg + max(z, 0.0))
        l1q = series if r < 1e-3 else log1p_inline(-q)
        s2[i] = q * (logc - lg - max(-z, 0.0)) + (1.0 - q) * l1q


@njit(cache=True)
def logistic_loss_dual(y, sw, eta, ec, g, offset, c, s1, s2):
    """``(mean loss, dual_value(c))`` of the logistic loss in one pass, for ``y`` in {0, 1}
    and ``0 < c < 1``.

    The conjugate at ``c u_i`` is the binary entropy of ``q = c p~``, ``p~ = sigmoid(z)``
    the probability of the class not observed (``z = eta`` if ``y = 0``, else ``-eta``):
    ``q log q + (1 - q) log(1 - q)`` with ``log p~`` and ``log(1 - p~)`` from the loss's own
    ``log1p(e^-|z|)`` and ``1 - q = (1 - p~)(1 + r)``, ``r = (1 - c) e^z``.  ``log1p(r)``
    is a 4-term series below ``r = 1e-3`` (relative error < 2e-13; the samples the model
    fits well), a ``log1p`` above: with ``ec = e^-|eta|`` cached (:func:`grad_hess_cache`)
    a sample costs one ``log1p`` where the loss plus :func:`dual_value` took two
    transcendental functions and two logarithms.  The dual is ``-inf`` when its sum is not
    finite (as :func:`dual_value`).  ``s1, s2`` are workspace of the samples' length: the
    per-sample terms come from a loop without reductions (both logarithms inline, both
    branches evaluated and selected), which vectorises, 203 -> 40 us per 11612 samples;
    the sums follow.
    """
    n = eta.shape[0]
    _loss_entropy_terms(y, eta, ec, c, s1, s2)
    sl = 0.0
    sc = 0.0
    so = 0.0
    for i in range(n):
        if sw[i] != 0.0:
            sl += sw[i] * s1[i]
            sc += sw[i] * s2[i]
            so += g[i] * offset[i]
    sl /= n
    sc /= n
    loss = sl if np.isfinite(sl) else np.inf
    if not np.isfinite(sc):
        return loss, -np.inf
    return loss, -sc + c * so / n
