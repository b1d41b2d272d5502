"""Segmentation (overlap) losses: soft Dice, Tversky, focal Tversky, generalised Dice and soft
Jaccard (IoU). Each function is a few lines over `_evaluate`, which calls `lk_overlap`.

These losses are not sums of per-element terms. For each sample n and class c the library
sums, over the spatial axes,

    TP = Σ p·t,   FP = Σ p·(1 - t),   FN = Σ (1 - p)·t,

and the class's loss is a function of those three numbers, all of them the focal Tversky form
of optax's `dice_loss`:

    TI = (TP + smooth) / (TP + α·FP + β·FN + smooth),   l_nc = (1 - TI)^γ.

Conventions shared by every function here:

* Layout: PyTorch's, `input` (N, C, d1, ..., dK) with the class axis 1 (K may be 0: (N, C) is
  one pixel per sample). optax and Keras put the classes last, (N, d1, ..., C): pass
  `np.moveaxis(x, -1, 1)`.
* `target`: an integer class map (N, d1, ..., dK) with values in [0, C) (with C = 1 a 0/1
  foreground mask), or a float map of the input's shape (one-hot or probabilities in [0, 1]).
* `apply_softmax=True` (the default, as optax): `input` holds logits; p is the softmax over the
  class axis, or the sigmoid when C = 1. `apply_softmax=False`: `input` holds probabilities in
  [0, 1] (checked; unlike optax they need not sum to 1).
* Per-sample loss: L_n = (1/C') Σ_c w_c·l_nc over the C' classes kept, with `class_weights` w
  (shape (C,), default 1). `ignore_background=True` leaves class 0 out (C' = C - 1) when C > 1.
  This is optax's reduction='mean' over classes.
* `reduction` over samples: 'mean' Σ s_n·L_n / Σ s_n (0 when that is 0), 'sum', or 'none' for
  the (N,) vector s_n·L_n (optax's per-sample output); `sample_weight` is one weight per
  sample, shape (N,). For Keras's `axis=None` (one Dice over the whole batch), move the batch
  into the spatial axes: `x.swapaxes(0, 1).reshape(1, C, -1)`.
* A class absent from a sample (Σt = 0) gives TI = smooth / (α·Σp + smooth): close to 0 loss
  when the prediction agrees, finite for any `smooth` > 0. With `smooth=0` a class absent from
  both p and t (0/0) counts as a perfect match: loss 0, derivatives 0.
* `grad=True` / `hess=True` return the gradient and the **exact** Hessian diagonal of the
  returned loss with respect to `input`, shaped like it (for 'none', of the sum of the
  per-sample losses). The per-class sums are accumulated in float64 in a fixed order, so
  results do not depend on the thread count.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._internal import _native
from ._internal.arrays import as_array, as_input, as_like, as_real, check_flag, reduction_code, results
from ._internal.catalogue import loss_id
from ._internal.outputs import new_output

__all__ = ["dice_loss", "tversky_loss", "focal_tversky_loss", "generalized_dice_loss", "jaccard_loss",
           "lovasz_softmax_loss"]


def _evaluate(name: str, input: Any, target: Any, params: tuple[tuple[str, Any], ...], *,
              apply_softmax: Any, ignore_background: Any, class_weights: Any, reduction: str,
              sample_weight: Any, grad: Any, hess: Any) -> Any:
    values = tuple(as_real(v, n) for n, v in params)
    values += (float(check_flag(apply_softmax, "apply_softmax")),
               float(check_flag(ignore_background, "ignore_background")))
    want_grad, want_hess = check_flag(grad, "grad"), check_flag(hess, "hess")
    code = reduction_code(reduction)
    x = as_input(input)
    if x.ndim < 2:
        raise ValueError(f"input: expected scores of shape (N, C, d1, ...), got shape {x.shape}")
    batch, classes = x.shape[:2]
    spatial = math.prod(x.shape[2:])
    if classes == 0 and batch * spatial > 0:  # the library's message says `classes`, C's name
        raise ValueError(f"input: expected at least one class on axis 1, got shape {x.shape}")
    t = as_array(target, "target")
    index = values_map = None
    if t.ndim == x.ndim - 1:
        if t.dtype.kind not in "iu":
            raise TypeError(f"target: a class map must hold integers, got dtype {t.dtype}")
        if t.shape != x.shape[:1] + x.shape[2:]:
            raise ValueError(f"target: a class map must have shape {x.shape[:1] + x.shape[2:]}, got {t.shape}")
        if t.dtype == np.uint64 and t.size and t.max() > np.iinfo(np.int64).max:
            raise IndexError(f"target: class index {t.max()} is out of range [0, {classes})")
        index = np.ascontiguousarray(t, dtype=np.int64)
    elif t.shape == x.shape:
        values_map = as_like(t, "target", x.dtype)
    else:
        raise ValueError(f"target: expected a class map of shape {x.shape[:1] + x.shape[2:]} or a target "
                         f"map of the input's shape {x.shape}, got shape {t.shape}")
    w = None if class_weights is None else as_like(class_weights, "class_weights", x.dtype, (classes,))
    s = None if sample_weight is None else as_like(sample_weight, "sample_weight", x.dtype, (batch,))
    losses = new_output(batch, x.dtype) if code == 0 else None
    g = new_output(x.shape, x.dtype) if want_grad else None
    h = new_output(x.shape, x.dtype) if want_hess else None
    value = _native.overlap(loss_id(name), values, batch, classes, spatial, x, index, values_map, w, s,
                            code, losses, g, h)
    return results(losses if code == 0 else value, g, h)


def dice_loss(input: Any, target: Any, *, smooth: float = 1.0, apply_softmax: bool = True,
              ignore_background: bool = False, class_weights: Any = None, reduction: str = "mean",
              sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Soft Dice loss, as optax's `dice_loss` with its default α = β = 1/2.

    l_nc = 1 - (TP + smooth) / ((ΣP + ΣT)/2 + smooth) per sample and class (note: optax's
    smoothing, i.e. (2TP + 2s) / (ΣP + ΣT + 2s), not Keras's 2TP / (ΣP + ΣT + ε)). See the
    module docstring for layout, targets, reductions and derivatives.
    """
    return _evaluate("dice_loss", input, target, (("smooth", smooth),), apply_softmax=apply_softmax,
                     ignore_background=ignore_background, class_weights=class_weights,
                     reduction=reduction, sample_weight=sample_weight, grad=grad, hess=hess)


