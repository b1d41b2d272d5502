"""Multi-label classification: every class of a row is its own yes/no decision. Scores are
(C,) or (N, C); the conventions of `losskit.multiclass` apply (keyword-only options, weighted
mean over samples, `sample_weight` of shape (N,), `grad`/`hess` of the returned loss).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._internal.arrays import as_array
from ._internal.rowwise import Rows, evaluate, reduction_code

__all__ = ["multilabel_soft_margin_loss", "multilabel_margin_loss"]


def multilabel_soft_margin_loss(input: Any, target: Any, *, weight: Any = None, reduction: str = "mean",
                                sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """As `torch.nn.functional.multilabel_soft_margin_loss`: per sample, the mean over the C
    classes of w_c-weighted binary cross-entropy with logits,
    l = Σ_c w_c·[t_c·softplus(-x_c) + (1 - t_c)·softplus(x_c)] / C.

    `input` and `target` are (C,) or (N, C); targets in [0, 1] (soft labels allowed).
    Weights must be finite and >= 0: a negative or NaN one raises ValueError naming it
    (PyTorch accepts negative weights)."""
    rows = Rows(input, max_ndim=2)
    code = reduction_code(reduction)
    return evaluate("multilabel_soft_margin_loss", rows, target_values=rows.values(target),
                    class_weight=rows.class_weight(weight, "weight"), sample_weight=sample_weight,
                    reduction=code, grad=grad, hess=hess)


def multilabel_margin_loss(input: Any, target: Any, *, reduction: str = "mean", sample_weight: Any = None,
                           grad: bool = False, hess: bool = False) -> Any:
    """As `torch.nn.functional.multilabel_margin_loss`: `target` holds each sample's class
    indices, padded with -1 (entries after the first -1 are ignored), shaped like `input`
    ((C,) or (N, C)); l = Σ_{j∈J} Σ_{k∉J} max(0, 1 - (x_j - x_k)) / C. Hessian 0. A pair at
    exactly 1 - (x_j - x_k) = 0 is inactive, as in PyTorch; NaN in a score gives NaN in its
    row's loss and gradient (PyTorch skips the pair)."""
    rows = Rows(input, max_ndim=2)
    code = reduction_code(reduction)
    t = as_array(target, "target")
    if t.dtype.kind not in "iu":
        raise TypeError(f"target: expected integer class indices padded with -1, got dtype {t.dtype}")
    if t.shape != rows.input.shape:
        raise ValueError(f"target: expected the input's shape {rows.input.shape}, got {t.shape}")
    if t.dtype == np.uint64 and t.size and t.max() > np.iinfo(np.int64).max:
        raise IndexError(f"target: class index {t.max()} is out of range [0, {rows.classes})")
    index = np.ascontiguousarray(t, dtype=np.int64).reshape(-1)
    return evaluate("multilabel_margin_loss", rows, target_index=index, sample_weight=sample_weight,
                    reduction=code, grad=grad, hess=hess)
