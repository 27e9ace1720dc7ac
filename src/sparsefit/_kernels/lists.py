"""Listing the features a branch-free pass has flagged.

The certificates test every feature (is it at zero, is its bound below its penalty?) with
no branches, into one byte per feature, so the tests compile to vector instructions; a
quarter of the features may pass them in no pattern a branch predictor could learn
(riboflavin, colon), which made the branchy loops mispredict most of their time.  The
bytes are then listed here and the loops that follow run over the list.
"""

import numpy as np
from numba import njit


@njit(cache=True)
def flag_buffer(p):
    """Bytes for ``p`` flags, zeroed: a multiple of 8 long, as :func:`flagged` reads them."""
    return np.zeros(8 * ((p + 7) // 8), dtype=np.uint8)


@njit(cache=True, inline="always")
def flagged(flag, p, lst):
    """``lst[:m]`` = the features ``j < p`` with ``flag[j] != 0``, increasing; returns ``m``.

    Branch-free within each group of 8 (``flag``'s length is a multiple of 8; a group of
    zeros is skipped at once).
    """
    m = 0
    words = flag.view(np.uint64)
    for k in range(words.shape[0]):
        if words[k] == 0:
            continue
        for j in range(8 * k, min(8 * k + 8, p)):
            lst[m] = j
            m += np.int64(flag[j] != 0)
    return m
