"""Multiclass losses on logits."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _native
from ._arrays import (PLAIN, as_array, as_input, as_int, as_like, as_real, check_flag, new_output,
                      reduction_code, results)

__all__ = ["cross_entropy"]


def cross_entropy(input: Any, target: Any, *, weight: Any = None, ignore_index: int = -100,
                  label_smoothing: float = 0.0, reduction: str = "mean",
                  sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Softmax cross-entropy on logits, as `torch.nn.functional.cross_entropy`.

    `input` holds logits of shape (C,), (N, C) or (N, C, d1, ..., dK): the class axis is axis 1
    (axis 0 when unbatched). `target` is either integer class indices of shape (), (N,) or
    (N, d1, ..., dK), or float class probabilities of the input's shape.

    With class weights w (`weight`, shape (C,)), smoothing ε (`label_smoothing` in [0, 1]) and
    C classes, each sample's target coefficients are
        a_c = (1 - ε)·w_y·[c = y] + ε/C·w_c        (class index y),
        a_c = w_c·((1 - ε)·t_c + ε/C)                (class probabilities t),
    and its loss, gradient and Hessian diagonal with respect to the logits z are
        l = Σ_c a_c·(logsumexp(z) - z_c),   ∂l/∂z = A·p - a,   ∂²l/∂z_c² = A·p_c·(1 - p_c),
    with p = softmax(z) and A = Σ_c a_c. The Hessian is the diagonal of the full Hessian
    A·(diag(p) - p pᵀ).

    Reduction 'mean' divides Σ s·l by Σ s·w_y over samples whose target is not `ignore_index`
    (class indices) or by Σ s (probabilities), where s is `sample_weight` (shape (N,), default
    1); this is PyTorch's rule when s = 1. Samples whose target is `ignore_index` have loss 0
    and zero derivatives. If every target is ignored, 'mean' returns 0.0 with zero gradient
    (PyTorch returns NaN). A class index outside [0, C) that is not `ignore_index` raises
    IndexError. A class with zero coefficient contributes nothing even if its logit is -inf.
    """
    if weight is None and sample_weight is None:
        # Plain arguments ((C,) or (N, C) exact C-contiguous float32/float64 logits, int64 class
        # indices or probabilities of the logits' dtype, an int ignore_index, a float or int
        # label_smoothing, a reduction name, True/False flags) go straight to the kernel through
        # the shim (see `_elementwise.evaluate`); anything else takes the general path below.
        result = _native.cross_entropy_plain(input, target, ignore_index, label_smoothing, reduction, grad,
                                             hess, PLAIN)
        if result is not NotImplemented:
            return result
    x = as_input(input)
    if x.ndim == 0:
        raise ValueError("input: expected logits of shape (C,), (N, C) or (N, C, d1, ...), got a scalar")
    code = reduction_code(reduction)
    want_grad = check_flag(grad, "grad")
    want_hess = check_flag(hess, "hess")
    smoothing = as_real(label_smoothing, "label_smoothing")
    ignore = as_int(ignore_index, "ignore_index")

    unbatched = x.ndim == 1
    batched = x[None] if unbatched else x
    classes = batched.shape[1]
    sample_shape = batched.shape[:1] + batched.shape[2:]
    rows = math.prod(sample_shape)
    # The kernel wants (rows, classes): (N, C) already is; (N, C, d...) moves C last.
    logits = batched if batched.ndim == 2 else np.ascontiguousarray(np.moveaxis(batched, 1, -1)).reshape(rows, classes)

    t = as_array(target, "target")
    index = probability = None
    if t.dtype.kind == "f":
        if t.shape != x.shape:
            raise ValueError(f"target: class probabilities must have the input's shape {x.shape}, got "
                             f"{t.shape}; class indices must be an integer array")
        probability = np.moveaxis(t[None] if unbatched else t, 1, -1)
        probability = np.ascontiguousarray(probability, dtype=x.dtype).reshape(rows, classes)
    elif t.dtype.kind in "iu":
        expected = () if unbatched else sample_shape
        if t.shape != expected:
            raise ValueError(f"target: class indices must have shape {expected}, got {t.shape}")
        if t.dtype == np.uint64 and t.size and t.max() > np.iinfo(np.int64).max:
            raise IndexError(f"target: class index {t.max()} is out of range [0, {classes})")
        index = np.ascontiguousarray(t, dtype=np.int64).reshape(rows)
    else:
        raise TypeError(f"target: expected integer class indices or float probabilities, got dtype {t.dtype}")

    class_weight = None if weight is None else as_like(weight, "weight", x.dtype, (classes,))
    row_weight = None
    if sample_weight is not None:
        s = as_like(sample_weight, "sample_weight", x.dtype, sample_shape[:1])
        spread = rows // max(sample_shape[0], 1)
        row_weight = np.ascontiguousarray(np.repeat(s, spread)) if spread != 1 else s

    losses = new_output((rows,), x.dtype) if code == 0 else None
    g = new_output((rows, classes), x.dtype) if want_grad else None
    h = new_output((rows, classes), x.dtype) if want_hess else None
    value = _native.cross_entropy(rows, classes, logits, index, probability, class_weight, row_weight,
                                  ignore, smoothing, code, losses, g, h)

    def back(a: np.ndarray) -> np.ndarray:
        """A (rows, classes) array in the input's layout."""
        if batched.ndim == 2:
            return a[0] if unbatched else a
        return np.moveaxis(a.reshape(sample_shape + (classes,)), -1, 1)

    loss = losses.reshape(()) if (code == 0 and unbatched) else (
        losses.reshape(sample_shape) if code == 0 else value)
    return results(loss, None if g is None else back(g), None if h is None else back(h))
