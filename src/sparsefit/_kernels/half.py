"""A half-precision (IEEE binary16) copy of a dense design, for the certificates' screening
pass (see :func:`sparsefit._kernels.quadratic_path._certificate`).

Near interpolation most features need ``x_j^T r`` at every certificate, but only to tell
a zero feature below its threshold, i.e. to ~1e-3 of ``||x_j|| ||r|| / n`` at worst
(Toeplitz 500 x 5000 fold paths: with that error, 4 features per alpha were left for an
exact dot product, against 0.1 with float32's).  The pass reads the whole matrix and is
bound by memory bandwidth, so storing it in 16 bits rather than float32's 32 halves it
(a 360 x 5000 pass: 42 against 77 us with the data in cache, more from memory).

Numba has no float16 type on the CPU: the copy is held as ``uint16`` bit patterns,
converted by LLVM's ``half`` type (one vector instruction per 16 values with F16C).
Every column is scaled by a power of two taken from its norm, so that its values are
within binary16's range and its subnormals are negligible against its norm; the residual
likewise.  The scalings are exact, and so is undoing them.
"""

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from .flags import FAST


@intrinsic
def _half_to_float(typingctx, bits):
    """The float32 value of the binary16 number whose bits are ``bits`` (exact)."""
    sig = types.float32(types.uint16)

    def codegen(context, builder, signature, args):
        return builder.fpext(builder.bitcast(args[0], ir.HalfType()), ir.FloatType())
    return sig, codegen


@intrinsic
def _float_to_half(typingctx, value):
    """The bits of ``value`` (float32) rounded to binary16 (to nearest even)."""
    sig = types.uint16(types.float32)

    def codegen(context, builder, signature, args):
        return builder.bitcast(builder.fptrunc(args[0], ir.HalfType()), ir.IntType(16))
    return sig, codegen


@njit(cache=True, inline="always")
def _pow2_scale(norm):
    """``2^k`` with ``2^13 <= norm * 2^k < 2^14`` (1 for a zero or non-finite norm: a
    column whose norm overflowed gets inf or NaN values, never skipped on)."""
    if not (norm > 0.0 and norm < np.inf):
        return 1.0
    _, e = math.frexp(norm)  # norm = m 2^e, 0.5 <= m < 1
    return math.ldexp(1.0, 14 - e)


@njit(cache=True, inline="always")
def half_error(n):
    """Bound on ``|half_dots - x^T r|`` per unit ``||x|| ||r||`` over ``n`` rows.

    The column's entries are rounded twice (to float32, then binary16: ``u16 + u32``),
    the residual's once (``u32``), and the float32 sum of ``n`` exact products in any
    order adds ``(n - 1) u32`` (Cauchy-Schwarz turns the entrywise errors into norms);
    ``u16 = 2^-11``, ``u32 = 2^-24``, plus 1% for the second-order terms.  Subnormal
    binary16 entries add at most ``2^-25 sqrt(n)`` absolute against a scaled norm of at
    least ``2^13``.  Infinite from 100,000 rows, where the bound says nothing anyway.
    """
    if n >= 100_000:
        return np.inf
    return 1.01 * (2.0 ** -11 + (n + 3) * 2.0 ** -24) + 2.0 ** -37 * np.sqrt(n)


@njit(cache=True, fastmath=FAST)
def make_half_copy(X, norms, XH, unscale):
    """``XH[j] = binary16(X[:, j] * s_j)`` with ``s_j = _pow2_scale(norms[j])``, and
    ``unscale[j] = 1 / s_j``; ``X`` is ``(n, p)`` float64, ``XH`` ``(p, n)`` uint16,
    ``norms[j] >= ||X[:, j]||``."""
    n, p = X.shape
    for j in range(p):
        s = _pow2_scale(norms[j])
        unscale[j] = 1.0 / s
        for i in range(n):
            XH[j, i] = _float_to_half(np.float32(X[i, j] * s))


@njit(cache=True, fastmath=FAST)
def half_dots(XH, unscale, resid, r32, out):
    """``out[j] ~ x_j^T resid`` for every column of the copy ``XH`` (float32 products and
    sums; within ``half_error(n) ||x_j|| ||resid||``); ``unscale`` as made with the copy,
    ``r32`` a float32 buffer of ``n``.  Returns ``||resid||``, computed without
    underflow (a residual too small for its squares is scaled like the columns)."""
    p, n = XH.shape
    big = 0.0
    for i in range(n):
        big = max(big, abs(resid[i]))
    h = _pow2_scale(big)  # |resid_i| h < 2^14, exact
    inv_h = 1.0 / h
    ssq = 0.0
    for i in range(n):
        v = resid[i] * h
        ssq += v * v
        r32[i] = np.float32(v)
    for j in range(p):
        s = np.float32(0.0)
        for i in range(n):
            s += _half_to_float(XH[j, i]) * r32[i]
        out[j] = float(s) * unscale[j] * inv_h  # (exact: powers of two)
    return np.sqrt(ssq) * inv_h
