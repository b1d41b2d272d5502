"""Embedding, metric-learning and ranking losses: pairs of rows, triplets, scores with labels,
and NT-Xent over a batch. Each returns the loss and, with `grad=True`, the gradient with
respect to every input array from the same pass (no Hessian for these losses).

Conventions: names and arguments of `torch.nn.functional` (optax's for `ntxent_loss`);
'mean' is the weighted mean Σ s·l / Σ s over samples (0 for an empty batch); `sample_weight`
has one weight per sample. With `grad=True` a one-input loss returns `(loss, grad)`, a
several-input loss `(loss, (grad_1, grad_2[, grad_3]))` in argument order.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _native
from ._arrays import (as_array, as_input, as_like, as_real, check_flag, reduction_code)
from ._catalogue import loss_id
from ._outputs import new_output

__all__ = ["contrastive_loss", "cosine_embedding_loss", "hinge_embedding_loss", "margin_ranking_loss",
           "ntxent_loss", "triplet_margin_loss"]

_SWAP = 1  # LK_EMBEDDING_SWAP


def _evaluate(name: str, params: tuple[float, ...], inputs: list[tuple[Any, str]], target: Any,
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


def _same_shape(arrays: list[tuple[Any, str]]) -> list[tuple[np.ndarray, str]]:
    """The inputs as arrays of the first one's computation dtype, all of the first one's shape."""
    first = as_input(arrays[0][0], arrays[0][1])
    out = [(first, arrays[0][1])]
    for value, name in arrays[1:]:
        out.append((as_like(value, name, first.dtype, first.shape), name))
    return out


def _rows(inputs: list[tuple[np.ndarray, str]]) -> tuple[tuple[int, ...], int]:
    """(sample shape, dim) of (N, D) or unbatched (D,) inputs."""
    x, name = inputs[0]
    if x.ndim == 2:
        return (x.shape[0],), x.shape[1]
    if x.ndim == 1:
        return (), x.shape[0]
    raise ValueError(f"{name}: expected shape (N, D) or (D,), got {x.shape}")


def cosine_embedding_loss(input1: Any, input2: Any, target: Any, *, margin: float = 0.0,
                          reduction: str = "mean", sample_weight: Any = None, grad: bool = False) -> Any:
    """`torch.nn.functional.cosine_embedding_loss`: for rows x1, x2 of shape (N, D) (or (D,))
    and labels y ∈ {-1, 1} of shape (N,) (or ()),

        l = 1 - cos(x1, x2) if y = 1,  max(0, cos(x1, x2) - margin) if y = -1,
        cos = x1·x2 / √((|x1|² + 1e-12)(|x2|² + 1e-12))   (PyTorch's ε: a zero vector gives cos 0).

    `grad=True` returns `(loss, (grad_input1, grad_input2))`."""
    inputs = _same_shape([(input1, "input1"), (input2, "input2")])
    rows_shape, dim = _rows(inputs)
    return _evaluate("cosine_embedding_loss", (as_real(margin, "margin"),), inputs, target,
                     rows_shape=rows_shape, dim=dim, reduction=reduction, sample_weight=sample_weight, grad=grad)


def contrastive_loss(input1: Any, input2: Any, target: Any, *, margin: float = 1.0,
                     reduction: str = "mean", sample_weight: Any = None, grad: bool = False) -> Any:
    """Pairwise contrastive loss (Hadsell, Chopra, LeCun 2006) without their factor 1/2: for rows
    x1, x2 of shape (N, D) and labels y ∈ {0, 1} (1 = similar pair), d = ‖x1 - x2‖₂ and

        l = d² if y = 1,   max(0, margin - d)² if y = 0.

    The gradient at d = 0 of a dissimilar pair is taken as 0. `grad=True` returns
    `(loss, (grad_input1, grad_input2))`."""
    inputs = _same_shape([(input1, "input1"), (input2, "input2")])
    rows_shape, dim = _rows(inputs)
    return _evaluate("contrastive_loss", (as_real(margin, "margin"),), inputs, target,
                     rows_shape=rows_shape, dim=dim, reduction=reduction, sample_weight=sample_weight, grad=grad)


def margin_ranking_loss(input1: Any, input2: Any, target: Any, *, margin: float = 0.0,
                        reduction: str = "mean", sample_weight: Any = None, grad: bool = False) -> Any:
    """`torch.nn.functional.margin_ranking_loss`: elementwise l = max(0, -y·(x1 - x2) + margin)
    for scores x1, x2 and labels y ∈ {-1, 1}, all of one shape. (PyTorch accepts any y; here
    labels must be ±1.) `grad=True` returns `(loss, (grad_input1, grad_input2))`."""
    inputs = _same_shape([(input1, "input1"), (input2, "input2")])
    shape = inputs[0][0].shape
    return _evaluate("margin_ranking_loss", (as_real(margin, "margin"),), inputs, target,
                     rows_shape=shape, dim=1, reduction=reduction, sample_weight=sample_weight, grad=grad,
                     reshape=shape)


def hinge_embedding_loss(input: Any, target: Any, *, margin: float = 1.0, reduction: str = "mean",
                         sample_weight: Any = None, grad: bool = False) -> Any:
    """`torch.nn.functional.hinge_embedding_loss`: elementwise l = x if y = 1, max(0, margin - x)
    if y = -1, for labels y ∈ {-1, 1} of the input's shape. `grad=True` returns `(loss, grad)`."""
    inputs = _same_shape([(input, "input")])
    shape = inputs[0][0].shape
    return _evaluate("hinge_embedding_loss", (as_real(margin, "margin"),), inputs, target,
                     rows_shape=shape, dim=1, reduction=reduction, sample_weight=sample_weight, grad=grad,
                     reshape=shape)


def triplet_margin_loss(anchor: Any, positive: Any, negative: Any, *, margin: float = 1.0, p: float = 2.0,
                        eps: float = 1e-6, swap: bool = False, reduction: str = "mean",
                        sample_weight: Any = None, grad: bool = False) -> Any:
    """`torch.nn.functional.triplet_margin_loss`: for rows of shape (N, D) (or (D,)),

        l = max(0, margin + d(a, p) - d(a, n)),   d(u, v) = ‖u - v + eps‖_p

    (PyTorch's `pairwise_distance`: eps is added to the difference). With `swap=True`, d(a, n)
    is replaced by d(p, n) where that is smaller. margin > 0 and p >= 1 (PyTorch also accepts
    0 < p < 1, where the gradient is unbounded). `grad=True` returns
    `(loss, (grad_anchor, grad_positive, grad_negative))`."""
    inputs = _same_shape([(anchor, "anchor"), (positive, "positive"), (negative, "negative")])
    rows_shape, dim = _rows(inputs)
    flags = _SWAP if check_flag(swap, "swap") else 0
    params = (as_real(margin, "margin"), as_real(p, "p"), as_real(eps, "eps"))
    return _evaluate("triplet_margin_loss", params, inputs, None, rows_shape=rows_shape, dim=dim,
                     reduction=reduction, sample_weight=sample_weight, grad=grad, flags=flags)


def ntxent_loss(embeddings: Any, labels: Any, *, temperature: float = 0.07, reduction: str = "mean",
                grad: bool = False) -> Any:
    """NT-Xent / InfoNCE (SimCLR) over a batch, as `optax.ntxent`: embeddings (N, D), integer
    labels (N,) (equal labels are positives). With s_ij = cos(e_i, e_j) / temperature (norms
    floored at √eps of the dtype, as optax), each ordered positive pair (i, j ≠ i) has loss
    -s_ij + log(e^s_ij + Σ_{k: label_k ≠ label_i} e^s_ik).

    'mean' averages over positive pairs (optax's value; 0 when there is none, where optax gives
    NaN); 'sum' adds them; 'none' gives each anchor's sum over its positives. `grad=True` returns
    `(loss, grad)` with respect to the embeddings."""
    e = as_input(embeddings, "embeddings")
    if e.ndim != 2:
        raise ValueError(f"embeddings: expected shape (N, D), got {e.shape}")
    lab = as_array(labels, "labels")
    if lab.dtype.kind not in "iub":
        raise TypeError(f"labels: expected integer labels, got dtype {lab.dtype}")
    if lab.shape != e.shape[:1]:
        raise ValueError(f"labels: expected shape {e.shape[:1]}, got {lab.shape}")
    if lab.dtype == np.uint64 and lab.size and lab.max() > np.iinfo(np.int64).max:
        raise ValueError("labels: values must fit in int64")
    code = reduction_code(reduction)
    want_grad = check_flag(grad, "grad")
    n, dim = e.shape
    losses = new_output(n, e.dtype) if code == 0 else None
    g = new_output((n, dim), e.dtype) if want_grad else None
    value = _native.ntxent(n, dim, e, np.ascontiguousarray(lab, dtype=np.int64), as_real(temperature, "temperature"),
                           code, losses, g)
    loss = losses if code == 0 else value
    return (loss, g) if want_grad else loss
