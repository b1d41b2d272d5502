"""Output arrays (losses, gradients, Hessians): fresh for small results, recycled for large ones.

Writing a large result into newly allocated memory makes the kernel fault in and zero every
page first: on this project's machine, `mse_loss` with its gradient on 10M float32 elements
took 5.3 ms into a new array and 2.9 ms into a reused one. glibc serves blocks below 128 KiB
(its initial mmap threshold) warm from its heap, but maps larger ones fresh or trims them
back to the system when they are freed, so a call pays again and again: BCE-with-logits on
50 000 float64 elements with gradient and Hessian took 7.6 ns per element into new arrays,
2.9 into recycled ones. Training loops drop each step's outputs before (or soon after) the
next step, so LossKit keeps the output buffers of 128 KiB and more that it allocated and hands
one out again once nothing else refers to it.

The rules (documented for users in the README, "Output arrays"):

* Only outputs of at least `MIN_BYTES` are recycled; smaller ones are plain `np.empty`.
* A buffer is reused only when the cache holds its only reference: any array or view made from
  it, a memoryview, or a tensor made by `torch.from_numpy` keeps it out of reuse.
* At most `set_output_cache(max_bytes)` bytes are kept (default `DEFAULT_MAX_BYTES`); 0 turns
  recycling off and frees what is kept. Idle buffers beyond the limit are dropped oldest first.
* A loss call never waits for the cache: one that finds it busy gets a fresh array (see `_lock`).

A recycled output is an ordinary writable, C-contiguous array whose `base` is the cached
buffer (so `owndata` is False) and whose contents are undefined until the kernel writes them,
as with `np.empty`.
"""
from __future__ import annotations

import sys
import threading

import numpy as np

MIN_BYTES = 128 << 10
DEFAULT_MAX_BYTES = 1 << 30

# Guards `_buffers`. Never waited for by a loss call: code under it can be interrupted on its
# own thread by a garbage collection (running finalizers) or a signal handler, either of which
# may call a loss (a plain lock would then wait for itself forever; a reentrant one would let
# the nested call change the list under the outer one), and such a finalizer may wait for
# something another thread holds while that thread calls a loss. So a call that finds the
# cache busy takes a fresh array instead: it only loses the recycling for that one output.
_lock = threading.Lock()
_buffers: list[np.ndarray] = []  # 1-D uint8 buffers, least recently handed out first
_max_bytes = DEFAULT_MAX_BYTES


def new_output(shape: tuple[int, ...] | int, dtype: np.dtype) -> np.ndarray:
    """An uninitialised C-contiguous array for a kernel to fill (see the module docstring)."""
    dtype = np.dtype(dtype)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    nbytes = dtype.itemsize
    for n in shape:
        nbytes *= n
    if nbytes < MIN_BYTES or not _lock.acquire(blocking=False):
        return np.empty(shape, dtype)
    try:
        buffer = _take_idle(nbytes) if _max_bytes else None
        if buffer is None:
            _make_room(nbytes)  # also applies a limit lowered while the cache was busy
            if _cached_bytes() + nbytes > _max_bytes:
                return np.empty(shape, dtype)
            buffer = np.empty(nbytes, np.uint8)
            _buffers.append(buffer)
    finally:
        _lock.release()
    return buffer.view(dtype).reshape(shape)


def _is_idle(k: int) -> bool:
    """Whether `_buffers[k]` is referred to only by the cache: `sys.getrefcount` sees the
    list's reference and its own argument's."""
    return sys.getrefcount(_buffers[k]) == 2


def _take_idle(nbytes: int) -> np.ndarray | None:
    """An idle cached buffer of exactly `nbytes`, moved to the most recently used end."""
    for k in range(len(_buffers)):
        if _buffers[k].nbytes == nbytes and _is_idle(k):
            buffer = _buffers.pop(k)
            _buffers.append(buffer)
            return buffer
    return None


def _cached_bytes() -> int:
    return sum(b.nbytes for b in _buffers)


def _make_room(nbytes: int) -> None:
    """Drops idle buffers, least recently used first, until `nbytes` more fit the limit."""
    k = 0
    while k < len(_buffers) and _cached_bytes() + nbytes > _max_bytes:
        if _is_idle(k):
            del _buffers[k]
        else:
            k += 1


def set_output_cache(max_bytes: int) -> int:
    """Sets how many bytes of large output buffers LossKit may keep for reuse, and returns the
    previous limit. 0 disables recycling and frees the idle buffers; arrays still in use stay
    valid (they are ordinary numpy arrays that own a reference to their buffer). If the cache
    is busy at that moment (another thread, or this one interrupted by a finalizer), the idle
    buffers beyond the limit are dropped by the next large output instead."""
    global _max_bytes
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, (int, np.integer)):
        raise TypeError(f"max_bytes: expected an integer, got {type(max_bytes).__name__}")
    if max_bytes < 0:
        raise ValueError(f"max_bytes: expected a number of bytes >= 0, got {max_bytes}")
    previous, _max_bytes = _max_bytes, int(max_bytes)
    # Called from a finalizer or a signal handler while this thread is inside `new_output`, or
    # while another thread is, waiting could hang: the next large output applies the limit.
    if _lock.acquire(blocking=False):
        try:
            _make_room(0)
            if _max_bytes == 0:
                _buffers.clear()
        finally:
            _lock.release()
    return previous
