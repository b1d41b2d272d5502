"""Metric learning and embeddings: losses on pairs of rows (cosine embedding, contrastive), on
scores with ±1 labels (hinge embedding), on triplets, and NT-Xent over a batch. Each returns
the loss and, with `grad=True`, the gradient with respect to every input array from the same
pass (no Hessian for these losses).

Conventions: names and arguments of `torch.nn.functional` (optax's for `ntxent_loss`);
'mean' is the weighted mean Σ s·l / Σ s over samples (0 for an empty batch); `sample_weight`
has one weight per sample. With `grad=True` a one-input loss returns `(loss, grad)`, a
several-input loss `(loss, (grad_1, grad_2[, grad_3]))` in argument order.

Kinks (README, "Kinks"): the hinges PyTorch writes with `clamp_min` (cosine embedding, hinge
embedding, triplet) pass their gradient at exactly 0, as PyTorch's do; the contrastive
gradient is 0 at d = margin. NaN in any row gives NaN in its sample's loss and gradients.
`sample_weight` must be finite and >= 0 (ValueError naming it).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._internal import _native
from ._internal.arrays import as_array, as_input, as_real, check_flag, reduction_code
from ._internal.embedding import SWAP, evaluate, same_shape, sample_rows
from ._internal.outputs import new_output

__all__ = ["cosine_embedding_loss", "contrastive_loss", "hinge_embedding_loss", "triplet_margin_loss",
           "ntxent_loss"]


def cosine_embedding_loss(input1: Any, input2: Any, target: Any, *, margin: float = 0.0,
                          reduction: str = "mean", sample_weight: Any = None, grad: bool = False) -> Any:
    """`torch.nn.functional.cosine_embedding_loss`: for rows x1, x2 of shape (N, D) (or (D,))
    and labels y ∈ {-1, 1} of shape (N,) (or ()),

        l = 1 - cos(x1, x2) if y = 1,  max(0, cos(x1, x2) - margin) if y = -1,
        cos = x1·x2 / √((|x1|² + 1e-12)(|x2|² + 1e-12))   (PyTorch's ε: a zero vector gives cos 0).

    `grad=True` returns `(loss, (grad_input1, grad_input2))`."""
    inputs = same_shape([(input1, "input1"), (input2, "input2")])
    rows_shape, dim = sample_rows(inputs)
    return evaluate("cosine_embedding_loss", (as_real(margin, "margin"),), inputs, target,
                     rows_shape=rows_shape, dim=dim, reduction=reduction, sample_weight=sample_weight, grad=grad)


def contrastive_loss(input1: Any, input2: Any, target: Any, *, margin: float = 1.0,
                     reduction: str = "mean", sample_weight: Any = None, grad: bool = False) -> Any:
    """Pairwise contrastive loss (Hadsell, Chopra, LeCun 2006) without their factor 1/2: for rows
    x1, x2 of shape (N, D) and labels y ∈ {0, 1} (1 = similar pair), d = ‖x1 - x2‖₂ and

        l = d² if y = 1,   max(0, margin - d)² if y = 0.

    The gradient at d = 0 of a dissimilar pair is taken as 0. `grad=True` returns
    `(loss, (grad_input1, grad_input2))`."""
    inputs = same_shape([(input1, "input1"), (input2, "input2")])
    rows_shape, dim = sample_rows(inputs)
    return evaluate("contrastive_loss", (as_real(margin, "margin"),), inputs, target,
                     rows_shape=rows_shape, dim=dim, reduction=reduction, sample_weight=sample_weight, grad=grad)


def hinge_embedding_loss(input: Any, target: Any, *, margin: float = 1.0, reduction: str = "mean",
                         sample_weight: Any = None, grad: bool = False) -> Any:
    """`torch.nn.functional.hinge_embedding_loss`: elementwise l = x if y = 1, max(0, margin - x)
    if y = -1, for labels y ∈ {-1, 1} of the input's shape. `grad=True` returns `(loss, grad)`."""
    inputs = same_shape([(input, "input")])
    shape = inputs[0][0].shape
    return evaluate("hinge_embedding_loss", (as_real(margin, "margin"),), inputs, target,
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
    inputs = same_shape([(anchor, "anchor"), (positive, "positive"), (negative, "negative")])
    rows_shape, dim = sample_rows(inputs)
    flags = SWAP if check_flag(swap, "swap") else 0
    params = (as_real(margin, "margin"), as_real(p, "p"), as_real(eps, "eps"))
    return evaluate("triplet_margin_loss", params, inputs, None, rows_shape=rows_shape, dim=dim,
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
