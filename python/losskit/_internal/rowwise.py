"""The one path every row-wise loss takes from Python to `lk_rowwise`, and the layout helpers
the public functions share (PyTorch's (N, C, d1, ...) layout with the class axis 1)."""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from . import _native
from .arrays import as_array, as_input, as_int, as_like, as_real, check_flag, results
from .catalogue import loss_id
from .outputs import new_output

ROW_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2, "batchmean": 3}


def reduction_code(reduction: Any, allowed: Sequence[str] = ("mean", "sum", "none")) -> int:
    if not isinstance(reduction, str) or reduction not in allowed:
        names = ", ".join(repr(r) for r in allowed)
        raise ValueError(f"reduction: expected one of {names}, got {reduction!r}")
    return ROW_REDUCTIONS[reduction]


class Rows:
    """An input in PyTorch's class-axis-1 layout as (rows, classes) rows: (C,) is one unbatched
    row, (N, C) is N rows, (N, C, d1, ...) moves the class axis last."""

    def __init__(self, input: Any, *, min_ndim: int = 1, max_ndim: int | None = None) -> None:
        x = as_input(input)
        if x.ndim < min_ndim or (max_ndim is not None and x.ndim > max_ndim):
            shapes = "(C,) or (N, C)" if max_ndim == 2 else "(C,), (N, C) or (N, C, d1, ...)"
            raise ValueError(f"input: expected scores of shape {shapes}, got shape {x.shape}")
        self.input = x
        self.dtype = x.dtype
        self.unbatched = x.ndim == 1
        batched = x[None] if self.unbatched else x
        self.classes = batched.shape[1]
        self.sample_shape = batched.shape[:1] + batched.shape[2:]
        self.rows = math.prod(self.sample_shape)
        self.spatial = batched.ndim > 2
        self.matrix = self.to_rows(batched)

    def to_rows(self, a: np.ndarray) -> np.ndarray:
        """A batched array of the input's layout as contiguous (rows, classes)."""
        if a.ndim > 2:
            a = np.moveaxis(a, 1, -1)
        return np.ascontiguousarray(a, dtype=self.dtype).reshape(self.rows, self.classes)

    def values(self, target: Any, name: str = "target") -> np.ndarray:
        """A float target of the input's shape, as (rows, classes)."""
        t = as_array(target, name)
        if t.shape != self.input.shape:
            raise ValueError(f"{name}: expected the input's shape {self.input.shape}, got {t.shape}")
        return self.to_rows(t[None] if self.unbatched else t)

    def class_index(self, target: Any) -> np.ndarray:
        """Integer class indices of shape (), (N,) or (N, d1, ...), as int64 (rows,)."""
        t = as_array(target, "target")
        if t.dtype.kind not in "iu":
            raise TypeError(f"target: expected integer class indices, got dtype {t.dtype}")
        expected = () if self.unbatched else self.sample_shape
        if t.shape != expected:
            raise ValueError(f"target: class indices must have shape {expected}, got {t.shape}")
        if t.dtype == np.uint64 and t.size and t.max() > np.iinfo(np.int64).max:
            raise IndexError(f"target: class index {t.max()} is out of range [0, {self.classes})")
        return np.ascontiguousarray(t, dtype=np.int64).reshape(self.rows)

    def class_weight(self, value: Any, name: str) -> np.ndarray | None:
        return None if value is None else as_like(value, name, self.dtype, (self.classes,))

    def sample_weight(self, value: Any) -> np.ndarray | None:
        """`sample_weight` of shape (N,) (() when unbatched), one weight per row."""
        if value is None:
            return None
        s = as_like(value, "sample_weight", self.dtype, () if self.unbatched else self.sample_shape[:1])
        s = s.reshape(-1)
        spread = self.rows // max(self.sample_shape[0], 1)
        return np.ascontiguousarray(np.repeat(s, spread)) if spread != 1 else s

    def back(self, a: np.ndarray) -> np.ndarray:
        """A (rows, classes) array in the input's layout."""
        if self.unbatched:
            return a[0]
        if not self.spatial:
            return a
        return np.moveaxis(a.reshape(self.sample_shape + (self.classes,)), -1, 1)

    def per_row(self, losses: np.ndarray) -> np.ndarray:
        """Per-row losses in the shape of the samples."""
        return losses.reshape(()) if self.unbatched else losses.reshape(self.sample_shape)


def evaluate(name: str, rows: Rows, *, params: Sequence[tuple[str, Any]] = (),
             target_index: np.ndarray | None = None, target_values: np.ndarray | None = None,
             class_weight: np.ndarray | None = None, sample_weight: Any = None,
             ignore_index: Any = -100, reduction: int, grad: Any, hess: Any,
             element_losses: bool = False,
             shape_losses: Callable[[np.ndarray], np.ndarray] | None = None) -> Any:
    """Converts the options, calls the kernel on (rows, classes) arrays and shapes the results:
    losses per row (or per element) for reduction 'none', gradient and Hessian in the input's
    layout."""
    want_grad = check_flag(grad, "grad")
    want_hess = check_flag(hess, "hess")
    values = tuple(as_real(v, n) for n, v in params)
    ignore = as_int(ignore_index, "ignore_index")
    weights = rows.sample_weight(sample_weight)
    n, c = rows.rows, rows.classes
    losses = (new_output(n * c if element_losses else n, rows.dtype) if reduction == 0 else None)
    g = new_output((n, c), rows.dtype) if want_grad else None
    h = new_output((n, c), rows.dtype) if want_hess else None
    value = _native.rowwise(loss_id(name), values, n, c, rows.matrix, target_index, target_values,
                            class_weight, weights, ignore, reduction, losses, g, h)
    if reduction == 0:
        loss = shape_losses(losses) if shape_losses else rows.per_row(losses)
    else:
        loss = value
    return results(loss, None if g is None else rows.back(g), None if h is None else rows.back(h))
