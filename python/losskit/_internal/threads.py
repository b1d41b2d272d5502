"""Thread control, public as `losskit.set_num_threads` and `losskit.get_num_threads`. Large
calls split their work over threads; results are bitwise identical for any thread count
(fixed blocks, block sums combined in a fixed order), and calls too small to gain from threads
stay on the calling thread. The GIL is released during every call, so Python threads calling
LossKit also run in parallel."""
from __future__ import annotations

from . import _native
from .arrays import as_int

__all__ = ["set_num_threads", "get_num_threads"]


def set_num_threads(n: int) -> None:
    """Sets how many threads large calls may use, for the whole process. `n = 0` restores the
    default: the environment variable LOSSKIT_NUM_THREADS if it is a positive integer, else
    the number of CPUs this process may run on."""
    _native.set_num_threads(as_int(n, "n"))


def get_num_threads() -> int:
    """The number of threads large calls use now."""
    return _native.get_num_threads()
