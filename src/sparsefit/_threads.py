"""Single-threaded BLAS while sparsefit works.

sparsefit's kernels are single-threaded numba code.  Between them, small numpy products
(weighted column means, fold predictions) wake OpenBLAS's worker threads, which then spin
waiting for more work and take the CPU from the kernel that runs next.  Measured on the
2-core development VM: 10-fold ``LassoCV`` on leukemia took 0.42-0.50 s with the default
BLAS threads and 0.22 s with one (2.4 s before the kernels stopped calling BLAS at all).
"""

from functools import lru_cache

from threadpoolctl import ThreadpoolController


@lru_cache(maxsize=1)
def _controller():
    return ThreadpoolController()  # scans the loaded libraries once (~1 ms)


def single_threaded_blas():
    """Context manager: BLAS limited to one thread inside, restored on exit (~10 us)."""
    return _controller().limit(limits=1, user_api="blas")
