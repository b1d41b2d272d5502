"""The shared path of embedding, metric-learning and ranking losses to `lk_embedding`."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _native
from .arrays import as_input, as_like, check_flag, reduction_code
from .catalogue import loss_id
from .outputs import new_output

SWAP = 1  # LK_EMBEDDING_SWAP


def evaluate(name: str, params: tuple[float, ...], inputs: list[tuple[Any, str]], target: Any,
              *, rows_shape: tuple[int, ...], dim: int, reduction: str, sample_weight: Any, grad: Any,
              flags: int = 0, reshape: tuple[int, ...] | None = None) -> Any:
    """Runs lk_embedding. `inputs` are the (array, name) inputs, already checked to share one
    shape: `rows_shape + (dim,)` (or `reshape`, the caller's shape for dim-1 losses)."""
    code = reduction_code(reduction)
    want_grad = check_flag(grad, "grad")
    first = inputs[0][0]
    dtype = first.dtype
    rows = int(np.prod(rows_shape, dtype=np.int64))
    arrays = [np.ascontiguousarray(a, dtype=dtype).reshape(rows * dim) for a, _ in inputs]
    t = None
    if target is not None:
        t = as_like(target, "target", dtype)
        if t.shape != rows_shape:
            raise ValueError(f"target: expected shape {rows_shape}, got {t.shape}")
        t = t.reshape(rows)
    s = None
    if sample_weight is not None:
        s = as_like(sample_weight, "sample_weight", dtype)
        if s.shape != rows_shape:
            raise ValueError(f"sample_weight: expected shape {rows_shape} (one weight per sample), got {s.shape}")
        s = s.reshape(rows)
    losses = new_output(rows, dtype) if code == 0 else None
    grads = [new_output(rows * dim, dtype) if want_grad else None for _ in range(3)]
    padded = arrays + [None] * (3 - len(arrays))
    value = _native.embedding(loss_id(name), params, flags, rows, dim, padded[0], padded[1], padded[2],
                              t, s, code, losses, grads[0] if len(arrays) > 0 else None,
                              grads[1] if len(arrays) > 1 else None, grads[2] if len(arrays) > 2 else None)
    loss = losses.reshape(rows_shape) if code == 0 else value
    if not want_grad:
        return loss
    shape = reshape if reshape is not None else first.shape
    out = tuple(g.reshape(shape) for g in grads[:len(arrays)])
    return (loss, out[0]) if len(out) == 1 else (loss, out)


def same_shape(arrays: list[tuple[Any, str]]) -> list[tuple[np.ndarray, str]]:
    """The inputs as arrays of the first one's computation dtype, all of the first one's shape."""
    first = as_input(arrays[0][0], arrays[0][1])
    out = [(first, arrays[0][1])]
    for value, name in arrays[1:]:
        out.append((as_like(value, name, first.dtype, first.shape), name))
    return out


def sample_rows(inputs: list[tuple[np.ndarray, str]]) -> tuple[tuple[int, ...], int]:
    """(sample shape, dim) of (N, D) or unbatched (D,) inputs."""
    x, name = inputs[0]
    if x.ndim == 2:
        return (x.shape[0],), x.shape[1]
    if x.ndim == 1:
        return (), x.shape[0]
    raise ValueError(f"{name}: expected shape (N, D) or (D,), got {x.shape}")