def tversky_loss(input: Any, target: Any, *, alpha: float = 0.5, beta: float = 0.5, smooth: float = 1.0,
                 apply_softmax: bool = True, ignore_background: bool = False, class_weights: Any = None,
                 reduction: str = "mean", sample_weight: Any = None, grad: bool = False,
                 hess: bool = False) -> Any:
    """Tversky loss: l_nc = 1 - (TP + smooth) / (TP + α·FP + β·FN + smooth).

    α (`alpha` >= 0) weighs false positives and β (`beta` >= 0) false negatives, as optax's
    `dice_loss(alpha, beta)`; with `smooth=0` this is Keras's `Tversky` without its ε.
    """
    return _evaluate("tversky_loss", input, target, (("alpha", alpha), ("beta", beta), ("smooth", smooth)),
                     apply_softmax=apply_softmax, ignore_background=ignore_background,
                     class_weights=class_weights, reduction=reduction, sample_weight=sample_weight,
                     grad=grad, hess=hess)


def focal_tversky_loss(input: Any, target: Any, *, alpha: float = 0.5, beta: float = 0.5,
                       gamma: float = 0.75, smooth: float = 1.0, apply_softmax: bool = True,
                       ignore_background: bool = False, class_weights: Any = None, reduction: str = "mean",
                       sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Focal Tversky loss (Abraham and Khan, 2019): l_nc = (1 - TI)^γ, TI the Tversky index.

    `gamma` > 0 (0.75 by default, i.e. the paper's 1/γ with γ = 4/3). At a perfect match
    (TI = 1) the derivatives of (1 - TI)^γ are unbounded for γ < 1 (γ < 2 for the second);
    they are returned as 0 there.
    """
    return _evaluate("focal_tversky_loss", input, target,
                     (("alpha", alpha), ("beta", beta), ("gamma", gamma), ("smooth", smooth)),
                     apply_softmax=apply_softmax, ignore_background=ignore_background,
                     class_weights=class_weights, reduction=reduction, sample_weight=sample_weight,
                     grad=grad, hess=hess)


def generalized_dice_loss(input: Any, target: Any, *, smooth: float = 1.0, apply_softmax: bool = True,
                          ignore_background: bool = False, reduction: str = "mean", sample_weight: Any = None,
                          grad: bool = False, hess: bool = False) -> Any:
    """Generalised Dice loss with optax's `multiclass_generalized_dice_loss` semantics.

    The Dice loss with class weights w_c = 1 / (F_c² + 1e-7), F_c = Σ t over the whole batch
    (unweighted by `sample_weight`), normalised to sum to C (over all C classes, before
    `ignore_background` drops class 0). The weights depend on the targets only, so they are
    constants for the derivatives. optax returns the mean over samples and kept classes, which
    is `reduction='mean'` here. (Sudre et al.'s original ratio of weighted sums is not this.)
    """
    return _evaluate("generalized_dice_loss", input, target, (("smooth", smooth),), apply_softmax=apply_softmax,
                     ignore_background=ignore_background, class_weights=None, reduction=reduction,
                     sample_weight=sample_weight, grad=grad, hess=hess)


def jaccard_loss(input: Any, target: Any, *, smooth: float = 1.0, apply_softmax: bool = True,
                 ignore_background: bool = False, class_weights: Any = None, reduction: str = "mean",
                 sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Soft Jaccard (IoU) loss: l_nc = 1 - (TP + smooth) / (TP + FP + FN + smooth), i.e.
    1 - (Σpt + s) / (Σp + Σt - Σpt + s), the Tversky loss with α = β = 1."""
    return _evaluate("jaccard_loss", input, target, (("smooth", smooth),), apply_softmax=apply_softmax,
                     ignore_background=ignore_background, class_weights=class_weights,
                     reduction=reduction, sample_weight=sample_weight, grad=grad, hess=hess)


def lovasz_softmax_loss(input: Any, target: Any, *, apply_softmax: bool = True, ignore_background: bool = False,
                        class_weights: Any = None, reduction: str = "mean", sample_weight: Any = None,
                        grad: bool = False, hess: bool = False) -> Any:
    """Lovász-softmax loss (Berman, Rannen Triki and Blaschko, 2018), a convex surrogate of the
    Jaccard (IoU) loss.

    Per sample and class, the errors e_i = |t_i - p_i| over the spatial axes are sorted in
    decreasing order and l_nc = Σ_k e_(k)·g_k, g the Lovász gradient of the Jaccard loss along
    the sorted targets (g_k = J_k - J_{k-1}, J_k = 1 - (T - Σ_{j<=k} t_(j)) / (T + Σ_{j<=k}
    (1 - t_(j))), T = Σ t). Ties are broken by pixel order. Differences from the reference
    implementation's defaults: the loss is per sample (its `per_image=True`; for its batch-wide
    default move the batch into the spatial axes) and every class is averaged (its
    `classes='all'`; 'present' is not offered), so a class absent from a sample contributes its
    largest probability. Targets are meant to be 0/1; soft targets are used as they are.

    The loss is piecewise linear in the probabilities: the gradient is g at each error's rank
    times sign(p - t), and the Hessian diagonal is 0 with respect to probabilities; with logits
    it is the softmax's curvature times that gradient (exact almost everywhere).
    """
    return _evaluate("lovasz_softmax_loss", input, target, (), apply_softmax=apply_softmax,
                     ignore_background=ignore_background, class_weights=class_weights,
                     reduction=reduction, sample_weight=sample_weight, grad=grad, hess=hess)
